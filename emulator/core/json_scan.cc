// One pass over the text with an explicit stack (no recursion, however deep the text nests),
// no allocation unless objects nest (their keys are remembered to tell repeats).
#include "emulator/core/json_scan.h"

#include "emulator/core/json.h"
#include "emulator/core/text.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace emu {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits after "\u".
bool code_unit(const char*& p, const char* end, unsigned& cu) {
  if (end - p < 4) return false;
  cu = 0;
  for (int i = 0; i < 4; ++i) {
    int h = hex(p[i]);
    if (h < 0) return false;
    cu = cu * 16 + static_cast<unsigned>(h);
  }
  p += 4;
  return true;
}

bool cont(unsigned char c, unsigned char lo = 0x80, unsigned char hi = 0xBF) { return c >= lo && c <= hi; }

// One UTF-8 sequence of two to four bytes at p (RFC 3629's table, as nlohmann checks it).
bool utf8(const char*& p, const char* end) {
  auto at = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p[i]); };
  std::ptrdiff_t left = end - p;
  unsigned char c = at(0);
  if (c >= 0xC2 && c <= 0xDF) {
    if (left < 2 || !cont(at(1))) return false;
    p += 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    if (left < 3 || !cont(at(1), lo, hi) || !cont(at(2))) return false;
    p += 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    if (left < 4 || !cont(at(1), lo, hi) || !cont(at(2)) || !cont(at(3))) return false;
    p += 4;
  } else {
    return false;
  }
  return true;
}

// A string at p (its opening quote); p ends past the closing one. Its value is appended to
// `out` when given (runs without escapes at once); `escaped` is set when it has an escape.
bool lex_string(const char*& p, const char* end, std::string* out, bool* escaped) {
  ++p;
  for (;;) {
    const char* run = p;
    while (p != end) {
      auto c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
      ++p;
    }
    if (p == end) return false;
    auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      if (!utf8(p, end)) return false;
      if (out) out->append(run, p);
      continue;
    }
    if (out) out->append(run, p);
    if (c == '"') {
      ++p;
      return true;
    }
    if (c < 0x20) return false;
    // A backslash.
    if (escaped) *escaped = true;
    if (++p == end) return false;
    char e = *p++;
    char plain = json_short_escape(e);
    if (plain) {
      if (out) *out += plain;
      continue;
    }
    if (e != 'u') return false;
    unsigned cu;
    if (!code_unit(p, end, cu)) return false;
    if (cu >= 0xDC00 && cu <= 0xDFFF) return false;  // a low surrogate alone
    std::uint32_t cp = cu;
    if (cu >= 0xD800 && cu <= 0xDBFF) {
      unsigned low;
      if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return false;
      p += 2;
      if (!code_unit(p, end, low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cu - 0xD800) << 10) + (low - 0xDC00);
    }
    if (out) append_utf8(*out, cp);
  }
}

bool lex_literal(const char*& p, const char* end, std::string_view word) {
  if (static_cast<std::size_t>(end - p) < word.size() || std::string_view(p, word.size()) != word) return false;
  p += word.size();
  return true;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// A number at p, as nlohmann reads one into `out` when given: an integer that fits 64 bits is
// unsigned when it has no sign, signed when it has; anything else a double.
bool lex_number(const char*& p, const char* end, json* out) {
  const char* start = p;
  if (*p == '-') ++p;
  if (p == end) return false;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p != end && digit(*p)) ++p;
  } else {
    return false;
  }
  bool integer = true, exponent = false;
  if (p != end && *p == '.') {
    integer = false;
    ++p;
    if (p == end || !digit(*p)) return false;
    while (p != end && digit(*p)) ++p;
  }
  if (p != end && (*p == 'e' || *p == 'E')) {
    integer = false, exponent = true;
    ++p;
    if (p != end && (*p == '+' || *p == '-')) ++p;
    if (p == end || !digit(*p)) return false;
    while (p != end && digit(*p)) ++p;
  }
  if (out && integer) {
    if (*start == '-') {
      std::int64_t v;
      if (auto r = std::from_chars(start, p, v); r.ec == std::errc() && r.ptr == p) {
        *out = v;
        return true;
      }
    } else {
      std::uint64_t v;
      if (auto r = std::from_chars(start, p, v); r.ec == std::errc() && r.ptr == p) {
        *out = v;
        return true;
      }
    }
  }
  if (out) {
    double d;
    if (auto r = std::from_chars(start, p, d); r.ec == std::errc() && r.ptr == p) {
      *out = d;
      return true;
    }
  } else if (!exponent && p - start <= 300) {
    return true;
  }
  // Past a double's range is refused (nlohmann: "number overflow"); below it is zero or
  // subnormal, as strtod reads it. Only an exponent or some 309 digits reach that far.
  std::string token(start, p);
  double d = std::strtod(token.c_str(), nullptr);
  if (std::isinf(d)) return false;
  if (out) *out = d;
  return true;
}

