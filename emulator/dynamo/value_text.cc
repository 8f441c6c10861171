// Attribute-value text → plain JSON text, and Query/Scan answers split into item texts, on the
// stored bytes without building nlohmann documents: parsing a stored item costs ~9 µs, which
// made a 20-item page of the Query Handler cost more than everything else in a request.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/dynamo/value.h"

namespace emu::dynamo {
namespace {

struct scanner {
  std::string_view s;
  std::size_t i = 0;

  [[noreturn]] void fail(const char* what) const {
    throw std::invalid_argument(std::string("attribute-value text: ") + what + " at offset " + std::to_string(i));
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  char peek() {
    ws();
    if (i >= s.size()) fail("unexpected end");
    return s[i];
  }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++i;
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  // A string token with its quotes, escapes left as they are.
  std::string_view string_token() {
    if (peek() != '"') fail("expected a string");
    std::size_t start = i++;
    // To the closing quote by memchr, not byte by byte (a page's strings are most of its bytes);
    // an escape before it moves the search past the escaped character.
    for (;;) {
      const char* at = i < s.size() ? static_cast<const char*>(std::memchr(s.data() + i, '"', s.size() - i)) : nullptr;
      if (!at) fail("unterminated string");
      std::size_t quote = std::size_t(at - s.data());
      const void* esc = std::memchr(s.data() + i, '\\', quote - i);
      if (!esc) {
        i = quote + 1;
        return s.substr(start, i - start);
      }
      i = std::size_t(static_cast<const char*>(esc) - s.data()) + 2;
    }
  }
  // Any JSON value, skipped; returns its text.
  std::string_view value_token() {
    char c = peek();
    std::size_t start = i;
    if (c == '"') return string_token();
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++i;
      if (!take(close)) {
        do {
          if (c == '{') string_token(), expect(':');
          value_token();
        } while (take(','));
        expect(close);
      }
      return s.substr(start, i - start);
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ') ++i;
    if (i == start) fail("expected a value");
    return s.substr(start, i - start);
  }
};

// A number's text as JSON writes it: short ones as numbers (as to_plain does), others as text.
void append_number(std::string& out, std::string_view quoted) {
  std::string_view n = quoted.substr(1, quoted.size() - 2);
  bool plain = !n.empty() && n.size() < 16;
  for (std::size_t k = 0; plain && k < n.size(); ++k) {
    char c = n[k];
    plain = (c >= '0' && c <= '9') || c == '-' || c == '.' || c == 'E' || c == 'e' || c == '+';
  }
  plain = plain && n[0] != '.' && n.back() != '.' && !(n[0] == '-' && (n.size() == 1 || n[1] == '.'));
  out += plain ? n : quoted;
}

void append_value(std::string& out, scanner& sc);

void append_item(std::string& out, scanner& sc, std::initializer_list<std::string_view> drop) {
  sc.expect('{');
  out += '{';
  bool first = true;
  if (!sc.take('}')) {
    do {
      std::string_view key = sc.string_token();
      sc.expect(':');
      bool dropped = false;
      for (auto d : drop) dropped = dropped || key.substr(1, key.size() - 2) == d;
      if (dropped) {
        sc.value_token();
        continue;
      }
      if (!first) out += ',';
      first = false;
      out += key;
      out += ':';
      append_value(out, sc);
    } while (sc.take(','));
    sc.expect('}');
  }
  out += '}';
}

void append_value(std::string& out, scanner& sc) {
  sc.expect('{');
  std::string_view type = sc.string_token();
  sc.expect(':');
  if (type == "\"S\"" || type == "\"B\"" || type == "\"BOOL\"" || type == "\"SS\"" || type == "\"BS\"") {
    out += sc.value_token();
  } else if (type == "\"N\"") {
    append_number(out, sc.string_token());
  } else if (type == "\"NULL\"") {
    sc.value_token();
    out += "null";
  } else if (type == "\"M\"") {
    append_item(out, sc, {});
  } else if (type == "\"L\"" || type == "\"NS\"") {
    bool numbers = type == "\"NS\"";
    sc.expect('[');
    out += '[';
    if (!sc.take(']')) {
      bool first = true;
      do {
        if (!first) out += ',';
        first = false;
        if (numbers)
          append_number(out, sc.string_token());
        else
          append_value(out, sc);
      } while (sc.take(','));
      sc.expect(']');
    }
    out += ']';
  } else {
    sc.fail("unknown attribute type");
  }
  sc.expect('}');
}

}  // namespace

void append_plain_item(std::string& out, std::string_view av_item, std::initializer_list<std::string_view> drop) {
  scanner sc{av_item};
  append_item(out, sc, drop);
}

json pick_attributes(std::string_view av_item, const std::vector<std::string>& names) {
  scanner sc{av_item};
  json out = json::object();
  sc.expect('{');
  if (sc.take('}')) return out;
  do {
    std::string_view token = sc.string_token();
    sc.expect(':');
    std::string_view value = sc.value_token();
    std::string_view bare = token.substr(1, token.size() - 2);
    std::string unescaped =
        bare.find('\\') == std::string_view::npos ? std::string(bare) : json::parse(token).get<std::string>();
    for (const auto& n : names)
      if (n == unescaped) out[n] = json::parse(value);
  } while (sc.take(','));
  sc.expect('}');
  return out;
}

page_text_parts split_page_text(std::string_view answer) {
  scanner sc{answer};
  page_text_parts parts;
  sc.expect('{');
  if (sc.take('}')) return parts;
  do {
    std::string_view key = sc.string_token();
    sc.expect(':');
    if (key == "\"Items\"") {
      sc.expect('[');
      if (!sc.take(']')) {
        do parts.items.push_back(sc.value_token());
        while (sc.take(','));
        sc.expect(']');
      }
    } else if (key == "\"Item\"") {  // GetItem's answer
      parts.items.push_back(sc.value_token());
    } else if (key == "\"LastEvaluatedKey\"") {
      parts.last_evaluated_key = sc.value_token();
    } else {
      sc.value_token();
    }
  } while (sc.take(','));
  sc.expect('}');
  return parts;
}

}  // namespace emu::dynamo
