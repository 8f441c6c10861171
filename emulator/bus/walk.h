// Walking an event leaf by leaf against a path table, from JSON text or from a document, and
// handing each kept leaf to a sink: a flat_event (flatten, flatten_text) or a rule_index that
// tests leaves as they come. A sink has
//   void add(std::uint32_t path, const scalar& v, const std::vector<flat_event::position>& where);
//   std::string_view keep(std::string s);  // storage for strings unescaped from text
//   bool skip(std::uint32_t path);          // text: a leaf there is not wanted now (read past it)
// Not for use outside emulator/bus.
//
// The text walker is what EventBridge's matcher does with an incoming event: with a rule
// index's path table, subtrees no rule names are skipped by bracket counting, paths are never
// spelled out (a leaf carries its path's id), strings without escapes are viewed in place, and
// of a number only the first eight digits are read as a value (the rest only when a comparison
// is that close). That is where the speed comes from on wide events.
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
#include "emulator/core/json_scan.h"
#include "emulator/core/text.h"

namespace emu::bus::walk {

constexpr int max_depth = 1000;  // PutEvents allows 1000 levels

// Keys are compared as words whose first byte is the lowest.
static_assert(std::endian::native == std::endian::little, "the text walker assumes a little-endian machine");

// The text walker needs a NUL right after the text and `padding` readable bytes from there on
// (of any content after that NUL): loads of up to 64 bytes never need a bounds check, and the
// NUL stops every scan (a NUL inside the text is invalid JSON wherever it matters). Nothing
// past the first NUL decides anything: a scan takes its first stop, a load of digits or of a
// key is masked to their count.
constexpr std::size_t padding = 64;

// A copy of the text followed by `padding` NUL bytes.
inline std::string_view padded(std::string_view text, std::string& buf) {
  buf.reserve(text.size() + padding);
  buf.assign(text.data(), text.size());
  buf.append(padding, '\0');
  return {buf.data(), text.size()};
}

// Whether a string can be walked where it is, without the copy: std::string keeps a NUL after
// its text, and the bytes after that are readable when they are spare capacity, or when they
// lie in the same 4 KiB page (every page is at least that large, and is mapped whole). This is
// simdjson's "free padding" (doc/performance.md). The copy costs little, but it reads the
// whole text at once: on text not in cache the walk waits for all of it, where walking in
// place reads it as the hardware prefetches it (15 % faster on the benchmark's 180 MB).
// Reading past an allocation is what AddressSanitizer reports, so its builds copy instead
// unless the capacity is there (Valgrind's memcheck reports them too).
inline bool walkable_in_place(const std::string& s) {
  if (s.capacity() - s.size() >= padding) return true;
#if defined(__SANITIZE_ADDRESS__)
  return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return false;
#endif
#endif
  constexpr std::uintptr_t page = 4096;
  return reinterpret_cast<std::uintptr_t>(s.data() + s.size()) % page + padding <= page;
}

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
// Brackets, quotes and NUL: what skipping a container has to look at. `| 0x20` maps [ ] onto { }.
inline std::uint64_t structurals(std::uint64_t x) {
  std::uint64_t folded = x | (ones * 0x20);
  return zero_bytes(folded ^ (ones * '{')) | zero_bytes(folded ^ (ones * '}')) | zero_bytes(x ^ (ones * '"')) |
         zero_bytes(x);
}

#if defined(__SSE2__)
// Sixteen bytes at a time where SSE2 is there (every x86-64): one bit per byte, exact.
inline __m128i load16(const char* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline __m128i bytes_of(char c) { return _mm_set1_epi8(c); }
inline unsigned string_stops16(__m128i v) {
  __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, bytes_of(0x1F)), v);  // v <= 0x1F, unsigned
  return unsigned(_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, bytes_of('"')), _mm_cmpeq_epi8(v, bytes_of('\\'))), control)));
}
inline unsigned structurals16(__m128i v) {
  __m128i folded = _mm_or_si128(v, bytes_of(0x20));
  return unsigned(_mm_movemask_epi8(
      _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(folded, bytes_of('{')), _mm_cmpeq_epi8(folded, bytes_of('}'))),
                   _mm_or_si128(_mm_cmpeq_epi8(v, bytes_of('"')), _mm_cmpeq_epi8(v, _mm_setzero_si128())))));
}
inline unsigned non_digits16(__m128i v) {
  __m128i t = _mm_sub_epi8(v, bytes_of('0'));
  return ~unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(t, bytes_of(9)), t))) & 0xFFFF;
}
#define EMU_RUN(kind) \
  for (;; p += 16)    \
    if (unsigned m = kind##16(load16(p))) return p + std::countr_zero(m);
#else
#define EMU_RUN(kind) \
  for (;; p += 8)     \
    if (std::uint64_t m = kind(load8(p))) return p + std::countr_zero(m) / 8;
#endif

// The first byte at or after p, in padded text, that stops a string's plain run (quote,
// backslash, control character), that skipping a container must look at, or that is not a
// digit. The padding's NUL stops each.
inline const char* plain_run(const char* p) { EMU_RUN(string_stops) }
inline const char* structural_run(const char* p) { EMU_RUN(structurals) }
inline const char* digit_run(const char* p) { EMU_RUN(non_digits) }
#undef EMU_RUN

// Eight ASCII digits, the first in the lowest byte, as their value (three multiplications).
inline std::uint64_t eight_digits(std::uint64_t v) {
  v -= 0x3030303030303030ull;
  v = v * 10 + (v >> 8);
  return (((v & 0x000000FF000000FFull) * 0x000F424000000064ull) +
          (((v >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >>
         32;
}

// Appends the digits [p, end) to w; w · 10^(end − p) must fit in 64 bits.
inline std::uint64_t append_digits(std::uint64_t w, const char* p, const char* end) {
  for (; end - p >= 8; p += 8) w = w * 100'000'000 + eight_digits(load8(p));
  for (; p < end; ++p) w = w * 10 + std::uint64_t(*p - '0');
  return w;
}

// A number's first digits, at most eight, as one value (padded text; bytes past the digits are
// masked off): its integer digits are [i, i + ni) (ni ≥ 1), its fraction's [f, f + nf).
// Returns the value and how many digits.
inline std::pair<std::uint64_t, std::size_t> lead_digits(const char* i, std::size_t ni, const char* f, std::size_t nf) {
  std::uint64_t v = load8(i);
  std::size_t n = 8;
  if (ni < 8) {
    v &= (1ull << (8 * ni)) - 1;
    if (nf) v |= load8(f) << (8 * ni);  // the fraction's digits right after the integer's
    n = std::min<std::size_t>(8, ni + nf);
  }
  // Fewer than eight: shift them to the top of a word of '0's (leading zeros change nothing).
  if (n < 8) v = v << (8 * (8 - n)) | (0x3030303030303030ull >> (8 * n));
  return {eight_digits(v), n};
}

using scratch = walk_scratch;

// Reads the text in one loop, the cursor in a local, containers on an explicit stack; the
// uncommon paths (escapes, errors, skipping containers) are out of line so the loop stays small.
template <class Sink>
class text_walker {
 public:
  // `text` must be followed by a NUL and `padding` readable bytes (padded(),
  // walkable_in_place()). `table` names the paths to keep; with `learn` (the same table,
  // writable) every leaf is kept and its path named on the way.
  text_walker(std::string_view text, const path_table& table, path_table* learn, Sink& out, scratch& s)
      : begin_(text.data()),
        end_(text.data() + text.size()),
        learn_(learn),
        out_(out),
        table_(table),
        arrays_(s.arrays),
        frames_(s.frames) {
    arrays_.clear();
    frames_.clear();
  }

  // Gotos between the three places a reader can be (before a value, after one, at a key) keep
  // every transition a plain conditional branch, which predicts far better than a dispatch.
  void run() {
    const char* p = ws(begin_);
    const path_table::node* at = &table_.root();
  value:  // a value at path `at`; p is past any whitespace
    if (*p == '{' || *p == '[') {
      if (frames_.size() >= std::size_t(max_depth)) fail(p, "nesting too deep");
      bool is_array = *p == '[';
      frames_.push_back({at, is_array});
      p = ws(p + 1);
      if (*p == (is_array ? ']' : '}')) {
        ++p;
        frames_.pop_back();
        goto after;
      }
      if (!is_array) goto key;
      arrays_.emplace_back(next_array_++, 0);  // its first element: same path
      goto value;
    }
    emit(p, at);
  after:  // after a value: a separator, a closing bracket, or the end
    p = ws(p);
    if (frames_.empty()) {
      if (p != end_) fail(p, "trailing characters");
      return;
    }
    {
      const scratch::frame& f = frames_.back();
      if (*p == ',') {
        p = ws(p + 1);
        if (!f.is_array) goto key;
        ++arrays_.back().second;
        at = f.at;
        goto value;
      }
      if (*p != (f.is_array ? ']' : '}')) fail(p, "unexpected character");
      ++p;
      if (f.is_array) arrays_.pop_back();
      frames_.pop_back();
    }
    goto after;
  key :  // at a key's opening quote, or what stands there instead
  {
    if (*p != '"') fail(p, "unexpected character");
    std::string_view key;
    if (p[2] == '"' && static_cast<unsigned char>(p[1]) >= 0x20 && p[1] != '\\' && p[1] != '"') {
      key = {p + 1, 1};  // a one-byte key, as array elements' "x", "y", "z" often are
      key_copied_ = false;
      p += 3;
    } else {
      key = string(p, true);
    }
    if (*p != ':') {
      p = ws(p);
      if (*p != ':') fail(p, "unexpected character");
    }
    p = ws(p + 1);
    const path_table::node* n = below(frames_.back().at, key);
    if (!n) {
      p = skip(p);  // no rule names anything below this key
      goto after;
    }
    at = n;
  }
    goto value;
  }

 private:
  // Reads the scalar at p and hands it to the sink when its path is kept.
  [[gnu::always_inline]] void emit(const char*& p, const path_table::node* at) {
    if (!learn_ && at->id >= 0 && out_.skip(std::uint32_t(at->id))) [[unlikely]] {
      p = skip(p);
      return;
    }
    scalar v;
    char c = *p;
    if (c == '"') {
      v.t = scalar::type::string;
      v.s = string(p, false);
    } else if (c == 't' || c == 'f' || c == 'n') {
      p = literal(p, v);
    } else {
      v = number(p);
    }
    if (learn_)
      out_.add(learn_->name(at), v, arrays_);
    else if (at->id >= 0)
      out_.add(std::uint32_t(at->id), v, arrays_);
  }

  [[noreturn, gnu::noinline, gnu::cold]] void fail(const char* p, const char* what) const {
    throw pattern_error(std::string("Event is not valid JSON: ") + what + " at byte " + std::to_string(p - begin_));
  }
  static const char* ws(const char* p) {
    if (static_cast<unsigned char>(*p) > ' ') return p;  // compact JSON: nothing to skip
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') ++p;
    return p;
  }

  // The child of `at` named by an object key: keys of up to 16 bytes read in place are compared
  // as two words against the table's packed keys; others go through the table.
  const path_table::node* below(const path_table::node* at, std::string_view key) {
    if (learn_) return learn_->descend_or_add(at, key);
    if (!key_copied_ && key.size() <= 16) {
      std::size_t n = key.size();
      std::uint64_t lo = load8(key.data()) & (n >= 8 ? ~0ull : (1ull << (8 * n)) - 1);
      std::uint64_t hi = n <= 8 ? 0 : load8(key.data() + 8) & (n >= 16 ? ~0ull : (1ull << (8 * (n - 8))) - 1);
      for (const auto& k : at->packed)
        if (k.lo == lo && k.hi == hi && k.size == n) return k.child;
      // Not a child; only a key with a dot can still name a path (EventBridge joins keys with dots).
      constexpr std::uint64_t dots = ones * '.';
      if (!zero_bytes(lo ^ dots) && !(n > 8 && zero_bytes(hi ^ dots))) return nullptr;
    }
    return table_.descend(at, key);
  }

  // Reads a string at its opening quote, leaving p after the closing one: a view into the text
  // when it has no escapes; else unescaped into the event's storage, or into key_ for a key
  // (used before the next key).
  std::string_view string(const char*& p, bool is_key) {
    const char* start = p + 1;
    p = plain_run(start);
    if (*p != '"') [[unlikely]] {
      std::string_view s;
      p = escaped_string(p, start, is_key, s);
      return s;
    }
    if (is_key) key_copied_ = false;
    return {start, std::size_t(p++ - start)};
  }

  // The out-of-line helpers take the cursor by value and return where they stopped: were its
  // address taken, the hot loop would keep it in memory rather than in a register.
  [[gnu::noinline, gnu::cold]] const char* escaped_string(const char* p, const char* start, bool is_key,
                                                          std::string_view& s) {
    std::string out(start, p);
    p = unescape_rest(p, &out);
    if (!is_key) {
      s = out_.keep(std::move(out));
    } else {
      key_copied_ = true;
      s = key_ = std::move(out);
    }
    return p;
  }

  std::uint32_t hex4(const char*& p) {
    std::uint32_t v = 0;
    for (int k = 0; k < 4; ++k, ++p) {
      char c = *p;
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= std::uint32_t(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= std::uint32_t(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= std::uint32_t(c - 'A' + 10);
      else
        fail(p, p >= end_ ? "truncated \\u escape" : "bad \\u escape");
    }
    return v;
  }

  // Continues a string after its plain start (appending to `out`, or skipping when null).
  [[gnu::noinline]] const char* unescape_rest(const char* p, std::string* out) {
    for (;;) {
      const char* start = p;
      p = plain_run(p);
      if (out) out->append(start, p);
      if (p >= end_) fail(p, "unterminated string");
      char c = *p++;
      if (c == '"') return p;
      if (c != '\\') fail(p - 1, "control character in string");
      if (p >= end_) fail(p, "unterminated string");
      char e = *p++;
      char plain = json_short_escape(e);
      if (plain) {
        if (out) *out += plain;
        continue;
      }
      if (e != 'u') fail(p - 1, "bad escape");
      std::uint32_t cp = hex4(p);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (p[0] != '\\' || p[1] != 'u') fail(p, "lone surrogate");
        p += 2;
        std::uint32_t lo = hex4(p);
        if (lo < 0xDC00 || lo > 0xDFFF) fail(p, "lone surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail(p, "lone surrogate");
      }
      if (out) append_utf8(*out, cp);
    }
  }

  const char* skip_string(const char* p) {
    p = plain_run(p + 1);
    if (*p == '"') [[likely]]
      return p + 1;
    return unescape_rest(p, nullptr);
  }

  const char* literal(const char* p, scalar& v) {
    auto take = [&](const char* word, std::size_t n) {
      if (std::memcmp(p, word, n) != 0) fail(p, "bad literal");  // the padding's NUL never matches
      return p + n;
    };
    if (*p == 't') return v.t = scalar::type::boolean, v.b = true, take("true", 4);
    if (*p == 'f') return v.t = scalar::type::boolean, v.b = false, take("false", 5);
    return v.t = scalar::type::null, take("null", 4);
  }

  static bool digit(const char* p) { return *p >= '0' && *p <= '9'; }

  // Reads a number, with what comparisons need to know of it.
  scalar number(const char*& p) {
    const char* start = p;
    if (*p == '-') ++p;
    const char* int_start = p;
    if (!digit(p)) fail(p, "bad number");
    p = digit_run(p + 1);
    const char* int_end = p;
    const char* frac = p;
    if (*p == '.') {
      frac = ++p;
      if (!digit(p)) fail(p, "bad number");
      p = digit_run(p + 1);
    }
    if (*p == 'e' || *p == 'E') [[unlikely]] {
      p = number_extent(start);
      return scalar::number_text({start, std::size_t(p - start)});
    }
    // The first eight digits bound the value within about 1e-7, which settles nearly every
    // comparison; the rest are read only when one is that close (scalar::compare).
    auto ni = std::size_t(int_end - int_start), nf = std::size_t(p - frac);
    auto [w, n] = lead_digits(int_start, ni, frac, nf);
    return scalar::number_text({start, std::size_t(p - start)}, w, int(ni) - int(n), n == ni + nf);
  }

  // Checks a number's shape; returns where it ends.
  const char* number_extent(const char* p) {
    auto digits = [&] {
      if (!digit(p)) fail(p, "bad number");
      p = digit_run(p + 1);
    };
    if (*p == '-') ++p;
    digits();
    if (*p == '.') ++p, digits();
    if (*p == 'e' || *p == 'E') {
      ++p;
      if (*p == '+' || *p == '-') ++p;
      digits();
    }
    return p;
  }

  // Skips the value at p (whitespace already skipped), checking only what is needed to find
  // its end.
  const char* skip(const char* p) {
    char c = *p;
    if (c == '"') return skip_string(p);
    if (c == '{' || c == '[') return skip_container(p);
    if (c == 't' || c == 'f' || c == 'n') {
      scalar v;
      return literal(p, v);
    }
    return number_extent(p);
  }

  // Skips a container 64 bytes at a time where SSE2 is there: the quotes' running XOR marks the
  // bytes inside strings, and the brackets outside them are counted, one by one only in a block
  // where the container may end (or grow too deep). A block with a backslash, a NUL (an escape,
  // the text's end) or a control character inside a string is read byte by byte instead.
  [[gnu::noinline]] const char* skip_container(const char* p) {
    std::size_t level = 0;
    bool in_string = false;
#if defined(__SSE2__)
    for (;; p += 64) {
      std::uint64_t quote = 0, backslash = 0, open = 0, close = 0, nul = 0, control = 0;
      for (int i = 0; i < 4; ++i) {
        __m128i v = load16(p + 16 * i), folded = _mm_or_si128(v, bytes_of(0x20));  // [ ] fold onto { }
        auto bits = [&](__m128i m) { return std::uint64_t(unsigned(_mm_movemask_epi8(m))) << (16 * i); };
        quote |= bits(_mm_cmpeq_epi8(v, bytes_of('"')));
        backslash |= bits(_mm_cmpeq_epi8(v, bytes_of('\\')));
        nul |= bits(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
        control |= bits(_mm_cmpeq_epi8(_mm_min_epu8(v, bytes_of(0x1F)), v));
        open |= bits(_mm_cmpeq_epi8(folded, bytes_of('{')));
        close |= bits(_mm_cmpeq_epi8(folded, bytes_of('}')));
      }
      if (backslash | nul) break;
      std::uint64_t inside = quote;  // from an opening quote up to its closing one
      for (int k = 1; k < 64; k *= 2) inside ^= inside << k;
      if (in_string) inside = ~inside;
      if (control & inside) break;  // not JSON: the byte-by-byte reader says where
      in_string = inside >> 63;
      open &= ~inside, close &= ~inside;
      auto opens = std::size_t(std::popcount(open)), closes = std::size_t(std::popcount(close));
      if (closes < level && level + opens + frames_.size() <= std::size_t(max_depth)) {
        level = level + opens - closes;  // cannot end here
        continue;
      }
      for (std::uint64_t both = open | close; both; both &= both - 1) {
        int i = std::countr_zero(both);
        if (open >> i & 1) {
          if (++level + frames_.size() > std::size_t(max_depth)) fail(p + i, "nesting too deep");
        } else if (--level == 0) {
          return p + i + 1;
        }
      }
    }
#endif
    if (in_string) p = unescape_rest(p, nullptr);  // finish the string the block stopped in
    for (;;) {
      p = structural_run(p);
      char x = *p;
      if (x == '"') {
        p = skip_string(p);
        continue;
      }
      if (x == '\0' && p >= end_) fail(p, "unterminated value");
      ++p;
      if (x == '{' || x == '[') {
        if (++level + frames_.size() > std::size_t(max_depth)) fail(p - 1, "nesting too deep");
      } else if ((x == '}' || x == ']') && --level == 0) {
        return p;
      }
    }
  }

  const char* begin_;
  const char* end_;
  path_table* learn_;
  Sink& out_;
  const path_table& table_;
  std::vector<flat_event::position>& arrays_;
  std::vector<scratch::frame>& frames_;
  std::string key_;
  bool key_copied_ = false;  // the last key was unescaped into key_ (not padded text)
  std::uint32_t next_array_ = 0;
};

// Walks a document the same way (what flatten(json) and rule_index::match(json) use).
template <class Sink>
class dom_walker {
 public:
  dom_walker(const path_table& table, path_table* learn, Sink& out, scratch& s)
      : table_(table), learn_(learn), out_(out), arrays_(s.arrays) {
    arrays_.clear();
  }
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
  std::vector<flat_event::position>& arrays_;
  std::uint32_t next_array_ = 0;
};

}  // namespace emu::bus::walk
