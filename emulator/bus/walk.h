// Walking an event leaf by leaf against a path table, from JSON text or from a document, and
// handing each kept leaf to a sink: a flat_event (flatten, flatten_text) or a rule_index that
// tests leaves as they come. A sink has
//   void add(std::uint32_t path, const scalar& v, const std::vector<flat_event::position>& where);
//   std::string_view keep(std::string s);  // storage for strings unescaped from text
// Not for use outside emulator/bus.
//
// The text walker is what EventBridge's matcher does with an incoming event: with a rule
// index's path table, subtrees no rule names are skipped by bracket counting, paths are never
// spelled out (a leaf carries its path's id), strings without escapes are viewed in place, and
// numbers are only converted when an operator asks. That is where the speed comes from on wide
// events.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "emulator/bus/pattern.h"
#include "emulator/core/text.h"

namespace emu::bus::walk {


constexpr int max_depth = 1000;  // PutEvents allows 1000 levels

// Bytes that end the plain run of a string: the quote, a backslash, control characters.
constexpr std::array<bool, 256> string_stop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// Eight bytes at a time (SWAR). In each mask a byte's top bit is set where the byte is of the
// kind looked for; bytes above the first such byte may be set falsely (borrows and carries), so
// only the lowest set bit is read.
constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
inline std::uint64_t load8(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
inline std::uint64_t zero_bytes(std::uint64_t x) { return (x - ones) & ~x & highs; }
inline std::uint64_t string_stops(std::uint64_t x) {
  return zero_bytes(x ^ (ones * '"')) | zero_bytes(x ^ (ones * '\\')) | ((x - ones * 0x20) & ~x & highs);
}
inline std::uint64_t non_digits(std::uint64_t x) {
  std::uint64_t m = ((x & (ones * 0xF0)) ^ (ones * 0x30)) | (((x + ones * 0x06) & (ones * 0xF0)) ^ (ones * 0x30));
  return ((m | ((m & ~highs) + ~highs)) & highs);  // top bit of each byte that has any bit set
}

// Brackets and quotes: what skipping a container has to look at. `| 0x20` maps [ ] onto { }.
inline std::uint64_t structurals(std::uint64_t x) {
  std::uint64_t folded = x | (ones * 0x20);
  return zero_bytes(folded ^ (ones * '{')) | zero_bytes(folded ^ (ones * '}')) | zero_bytes(x ^ (ones * '"'));
}

#if defined(__SSE2__)
// Sixteen bytes at a time where SSE2 is there (every x86-64): one bit per byte, exact.
inline __m128i load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline __m128i bytes_of(char c) { return _mm_set1_epi8(c); }
inline unsigned string_stops16(__m128i v) {
  __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, bytes_of(0x1F)), v);  // v <= 0x1F, unsigned
  return unsigned(_mm_movemask_epi8(_mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, bytes_of('"')), _mm_cmpeq_epi8(v, bytes_of('\\'))), control)));
}
inline unsigned structurals16(__m128i v) {
  __m128i folded = _mm_or_si128(v, bytes_of(0x20));
  return unsigned(_mm_movemask_epi8(_mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(folded, bytes_of('{')), _mm_cmpeq_epi8(folded, bytes_of('}'))),
      _mm_cmpeq_epi8(v, bytes_of('"')))));
}
inline unsigned non_digits16(__m128i v) {
  __m128i t = _mm_sub_epi8(v, bytes_of('0'));
  return ~unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, bytes_of(9)), t))) & 0xFFFF;
}
#define EMU_RUN16(kind)                                                                 \
  for (; end - p >= 16; p += 16)                                                        \
    if (unsigned m = kind##16(load16(p))) return p + std::countr_zero(m);
#else
#define EMU_RUN16(kind)
#endif

// The first byte at or after p (before end) that stops a string's plain run, that skipping a
// container must look at, or that is not a digit: sixteen, then eight bytes at a time.
inline const char* plain_run(const char* p, const char* end) {
  EMU_RUN16(string_stops)
  for (; end - p >= 8; p += 8)
    if (std::uint64_t m = string_stops(load8(p))) return p + std::countr_zero(m) / 8;
  while (p < end && !string_stop[static_cast<unsigned char>(*p)]) ++p;
  return p;
}
inline const char* structural_run(const char* p, const char* end) {
  EMU_RUN16(structurals)
  for (; end - p >= 8; p += 8)
    if (std::uint64_t m = structurals(load8(p))) return p + std::countr_zero(m) / 8;
  while (p < end && *p != '"' && (*p | 0x20) != '{' && (*p | 0x20) != '}') ++p;
  return p;
}
inline const char* digit_run(const char* p, const char* end) {
  EMU_RUN16(non_digits)
  for (; end - p >= 8; p += 8)
    if (std::uint64_t m = non_digits(load8(p))) return p + std::countr_zero(m) / 8;
  while (p < end && *p >= '0' && *p <= '9') ++p;
  return p;
}
#undef EMU_RUN16

// Eight ASCII digits, the first in the lowest byte, as their value (three multiplications).
inline std::uint64_t eight_digits(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  v -= 0x3030303030303030ull;
  v = v * 10 + (v >> 8);
  return (((v & 0x000000FF000000FFull) * 0x000F424000000064ull) +
          (((v >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >> 32;
}

// Appends the digits [p, end) to w; w · 10^(end − p) must fit in 64 bits.
inline std::uint64_t append_digits(std::uint64_t w, const char* p, const char* end) {
  for (; end - p >= 8; p += 8) w = w * 100'000'000 + eight_digits(p);
  for (; p < end; ++p) w = w * 10 + std::uint64_t(*p - '0');
  return w;
}

template <class Sink>
class text_walker {
 public:
  // `table` names the paths to keep; with `learn` (the same table, writable) every leaf is kept
  // and its path named on the way.
  text_walker(std::string_view text, const path_table& table, path_table* learn, Sink& out)
      : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()), learn_(learn), out_(out), table_(table) {}

  void run() {
    value(&table_.root());  // value() skips leading whitespace
    ws();
    if (p_ != end_) fail("trailing characters");
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw pattern_error(std::string("Event is not valid JSON: ") + what + " at byte " + std::to_string(p_ - begin_));
  }
  void ws() {
    if (p_ < end_ && static_cast<unsigned char>(*p_) > ' ') return;  // compact JSON: nothing to skip
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  char peek() const { return p_ < end_ ? *p_ : '\0'; }

  void leaf(const path_table::node* at, const scalar& v) {
    if (learn_) out_.add(learn_->name(at), v, arrays_);
    else if (at->id >= 0) out_.add(std::uint32_t(at->id), v, arrays_);
  }

  // `at` is the value's path in the table (never null: unnamed subtrees are skipped before).
  void value(const path_table::node* at) {
    char c = peek();
    if (static_cast<unsigned char>(c) <= ' ') ws(), c = peek();
    if (c == '{') {
      object(at);
    } else if (c == '[') {
      array(at);
    } else if (c == '"') {
      scalar v;
      v.t = scalar::type::string;
      v.s = string(false);
      leaf(at, v);
    } else if (c == 't' || c == 'f' || c == 'n') {
      scalar v;
      literal(v);
      leaf(at, v);
    } else {
      leaf(at, number());
    }
  }

  void enter() {
    if (++depth_ > max_depth) fail("nesting too deep");
  }

  // Consumes `c` after optional whitespace; false (consuming nothing more) when it is not there.
  bool next_is(char c) {
    if (p_ < end_ && *p_ == c) return ++p_, true;  // compact JSON: no whitespace to skip first
    ws();
    if (p_ < end_ && *p_ == c) return ++p_, true;
    return false;
  }

  void object(const path_table::node* at) {
    enter();
    ++p_;
    if (next_is('}')) return --depth_, void();
    do {
      if (peek() != '"') ws();
      if (peek() != '"') fail("unexpected character");
      std::string_view key = string(true);
      if (!next_is(':')) fail("unexpected character");
      const path_table::node* below = learn_ ? learn_->descend_or_add(at, key) : table_.descend(at, key);
      if (below) value(below);
      else skip();  // no rule names anything below this key
    } while (next_is(','));
    if (!next_is('}')) fail("unexpected character");
    --depth_;
  }

  void array(const path_table::node* at) {
    enter();
    ++p_;
    if (next_is(']')) return --depth_, void();
    std::uint32_t id = next_array_++;
    std::uint32_t index = 0;
    do {
      arrays_.emplace_back(id, index++);
      value(at);
      arrays_.pop_back();
    } while (next_is(','));
    if (!next_is(']')) fail("unexpected character");
    --depth_;
  }

  std::uint32_t hex4() {
    if (end_ - p_ < 4) fail("truncated \\u escape");
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= std::uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f') v |= std::uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= std::uint32_t(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }

  // Reads a string at the opening quote: a view into the text when it has no escapes; else
  // unescaped into the event's storage, or into key_ for a key (used before the next key).
  std::string_view string(bool is_key) {
    ++p_;
    const char* start = p_;
    p_ = plain_run(p_, end_);
    if (p_ < end_ && *p_ == '"') return {start, std::size_t(p_++ - start)};
    std::string out(start, p_);
    unescape_rest(&out);
    if (is_key) return key_ = std::move(out);
    return out_.keep(std::move(out));
  }

  // Continues a string after its plain start (appending to `out`, or skipping when null).
  void unescape_rest(std::string* out) {
    for (;;) {
      const char* start = p_;
      p_ = plain_run(p_, end_);
      if (out) out->append(start, p_);
      if (p_ >= end_) fail("unterminated string");
      char c = *p_++;
      if (c == '"') return;
      if (c != '\\') fail("control character in string");
      if (p_ >= end_) fail("unterminated string");
      char e = *p_++;
      char plain = e == '"' ? '"' : e == '\\' ? '\\' : e == '/' ? '/' : e == 'b' ? '\b' : e == 'f' ? '\f'
                 : e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\0';
      if (plain) {
        if (out) *out += plain;
        continue;
      }
      if (e != 'u') fail("bad escape");
      std::uint32_t cp = hex4();
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') fail("lone surrogate");
        p_ += 2;
        std::uint32_t lo = hex4();
        if (lo < 0xDC00 || lo > 0xDFFF) fail("lone surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail("lone surrogate");
      }
      if (out) append_utf8(*out, cp);
    }
  }

  void skip_string() {
    ++p_;
    p_ = plain_run(p_, end_);
    if (p_ < end_ && *p_ == '"') {
      ++p_;
      return;
    }
    unescape_rest(nullptr);
  }

  void literal(scalar& v) {
    auto take = [&](std::string_view word) {
      if (std::string_view(p_, std::size_t(end_ - p_)).substr(0, word.size()) != word) fail("bad literal");
      p_ += word.size();
    };
    if (peek() == 't') take("true"), v.t = scalar::type::boolean, v.b = true;
    else if (peek() == 'f') take("false"), v.t = scalar::type::boolean, v.b = false;
    else take("null"), v.t = scalar::type::null;
  }

  // Reads a number, converting its digits when there are few enough (most numbers): what
  // comparisons need, without reading the text twice.
  scalar number() {
    const char* start = p_;
    if (peek() == '-') ++p_;
    const char* int_start = p_;
    if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
    p_ = digit_run(p_ + 1, end_);
    const char* int_end = p_;
    const char* frac = p_;
    if (peek() == '.') {
      frac = ++p_;
      if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
      p_ = digit_run(p_ + 1, end_);
    }
    if (peek() == 'e' || peek() == 'E') {
      p_ = start;
      number_extent();
      return scalar::number_text({start, std::size_t(p_ - start)});
    }
    std::string_view text(start, std::size_t(p_ - start));
    if ((int_end - int_start) + (p_ - frac) > 19) return scalar::number_text(text);
    return scalar::number_text(text, append_digits(append_digits(0, int_start, int_end), frac, p_), -int(p_ - frac));
  }

  // Checks a number's shape and returns where it started.
  const char* number_extent() {
    const char* start = p_;
    auto digits = [&] {
      if (!(peek() >= '0' && peek() <= '9')) fail("bad number");
      p_ = digit_run(p_ + 1, end_);
    };
    if (peek() == '-') ++p_;
    digits();
    if (peek() == '.') ++p_, digits();
    if (peek() == 'e' || peek() == 'E') {
      ++p_;
      if (peek() == '+' || peek() == '-') ++p_;
      digits();
    }
    return start;
  }

  // Skips one value, checking only what is needed to find its end.
  void skip() {
    ws();
    char c = peek();
    if (c == '"') return skip_string();
    if (c == '{' || c == '[') {
      int level = 0;
      for (;;) {
        p_ = structural_run(p_, end_);
        if (p_ >= end_) fail("unterminated value");
        char x = *p_;
        if (x == '"') {
          skip_string();
          continue;
        }
        ++p_;
        if (x == '{' || x == '[') {
          if (++level + depth_ > max_depth) fail("nesting too deep");
        } else if ((x == '}' || x == ']') && --level == 0) {
          return;
        }
      }
    }
    if (c == 't' || c == 'f' || c == 'n') {
      scalar v;
      return literal(v);
    }
    number_extent();
  }

  const char* p_;
  const char* begin_;
  const char* end_;
  path_table* learn_;
  Sink& out_;
  const path_table& table_;
  std::string key_;
  std::vector<flat_event::position> arrays_;
  std::uint32_t next_array_ = 0;
  int depth_ = 0;
};

// Walks a document the same way (what flatten(json) and rule_index::match(json) use).
template <class Sink>
class dom_walker {
 public:
  dom_walker(const path_table& table, path_table* learn, Sink& out) : table_(table), learn_(learn), out_(out) {}
  void run(const json& v) { walk(v, &table_.root()); }

 private:
  void walk(const json& v, const path_table::node* at) {
    if (v.is_object()) {
      for (const auto& [k, child] : v.items()) {
        const path_table::node* below = learn_ ? learn_->descend_or_add(at, k) : table_.descend(at, k);
        if (below) walk(child, below);  // no rule names anything below: skipped
      }
    } else if (v.is_array()) {
      std::uint32_t id = next_array_++;
      std::uint32_t i = 0;
      for (const auto& child : v) {
        arrays_.emplace_back(id, i++);
        walk(child, at);
        arrays_.pop_back();
      }
    } else if (learn_) {
      out_.add(learn_->name(at), scalar::of(v), arrays_);
    } else if (at->id >= 0) {
      out_.add(std::uint32_t(at->id), scalar::of(v), arrays_);
    }
  }

  const path_table& table_;
  path_table* learn_;
  Sink& out_;
  std::vector<flat_event::position> arrays_;
  std::uint32_t next_array_ = 0;
};

}  // namespace emu::bus::walk
