// EventBridge event patterns: compile once, match many (PATTERNS.md has the semantics).
//
// `pattern::compile` validates a pattern the way EventBridge does (aws/event-ruler's rules)
// and throws pattern_error whose message is AWS's "Reason" text; callers wrap it as
// InvalidEventPatternException ("Event pattern is not valid. Reason: …"). A compiled pattern is
// immutable and safe to share between threads. Matching flattens the event into leaf values
// with their paths (dotted) and array positions, then checks each `$or` alternative; a match
// never combines fields taken from different elements of the same array.
//
// Many patterns against one event: rule_index.h.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/json.h"

namespace emu::bus {

class pattern_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A leaf value of an event: what patterns compare against. It views the event's own text or
// document, which must outlive it. A number read from text is converted on first use.
struct scalar {
  enum class type : std::uint8_t { null, boolean, number, string };
  type t = type::null;
  bool b = false;
  std::string_view s;  // a string's value; a number's text until it is converted

  static scalar of(const json& v);  // v must not be an object or array; views into v
  static scalar number(double d);
  static scalar number_text(std::string_view text) {  // text already checked as a JSON number
    scalar x;
    x.t = type::number;
    x.s = text;
    return x;
  }
  // The same when the reader already has its leading digits: the magnitude is exactly w ×
  // 10^e10 when `exact`, else at least that and below (w + 1) × 10^e10.
  static scalar number_text(std::string_view text, std::uint64_t w, int e10, bool exact) {
    scalar x = number_text(text);
    x.w_ = w, x.e10_ = e10, x.exact_ = exact, x.est_ = est::digits;
    x.settle();  // a few arithmetic operations: cheaper now than a call later
    return x;
  }

  bool is_string() const { return t == type::string; }
  bool is_number() const { return t == type::number; }
  double num() const;  // correctly rounded, as from_chars
  // An interval certainly holding num() (a number's), from the digits at hand when that is
  // enough to bound it: as narrow as 2^-50 relative from 19 digits, about 1e-7 from 8.
  std::pair<double, double> bounds() const {
    if (!has_n_ && est_ < est::interval) estimate();
    if (!has_n_ && est_ == est::interval) return {lo_, hi_};
    return {num(), num()};
  }
  // The sign of num() − c (−1, 0 or 1), for a finite or infinite c: decided from bounds() when
  // c lies outside them (nearly always), else from num().
  int compare(double c) const;
  bool operator==(const scalar& o) const;

 private:
  void estimate() const;
  // From digits (est_ digits) to the correctly rounded value when that is exact to compute,
  // else to an interval.
  void settle() const {
    if (est_ != est::digits) return;
    est_ = est::none;
    bool negative = s.starts_with('-');
    if (w_ == 0 && exact_) {
      n_ = negative ? -0.0 : 0.0, has_n_ = true;
      return;
    }
    if (e10_ < -22 || e10_ > 22) return;
    static constexpr double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    static constexpr double inverse[] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,
                                         1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15,
                                         1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22};
    if (exact_ && w_ <= (std::uint64_t(1) << 53)) {
      // Both operands exact, one rounding: correctly rounded (Clinger's fast path).
      double x = e10_ < 0 ? double(w_) / powers[-e10_] : double(w_) * powers[e10_];
      n_ = negative ? -x : x, has_n_ = true;
      return;
    }
    // The magnitude is in [w, w + 1) units of 10^e10 (just w when exact). Rounding w, the unit
    // (an inexact 10^-k), the product, the sum and num()'s own rounding are each within 2^-53
    // relative: widening by 2^-50 covers their sum.
    double unit = e10_ < 0 ? inverse[-e10_] : powers[e10_];
    double lo = double(w_) * unit;
    double hi = exact_ ? lo : lo + unit;
    double sign = negative ? -1.0 : 1.0;
    lo *= sign * (1 - 0x1p-50), hi *= sign * (1 + 0x1p-50);
    lo_ = lo < hi ? lo : hi, hi_ = lo < hi ? hi : lo;  // without a branch on the sign
    est_ = est::interval;
  }
  enum class est : std::uint8_t { text, digits, interval, none };
  mutable bool has_n_ = false;
  mutable est est_ = est::text;  // what is known short of n_
  mutable bool exact_ = false;   // digits: w_ · 10^e10_ is the magnitude itself
  mutable std::int32_t e10_ = 0;
  mutable std::uint64_t w_ = 0;
  mutable double n_ = 0;
  mutable double lo_ = 0, hi_ = 0;  // interval: bounds of num()
};

// Dotted paths as a tree of key segments, each named path with a small dense id. Events are
// flattened against a table: with a fixed table (a rule_index's, holding every path its rules
// name) only leaves at named paths are kept and other subtrees are skipped unread; with a
// learning table every leaf is kept and its path named on the way.
class path_table {
 public:
  struct node {
    std::int32_t id = -1;  // named path id, or -1
    // Sorted by key; few per node, so searched linearly when small.
    std::vector<std::pair<std::string, std::unique_ptr<node>>> children;
    // The children's keys of up to 16 bytes as two little-endian words, zero past the key (the
    // text walker compares keys read in place this way); a longer key never equals one.
    struct packed_key {
      std::uint64_t lo = 0, hi = 0;
      std::size_t size = 0;
      const node* child = nullptr;
    };
    std::vector<packed_key> packed;                  // in the order of children
    const node* child(std::string_view key) const {  // inline: the document walker asks for every key
      if (children.size() > 8) return child_sorted(key);
      for (const auto& [k, n] : children)  // length and first byte before memcmp: most keys differ there
        if (k.size() == key.size() &&
            (key.empty() || (k[0] == key[0] && std::memcmp(k.data(), key.data(), key.size()) == 0)))
          return n.get();
      return nullptr;
    }
    const node* child_sorted(std::string_view key) const;
  };
  path_table() = default;
  path_table(path_table&&) = default;
  path_table& operator=(path_table&&) = default;