void skip_space(const char*& p, const char* end) {
  while (p != end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
}

// nlohmann's parser skips a byte order mark at the very start, and only there; false when the
// text begins with part of one.
bool skip_bom(const char*& p, const char* end) {
  if (p == end || static_cast<unsigned char>(*p) != 0xEF) return true;
  if (end - p < 3 || static_cast<unsigned char>(p[1]) != 0xBB || static_cast<unsigned char>(p[2]) != 0xBF) return false;
  p += 3;
  return true;
}

// Whether the text may end at p, past its value: white space, then its end or a NUL (nlohmann's
// parser takes a NUL where a token would begin for the end of its input). Past a NUL, the depth
// of all of `text` is still bounded, as parse_client_json bounds it.
bool ends_here(const char* p, const char* end, std::string_view text, int max_depth) {
  skip_space(p, end);
  return p == end || (*p == '\0' && !json_nests_deeper(text, max_depth));
}

class scanner {
 public:
  scanner(std::string_view text, int max_depth, std::string_view key)
      : text_begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth), key_(key) {}

  json_object_scan run() {
    json_object_scan out;
    if (!skip_bom(p_, end_)) return out;
    skip_space(p_, end_);
    if (p_ == end_ || *p_ != '{') return out;
    const char* begin = p_;
    if (!value()) return out;
    if (!ends_here(p_, end_, std::string_view(text_begin_, end_ - text_begin_), max_depth_)) return out;
    out.valid = true;
    out.plain_keys = plain_;
    out.object = {begin, static_cast<std::size_t>(p_ - begin)};
    out.member = member_;
    return out;
  }

 private:
  struct frame {
    bool object;
    std::size_t keys_start;  // where this object's keys begin in keys_
  };

  // Reads the value at p_ and everything it holds.
  bool value() {
    const char* member_start = nullptr;
    for (;;) {
      // A value begins here.
      if (p_ == end_) return false;
      switch (*p_) {
        case '{':
        case '[': {
          bool object = *p_ == '{';
          if (static_cast<int>(stack_.size()) >= max_depth_) return false;
          stack_.push_back({object, keys_.size()});
          ++p_;
          skip_space(p_, end_);
          if (p_ != end_ && *p_ == (object ? '}' : ']')) {
            ++p_;
            pop();
            break;  // an empty container is a whole value
          }
          if (object) {
            if (!key(member_start)) return false;
          }
          continue;  // its first value
        }
        case '"':
          if (!lex_string(p_, end_, nullptr, nullptr)) return false;
          break;
        case 't':
          if (!lex_literal(p_, end_, "true")) return false;
          break;
        case 'f':
          if (!lex_literal(p_, end_, "false")) return false;
          break;
        case 'n':
          if (!lex_literal(p_, end_, "null")) return false;
          break;
        default:
          if (!lex_number(p_, end_, nullptr)) return false;
      }
      // A value ended: close what it ends, up to the next value to read.
      for (;;) {
        if (stack_.size() == 1 && member_start) {
          member_ = {member_start, static_cast<std::size_t>(p_ - member_start)};
          member_start = nullptr;
        }
        if (stack_.empty()) return true;
        skip_space(p_, end_);
        if (p_ == end_) return false;
        bool object = stack_.back().object;
        if (*p_ == ',') {
          ++p_;
          skip_space(p_, end_);
          if (object && !key(member_start)) return false;
          break;
        }
        if (*p_ != (object ? '}' : ']')) return false;
        ++p_;
        pop();
      }
    }
  }

  void pop() {
    keys_.resize(stack_.back().keys_start);
    stack_.pop_back();
  }

  // Reads `"key" :` and the white space after it; at the top level, notes where the member
  // named key_ begins.
  bool key(const char*& member_start) {
    if (p_ == end_ || *p_ != '"') return false;
    bool escaped = false;
    const char* k = p_ + 1;
    if (!lex_string(p_, end_, nullptr, &escaped)) return false;
    std::string_view name(k, static_cast<std::size_t>(p_ - 1 - k));
    skip_space(p_, end_);
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    skip_space(p_, end_);
    if (plain_) {
      std::size_t start = stack_.back().keys_start;
      if (escaped || keys_.size() - start >= json_object_scan::max_plain_keys) {
        plain_ = false;
      } else {
        for (std::size_t i = start; i < keys_.size(); ++i)
          if (keys_[i] == name) plain_ = false;
        keys_.push_back(name);
      }
    }
    if (stack_.size() == 1 && !key_.empty() && !escaped && name == key_) member_start = p_;
    return true;
  }

  const char* text_begin_;
  const char* p_;
  const char* end_;
  int max_depth_;
  std::string_view key_;
  std::vector<frame> stack_;
  std::vector<std::string_view> keys_;
  bool plain_ = true;
  std::string_view member_;
};

