// Flattening JSON text straight into pattern leaves, in one pass and without a document:
// what EventBridge's matcher does with an incoming event. Subtrees no rule names are skipped
// by bracket counting, which is where most of the speed comes from on wide events.
#include <algorithm>
#include <charconv>

#include "emulator/bus/pattern.h"
#include "emulator/core/text.h"

namespace emu::bus {
namespace {

constexpr int max_depth = 1000;  // PutEvents allows 1000 levels

class scanner {
 public:
  scanner(std::string_view text, const path_set* wanted, flat_event& out)
      : s_(text), wanted_(wanted), node_(wanted ? &wanted->root() : nullptr), out_(out) {}

  void run() {
    ws();
    value(true);
    ws();
    if (i_ != s_.size()) fail("trailing characters");
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw pattern_error(std::string("Event is not valid JSON: ") + what + " at byte " + std::to_string(i_));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++i_;
  }
  bool keep_leaf() const { return !wanted_ || (node_ && node_->named); }

  void leaf(scalar v) {
    if (keep_leaf()) out_.add(path_, std::move(v), arrays_);
  }

  // The tree node for `key` below `from`; a key with dots walks several levels, because
  // EventBridge joins keys with dots. Null when no rule names anything there.
  static const path_set::node* child(const path_set::node* from, std::string_view key) {
    while (from) {
      auto dot = key.find('.');
      auto it = from->children.find(key.substr(0, dot));
      from = it == from->children.end() ? nullptr : &it->second;
      if (dot == std::string_view::npos) break;
      key.remove_prefix(dot + 1);
    }
    return from;
  }

  void value(bool enter) {
    if (++depth_ > max_depth) fail("nesting too deep");
    ws();
    char c = peek();
    if (!enter) {
      skip();
    } else if (c == '{') {
      object();
    } else if (c == '[') {
      array();
    } else if (c == '"') {
      scalar v;
      v.t = scalar::type::string;
      string(&v.s);
      leaf(std::move(v));
    } else if (c == 't' || c == 'f' || c == 'n') {
      scalar v;
      literal(v);
      leaf(std::move(v));
    } else {
      scalar v;
      v.t = scalar::type::number;
      v.n = number();
      leaf(std::move(v));
    }
    --depth_;
  }

  void object() {
    expect('{');
    ws();
    if (peek() == '}') {
      ++i_;
      return;
    }
    std::size_t base = path_.size();
    std::string key;
    for (;;) {
      ws();
      key.clear();
      string(&key);
      ws();
      expect(':');
      const path_set::node* saved = node_;
      if (wanted_) node_ = child(saved, key);
      if (wanted_ && !node_) {
        skip();  // no rule names anything below this key: not even its path is built
      } else {
        if (base) path_ += '.';
        path_ += key;
        value(true);
        path_.resize(base);
      }
      node_ = saved;
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      return;
    }
  }

  void array() {
    expect('[');
    ws();
    if (peek() == ']') {
      ++i_;
      return;
    }
    std::uint32_t id = next_array_++;
    for (std::uint32_t index = 0;; ++index) {
      arrays_.emplace_back(id, index);
      value(true);
      arrays_.pop_back();
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect(']');
      return;
    }
  }


  std::uint32_t hex4() {
    if (i_ + 4 > s_.size()) fail("truncated \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= std::uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= std::uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= std::uint32_t(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  // Reads a string into `out` (unescaped), or skips it when `out` is null.
  void string(std::string* out) {
    expect('"');
    for (;;) {
      std::size_t start = i_;
      while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\') {
        if ((unsigned char)s_[i_] < 0x20) fail("control character in string");
        ++i_;
      }
      if (out) out->append(s_.data() + start, i_ - start);
      if (i_ >= s_.size()) fail("unterminated string");
      if (s_[i_] == '"') {
        ++i_;
        return;
      }
      ++i_;  // backslash
      if (i_ >= s_.size()) fail("unterminated string");
      char e = s_[i_++];
      char plain = e == '"' ? '"' : e == '\\' ? '\\' : e == '/' ? '/' : e == 'b' ? '\b' : e == 'f' ? '\f'
                 : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\0';
      if (plain) {
        if (out) *out += plain;
        continue;
      }
      if (e != 'u') fail("bad escape");
      std::uint32_t cp = hex4();
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (i_ + 6 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') fail("lone surrogate");
        i_ += 2;
        std::uint32_t lo = hex4();
        if (lo < 0xDC00 || lo > 0xDFFF) fail("lone surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail("lone surrogate");
      }
      if (out) append_utf8(*out, cp);
    }
  }

  void literal(scalar& v) {
    auto take = [&](std::string_view word) {
      if (s_.substr(i_, word.size()) != word) fail("bad literal");
      i_ += word.size();
    };
    if (peek() == 't') take("true"), v.t = scalar::type::boolean, v.b = true;
    else if (peek() == 'f') take("false"), v.t = scalar::type::boolean, v.b = false;
    else take("null"), v.t = scalar::type::null;
  }

  // Validates a number's shape and returns where it started.
  std::size_t number_extent() {
    std::size_t start = i_;
    if (peek() == '-') ++i_;
    if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
    while (peek() >= '0' && peek() <= '9') ++i_;
    if (peek() == '.') {
      ++i_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
      while (peek() >= '0' && peek() <= '9') ++i_;
    }
    return start;
  }

  double number() {
    std::size_t start = number_extent();
    double d = 0;
    auto [p, ec] = std::from_chars(s_.data() + start, s_.data() + i_, d);
    if (ec != std::errc() || p != s_.data() + i_) fail("bad number");
    return d;
  }

  // Skips one value, checking only what is needed to find its end.
  void skip() {
    ws();
    char c = peek();
    if (c == '"') return string(nullptr);
    if (c == '{' || c == '[') {
      int level = 0;
      do {
        char x = peek();
        if (x == '"') {
          string(nullptr);
          continue;
        }
        if (x == '\0' && i_ >= s_.size()) fail("unterminated value");
        if (x == '{' || x == '[') {
          if (++level > max_depth) fail("nesting too deep");
        } else if (x == '}' || x == ']') {
          --level;
        }
        ++i_;
      } while (level > 0);
      return;
    }
    if (c == 't' || c == 'f' || c == 'n') {
      scalar v;
      return literal(v);
    }
    number_extent();  // a skipped number needs no conversion
  }

  std::string_view s_;
  std::size_t i_ = 0;
  const path_set* wanted_;
  const path_set::node* node_;  // where path_ is in wanted_'s tree
  flat_event& out_;
  std::string path_;
  std::vector<flat_event::position> arrays_;
  std::uint32_t next_array_ = 0;
  int depth_ = 0;
};

}  // namespace

flat_event flatten_text(std::string_view text, const path_set* wanted) {
  flat_event out;
  scanner(text, wanted, out).run();
  out.sort();
  return out;
}

}  // namespace emu::bus