  std::uint32_t intern(std::string_view path);     // "a.b.c" → its id, added if new
  std::int32_t find(std::string_view path) const;  // -1 when not named
  std::uint32_t size() const { return count_; }
  const node& root() const { return root_; }
  // The node below `from` for an event's key. A key with dots walks several levels, because
  // EventBridge joins keys with dots. Null when absent (and not learning).
  const node* descend(const node* from, std::string_view key) const {
    // Segments never hold dots, so a key found whole has none; only a key not found is split.
    if (const node* whole = from->child(key)) return whole;
    return key.find('.') == std::string_view::npos ? nullptr : descend_dotted(from, key);
  }
  const node* descend_or_add(const node* from, std::string_view key);
  std::uint32_t name(const node* n);  // n's id, giving it one if it has none

 private:
  const node* descend_dotted(const node* from, std::string_view key) const;
  node* own(const node* n) { return const_cast<node*>(n); }  // nodes reached from root_ are ours
  node root_;
  std::uint32_t count_ = 0;
};

// Space the event walkers (walk.h) reuse from one event to the next.
struct walk_scratch {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> arrays;  // (array id, element index) around the value
  struct frame {
    const path_table::node* at;  // the container's path
    bool is_array;
  };
  std::vector<frame> frames;  // the containers being read (text walker)
};

// A flattened event: every scalar leaf kept, with its path id and the array elements it sits in.
// Array positions are pooled, so a leaf costs no allocation of its own. Reusable: clear() keeps
// the capacity, which is what makes matching many events cheap.
struct flat_event {
  using position = std::pair<std::uint32_t, std::uint32_t>;  // (array id, element index)
  struct leaf {
    std::uint32_t path = 0;
    scalar value;
    std::uint32_t first = 0, count = 0;  // this leaf's positions in `positions`
  };
  std::vector<leaf> leaves;  // in document order
  std::vector<position> positions;

  flat_event() = default;
  flat_event(flat_event&&) = default;
  flat_event& operator=(flat_event&&) = default;
  flat_event(const flat_event&) = delete;
  flat_event& operator=(const flat_event&) = delete;

  const path_table& table() const { return fixed_ ? *fixed_ : learned_; }
  // Indexes into `leaves` of the leaves at path `id` (valid after group()).
  std::span<const std::uint32_t> at(std::uint32_t id) const {
    if (id >= ranges_.size()) return {};
    return {order_.data() + ranges_[id].first, order_.data() + ranges_[id].second};
  }
  std::span<const std::uint32_t> at(std::string_view path) const {
    auto id = table().find(path);
    return id < 0 ? std::span<const std::uint32_t>{} : at(std::uint32_t(id));
  }

  // Building (flatten*, below): start() picks the table (null: learn one), add() appends a
  // leaf inside the arrays `where` (outermost first), group() finishes.
  void start(const path_table* fixed);
  void add(std::uint32_t path, const scalar& value, const std::vector<position>& where);
  void group();
  path_table& learning() { return learned_; }
  std::string_view keep(std::string s);             // storage for strings unescaped from text
  bool skip(std::uint32_t) const { return false; }  // every leaf at a kept path is kept

 private:
  const path_table* fixed_ = nullptr;
  path_table learned_;
  std::vector<std::uint32_t> order_;                             // leaf indexes grouped by path
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_;  // path id → range of order_
  std::deque<std::string> unescaped_;
  std::string text_;  // flatten_text's padded copy of the text, which string leaves view
  walk_scratch walk_;
  friend void flatten_text(std::string_view text, const path_table* table, flat_event& out);
  friend void flatten(const json& event, const path_table* table, flat_event& out);
};

// Flattens a document or JSON text (event-ruler's rulesForJSONEvent input) into `out`. With a
// table, only leaves at its named paths are kept; without, every leaf, naming paths as found.
// A document must outlive `out`; text is copied into it. Text that is not valid JSON throws
// pattern_error("Event is not valid JSON: …").
void flatten(const json& event, const path_table* table, flat_event& out);
void flatten_text(std::string_view text, const path_table* table, flat_event& out);
flat_event flatten(const json& event);
flat_event flatten_text(std::string_view text);

class pattern {
 public:
  // Throws pattern_error with AWS's reason text.
  static pattern compile(const json& source);
  // Parses JSON text first; a syntax error is a pattern_error too.
  static pattern parse(const std::string& text);

  bool matches(const json& event) const { return matches(flatten(event)); }
  bool matches(const flat_event& event) const;
  const json& source() const { return source_; }

  struct field;        // one path and its operators (OR)
  struct conjunction;  // one `$or` alternative: fields that must all match (AND)
  // The `$or` alternatives after expansion (pattern_impl.h defines them).
  const std::vector<conjunction>& alternatives() const { return *alts_; }

 private:
  std::shared_ptr<const std::vector<conjunction>> alts_;
  json source_;
};

// Case folding used by the ignore-case operators: ASCII and Latin-1/Greek/Cyrillic basic
// letters (UTF-8 aware); other characters, and bytes that are not UTF-8, stay as they are. It
// never changes a character's length in bytes.
std::string fold_case(std::string_view s);

}  // namespace emu::bus