// The document of a JSON text, read as nlohmann's parser reads it (its types, a repeated key's
// last value in its first place), in place of it: strings are copied in runs, not a byte at a
// time, and numbers read with from_chars. Recursive: callers bound the depth (1,000 at most).
class builder {
 public:
  builder(std::string_view text, int max_depth)
      : text_(text), p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  json run() {
    json out;
    if (!skip_bom(p_, end_) || !value(out, 0) || !ends_here(p_, end_, text_, max_depth_))
      return json(json::value_t::discarded);
    return out;
  }

 private:
  bool value(json& out, int depth) {
    skip_space(p_, end_);
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': {
        if (depth >= max_depth_) return false;
        ++p_;
        out = json::object();
        auto& members = out.get_ref<json::object_t&>();
        skip_space(p_, end_);
        if (p_ != end_ && *p_ == '}') {
          ++p_;
          return true;
        }
        for (;;) {
          skip_space(p_, end_);
          if (p_ == end_ || *p_ != '"') return false;
          std::string key;
          if (!lex_string(p_, end_, &key, nullptr)) return false;
          skip_space(p_, end_);
          if (p_ == end_ || *p_ != ':') return false;
          ++p_;
          json& slot = members.emplace(std::move(key), json()).first->second;
          if (!value(slot, depth + 1)) return false;
          skip_space(p_, end_);
          if (p_ == end_) return false;
          if (*p_ == '}') {
            ++p_;
            return true;
          }
          if (*p_++ != ',') return false;
        }
      }
      case '[': {
        if (depth >= max_depth_) return false;
        ++p_;
        out = json::array();
        auto& items = out.get_ref<json::array_t&>();
        skip_space(p_, end_);
        if (p_ != end_ && *p_ == ']') {
          ++p_;
          return true;
        }
        for (;;) {
          if (!value(items.emplace_back(), depth + 1)) return false;
          skip_space(p_, end_);
          if (p_ == end_) return false;
          if (*p_ == ']') {
            ++p_;
            return true;
          }
          if (*p_++ != ',') return false;
        }
      }
      case '"': {
        std::string s;
        if (!lex_string(p_, end_, &s, nullptr)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        out = true;
        return lex_literal(p_, end_, "true");
      case 'f':
        out = false;
        return lex_literal(p_, end_, "false");
      case 'n':
        out = nullptr;
        return lex_literal(p_, end_, "null");
      default:
        return lex_number(p_, end_, &out);
    }
  }

  std::string_view text_;
  const char* p_;
  const char* end_;
  int max_depth_;
};

}  // namespace

json parse_client_json(std::string_view text, int max_depth) { return builder(text, max_depth).run(); }

json_object_scan scan_json_object(std::string_view text, int max_depth, std::string_view key) {
  return scanner(text, max_depth, key).run();
}

}  // namespace emu
