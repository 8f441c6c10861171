#include "emulator/bus/rule_index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <utility>

#include "emulator/bus/pattern_impl.h"
#include "emulator/bus/walk.h"

namespace emu::bus {

namespace {

// Exact string values → what they satisfy: open addressing over a power-of-two table with a
// cheap byte hash, so a lookup costs neither a division (std::unordered_map's prime buckets)
// nor a call. Built once, read per leaf.
template <class T>
class text_table {
 public:
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  T& operator[](std::string_view key) {
    if (const T* found = find(key)) return const_cast<T&>(*found);
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    entries_.emplace_back(std::string(key), T{});
    place(std::uint32_t(entries_.size()));
    return entries_.back().second;
  }
  const T* find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
      std::uint32_t e = slots_[i];
      if (e == 0) return nullptr;
      if (entries_[e - 1].first == key) return &entries_[e - 1].second;
    }
  }

 private:
  static std::size_t hash(std::string_view s) {  // FNV-1a, then a final mix for the low bits
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return std::size_t(h ^ (h >> 29));
  }
  void place(std::uint32_t e) {
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(entries_[e - 1].first) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = e;
  }
  void grow() {
    slots_.assign(std::max<std::size_t>(16, slots_.size() * 2), 0);
    for (std::uint32_t e = 1; e <= entries_.size(); ++e) place(e);
  }
  std::vector<std::pair<std::string, T>> entries_;
  std::vector<std::uint32_t> slots_;  // entry index + 1; 0 is empty
};

// How often an operator is expected to hold: the trigger is the field whose worst operator
// ranks lowest, so that as few leaves as possible fire it.
int breadth(const matcher& m) {
  switch (m.kind) {
    case op::exact:
      return m.is_exact_string() ? 0 : 1;
    case op::equals_ic:
    case op::prefix:
    case op::prefix_ic:
    case op::cidr:
    case op::wildcard:
      return 2;
    case op::numeric:
      return m.eq ? 2 : 3;
    case op::suffix:
    case op::suffix_ic:
      return 3;
    case op::anything_but:
      return 4;
    case op::exists:
      return 5;
  }
  return 5;
}

bool ascii_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

}  // namespace

struct rule_index::compiled {
  // A field whose operators are filed in its path's slot, so leaves are tested against it as
  // the event is read.
  struct field_ref {
    std::uint32_t alt, rule;
    bool whole;    // its alternative's only field: holding is a match
    bool trigger;  // its alternative's trigger
  };
  struct alternative {
    std::uint32_t rule;  // dense rule number
    const pattern::conjunction* c;
    std::vector<std::uint32_t> field_ids;  // path ids of c's fields
    std::vector<std::int32_t> eager;       // per field: its field_ref, or -1 (checked from stored leaves)
    std::vector<std::uint32_t> wakes;      // the sleepy slots its eager fields other than the trigger name
  };
  struct op_ref {
    const matcher* m;
    std::uint32_t field, rule;
  };
  using by_byte = std::array<std::vector<op_ref>, 256>;
  // A numeric range, decided for a number known only within bounds when it can be.
  struct range {
    double lo = -HUGE_VAL, hi = HUGE_VAL;
    bool lo_incl = true, hi_incl = true;
    op_ref r;
    bool above(double x) const { return lo_incl ? x >= lo : x > lo; }
    bool below(double x) const { return hi_incl ? x <= hi : x < hi; }
    // Holds for all of [a, b] (1), for none of it (-1), or that cannot be told (0).
    int decide(double a, double b) const { return above(a) && below(b) ? 1 : !above(b) || !below(a) ? -1 : 0; }
  };
  // What a leaf holding for a list of operators does, ready to apply: the rules they match
  // outright as bits by word (or-ed in, however many), and the fields of larger alternatives
  // they hold, marked one by one. Lists are spans of one store.
  struct hold_store {
    struct span {
      std::uint32_t ops_begin = 0, ops_end = 0, words_begin = 0, words_end = 0;
    };
    std::vector<op_ref> ops;
    std::vector<std::pair<std::uint32_t, std::uint64_t>> words;
    std::size_t size() const { return ops.size() + words.size(); }
  };
  // What a path's operators say of the string values seen there lately. The operators holding
  // for a value depend on the value alone, and events repeat their values (sources, types,
  // states, names), so testing prefixes, suffixes, wildcards and anything-buts again for a value
  // already met is wasted: it is looked up instead. Bounded: at most `capacity` values of at
  // most `longest` bytes and `budget` entries of what they hold (a few MB), and a path whose
  // values rarely repeat (ids) stops memoising after `sample` lookups.
  struct string_memo {
    static constexpr std::size_t capacity = 4096, longest = 64, sample = 1024, budget = 1 << 18;
    text_table<hold_store::span> seen;  // value → what holds for it
    hold_store holds;
    std::uint32_t lookups = 0, hits = 0;
    bool off = false;
  };
  // One path's operators. Those that need a string to begin (or end) with a given byte are
  // filed under that byte, so a leaf only meets the operators its first and last bytes allow.
  struct slot {
    text_table<std::vector<op_ref>> exact;           // string value → fields
    std::vector<std::pair<double, op_ref>> numbers;  // exact numbers and numeric equalities, by value
    std::vector<range> ranges;                       // numeric ranges
    std::array<std::vector<op_ref>, 3> literals;     // exact null, false, true
    std::unique_ptr<by_byte> first, last;            // prefix / equals / wildcard heads; suffix / wildcard tails
    std::vector<op_ref> rest;                        // exists, cidr, anything-but of those, …
    // anything-but operators whose excluded values file narrowly (at most 64): a leaf finds the
    // ones it is excluded from in `excluded` (their matchers filed by value, op_ref::field the
    // index in `buts`), and every other holds.
    std::vector<op_ref> buts;
    hold_store but_store;                     // what each of `buts` holding does…
    std::vector<hold_store::span> but_holds;  // …one span each
    hold_store::span all_buts;                // …and all of them: a leaf no `buts` excludes
    std::unique_ptr<slot> excluded;
    bool store = false;                 // a field checked from stored leaves names this path
    std::unique_ptr<string_memo> memo;  // where string operators need testing, not just a lookup
    // Numbers, where only `numbers` and `ranges` test them: the constants those name, sorted,
    // cut the line into gaps, and a number strictly inside a gap satisfies the same ranges as
    // any other there (`gap_holds`, one list per gap) and no equality. The gap a leaf last fell
    // in is remembered for the event, so the vertices of one outline, nearly always in one gap,
    // are each settled by a few comparisons.
    std::vector<double> cuts;
    std::vector<hold_store::span> gap_holds;  // cuts.size() + 1 gaps
    hold_store gap_store;
    mutable std::uint32_t seen_epoch = 0, seen_gap = 0;
    mutable bool seen_free = false;  // …by a leaf outside every array
    // A path that only fields other than their alternatives' triggers name sleeps until one of
    // those alternatives is touched in the event (awake == epoch): its leaves are skipped like
    // unnamed ones, and an alternative touched later whose field slept is checked against the
    // whole event (rare: its trigger held after the field's leaves came). The envelope fields
    // that trigger most rules (source, detail-type) come before `detail` in EventBridge events,
    // so a rule's fields in `detail` are tested as they come when its trigger held and cost
    // next to nothing when it did not.
    bool sleepy = false;
    mutable std::uint32_t awake = 0, slept = 0;
  };

  path_table paths;
  std::vector<std::uint32_t> ids;  // dense rule number → rule id
  std::vector<alternative> alts;
  std::vector<field_ref> fields;
  std::vector<slot> slots;            // by path id
  std::vector<std::uint32_t> always;  // alternatives without an eager field: checked on every event
  bool any_store = false;             // some path's leaves are stored (slot::store)

  // Per event. A mark holds when it equals the event's epoch: an eager field
  // held (for some leaf; for a leaf outside every array), an alternative is to be checked.
  mutable std::uint32_t epoch = 0;
  mutable std::vector<std::uint32_t> held, held_free, alt_mark;
  mutable std::vector<std::uint32_t> touched;  // alternatives to check
  // The rules matched, a bit per dense rule number, set in words [bits_lo, bits_hi] this event
  // and cleared as they are read out (or at the next start, after an event that failed).
  mutable std::vector<std::uint64_t> matched_bits;
  mutable std::uint32_t bits_lo = UINT32_MAX, bits_hi = 0;
  mutable flat_event stored, whole_event;  // leaves at stored paths; every leaf (rarely)
  mutable bool have_whole = false;
  mutable const json* doc = nullptr;  // the event, to flatten it whole when needed
  mutable std::string_view text;
  mutable std::string padded_text;  // the text walker's copy, where the text cannot be walked in place
  mutable walk_scratch walking;

  explicit compiled(const std::unordered_map<std::uint32_t, pattern>& rules) {
    for (const auto& [id, p] : rules) ids.push_back(id);
    std::sort(ids.begin(), ids.end());  // dense numbers ascend with ids: results come out sorted
    for (std::uint32_t r = 0; r < ids.size(); ++r)
      for (const auto& c : rules.at(ids[r]).alternatives()) add(r, c);
    slots.resize(paths.size());
    for (const auto& alt : alts)
      for (std::size_t k = 0; k < alt.eager.size(); ++k)
        if (alt.eager[k] < 0) slots[alt.field_ids[k]].store = true;
    for (std::size_t a = 0; a < alts.size(); ++a) {
      const alternative& alt = alts[a];
      for (std::size_t k = 0; k < alt.eager.size(); ++k)
        if (alt.eager[k] >= 0)
          for (const auto& m : alt.c->fields[k].any)
            file(slots[alt.field_ids[k]], m, {&m, std::uint32_t(alt.eager[k]), alt.rule});
    }
    std::vector<char> trigger_at(slots.size(), 0), other_at(slots.size(), 0);
    for (const auto& alt : alts)
      for (std::size_t k = 0; k < alt.eager.size(); ++k)
        if (alt.eager[k] >= 0)
          (fields[std::size_t(alt.eager[k])].trigger ? trigger_at : other_at)[alt.field_ids[k]] = 1;
    for (std::size_t id = 0; id < slots.size(); ++id)
      slots[id].sleepy = other_at[id] && !trigger_at[id] && !slots[id].store;
    for (auto& alt : alts)
      for (std::size_t k = 0; k < alt.eager.size(); ++k)
        if (alt.eager[k] >= 0 && slots[alt.field_ids[k]].sleepy &&
            std::find(alt.wakes.begin(), alt.wakes.end(), alt.field_ids[k]) == alt.wakes.end())
          alt.wakes.push_back(alt.field_ids[k]);
    for (auto& s : slots) {
      any_store = any_store || s.store;
      sort_numbers(s);
      cut_gaps(s);
      for (const auto& b : s.buts) s.but_holds.push_back(store_holds(s.but_store, {b}));
      s.all_buts = store_holds(s.but_store, s.buts);
      if (string_tests(s) >= 5) s.memo = std::make_unique<string_memo>();
    }
    matched_bits.assign((ids.size() + 63) / 64, 0);
    alt_mark.assign(alts.size(), 0);
    held.assign(fields.size(), 0);
    held_free.assign(fields.size(), 0);
  }

  hold_store::span store_holds(hold_store& h, const std::vector<op_ref>& list) const {
    hold_store::span out{std::uint32_t(h.ops.size()), 0, std::uint32_t(h.words.size()), 0};
    for (const auto& r : list) {
      if (!fields[r.field].whole) {
        h.ops.push_back(r);
        continue;
      }
      std::uint32_t w = r.rule / 64;
      auto it =
          std::find_if(h.words.begin() + out.words_begin, h.words.end(), [&](const auto& x) { return x.first == w; });
      if (it == h.words.end()) it = h.words.insert(it, {w, 0});
      it->second |= std::uint64_t(1) << (r.rule % 64);
    }
    out.ops_end = std::uint32_t(h.ops.size()), out.words_end = std::uint32_t(h.words.size());
    return out;
  }

  void apply(const hold_store& h, const hold_store::span& sp, bool in_array) const {
    for (auto i = sp.words_begin; i < sp.words_end; ++i) {
      auto [w, bits] = h.words[i];
      matched_bits[w] |= bits;
      bits_lo = std::min(bits_lo, w), bits_hi = std::max(bits_hi, w);
    }
    for (auto i = sp.ops_begin; i < sp.ops_end; ++i) hold(h.ops[i], in_array);
  }

  void cut_gaps(slot& s) const {
    if ((s.numbers.empty() && s.ranges.empty()) || !s.rest.empty() || !s.buts.empty()) return;
    for (const auto& [d, r] : s.numbers) s.cuts.push_back(d);
    for (const auto& g : s.ranges)
      for (double d : {g.lo, g.hi})
        if (std::isfinite(d)) s.cuts.push_back(d);
    std::sort(s.cuts.begin(), s.cuts.end());
    s.cuts.erase(std::unique(s.cuts.begin(), s.cuts.end()), s.cuts.end());
    for (std::size_t k = 0; k <= s.cuts.size(); ++k) {
      // Every range's ends are cuts, so a range holds for all of the open gap (a, b) or none.
      double a = k ? s.cuts[k - 1] : -HUGE_VAL, b = k < s.cuts.size() ? s.cuts[k] : HUGE_VAL;
      std::vector<op_ref> list;
      for (const auto& g : s.ranges)
        if (g.lo <= a && g.hi >= b) list.push_back(g.r);
      s.gap_holds.push_back(store_holds(s.gap_store, list));
    }
  }

  // About how many tests a string leaf costs at `s` (a lookup counting as one). A remembered
  // value costs a lookup and its compare, about four tests: below five, remembering costs more
  // than it saves (measured on the citylots anything-but groups).
  static std::size_t string_tests(const slot& s) {
    auto widest = [](const std::unique_ptr<by_byte>& t) {
      std::size_t n = 0;
      if (t)
        for (const auto& ops : *t) n = std::max(n, ops.size());
      return n;
    };
    std::size_t n = (s.exact.empty() ? 0 : 1) + widest(s.first) + widest(s.last) + s.rest.size();
    return s.excluded ? n + string_tests(*s.excluded) : n;
  }

  // The first of sorted [first, last) whose key is not below lo: a few are scanned, which beats
  // a binary search.
  template <class It, class Key>
  [[gnu::always_inline]] static It first_not_below(It first, It last, double lo, Key key) {
    if (last - first > 8) return std::lower_bound(first, last, lo, [&](const auto& x, double d) { return key(x) < d; });
    while (first != last && key(*first) < lo) ++first;
    return first;
  }

  static void sort_numbers(slot& s) {
    std::sort(s.numbers.begin(), s.numbers.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    if (s.excluded) sort_numbers(*s.excluded);
  }

  static void file(std::unique_ptr<by_byte>& table, unsigned char c, bool ignore_case, op_ref r) {
    if (!table) table = std::make_unique<by_byte>();
    (*table)[c].push_back(r);
    if (ignore_case && ascii_letter(c)) (*table)[c ^ 0x20].push_back(r);
  }

  // Where an operator is filed; `rest` when nothing narrower applies.
  enum class place { exact, number, range, literal, first, last, but, rest };
  static place where(const matcher& m) {
    auto ascii = [](char c) { return static_cast<unsigned char>(c) < 0x80; };
    // Folded text beginning or ending in a non-ASCII byte could be met by other bytes.
    switch (m.kind) {
      case op::exact:
        return m.exact_type == scalar::type::string   ? place::exact
               : m.exact_type == scalar::type::number ? place::number
                                                      : place::literal;
      case op::numeric:
        return m.eq ? place::number : place::range;
      case op::prefix:
        return m.text.empty() ? place::rest : place::first;
      case op::prefix_ic:
      case op::equals_ic:
        return !m.text.empty() && ascii(m.text.front()) ? place::first : place::rest;
      case op::suffix:
        return m.text.empty() ? place::rest : place::last;
      case op::suffix_ic:
        return !m.text.empty() && ascii(m.text.back()) ? place::last : place::rest;
      case op::wildcard:
        return !m.wild.front().empty() ? place::first : !m.wild.back().empty() ? place::last : place::rest;
      case op::anything_but:
        return std::all_of(m.inner.begin(), m.inner.end(),
                           [](const matcher& x) { return x.kind != op::anything_but && where(x) != place::rest; })
                   ? place::but
                   : place::rest;
      default:
        return place::rest;
    }
  }

  static void file(slot& s, const matcher& m, op_ref r) {
    auto head = [](const std::string& t) { return (unsigned char)t.front(); };
    auto tail = [](const std::string& t) { return (unsigned char)t.back(); };
    bool ic = m.kind == op::prefix_ic || m.kind == op::equals_ic || m.kind == op::suffix_ic;
    switch (where(m)) {
      case place::exact:
        return s.exact[m.text].push_back(r);
      case place::number:
        s.numbers.emplace_back(m.kind == op::exact ? m.number : *m.eq, r);
        return;
      case place::range: {
        range g{.r = r};
        if (m.lo) g.lo = *m.lo, g.lo_incl = m.lo_incl;
        if (m.hi) g.hi = *m.hi, g.hi_incl = m.hi_incl;
        s.ranges.push_back(g);
        return;
      }
      case place::literal:
        return s.literals[m.exact_type == scalar::type::null ? 0 : 1 + m.boolean].push_back(r);
      case place::first:
        return file(s.first, head(m.kind == op::wildcard ? m.wild.front() : m.text), ic, r);
      case place::last:
        return file(s.last, tail(m.kind == op::wildcard ? m.wild.back() : m.text), ic, r);
      case place::but:
        if (s.buts.size() < 64) {
          if (!s.excluded) s.excluded = std::make_unique<slot>();
          for (const auto& x : m.inner) file(*s.excluded, x, {&x, std::uint32_t(s.buts.size()), r.rule});
          s.buts.push_back(r);
          return;
        }
        return s.rest.push_back(r);
      case place::rest:
        return s.rest.push_back(r);
    }
  }

  // Each alternative's trigger, its most selective field, is tested as leaves come, and so is
  // every other field whose operators are all filed narrower than `rest` (testing those costs
  // little however many rules there are). The other fields are checked once the eager ones
  // held, from the leaves stored at their paths.
  void add(std::uint32_t rule, const pattern::conjunction& c) {
    auto a = std::uint32_t(alts.size());
    alternative alt{rule, &c, {}, std::vector<std::int32_t>(c.fields.size(), -1), {}};
    int trigger = -1, best = 0;
    for (std::size_t k = 0; k < c.fields.size(); ++k) {
      const auto& f = c.fields[k];
      alt.field_ids.push_back(paths.intern(f.path));
      if (f.matches_absent || f.any.empty()) continue;  // holds when absent: cannot trigger
      int worst = 0;
      for (const auto& m : f.any) worst = std::max(worst, breadth(m));
      if (trigger < 0 || worst < best) trigger = int(k), best = worst;
    }
    if (trigger < 0) {
      always.push_back(a);
      alts.push_back(std::move(alt));
      return;
    }
    for (std::size_t k = 0; k < c.fields.size(); ++k) {
      const auto& f = c.fields[k];
      bool narrow = !f.matches_absent && !f.any.empty() &&
                    std::all_of(f.any.begin(), f.any.end(), [](const matcher& m) { return where(m) != place::rest; });
      if (int(k) != trigger && !narrow) continue;
      alt.eager[k] = std::int32_t(fields.size());
      fields.push_back({a, rule, false, int(k) == trigger});
    }
    if (c.fields.size() == 1) fields.back().whole = true;
    alts.push_back(std::move(alt));
  }

  // ---- matching one event: the walker hands every leaf at a named path to add()

  void start(const json* d, std::string_view t) const {
    if (++epoch == 0) {  // wrapped: forget marks that could collide
      for (auto* v : {&held, &held_free, &alt_mark}) std::fill(v->begin(), v->end(), 0);
      for (const auto& s : slots) s.seen_epoch = 0, s.awake = 0, s.slept = 0;
      epoch = 1;
    }
    doc = d, text = t;
    touched.clear();
    for (std::uint32_t w = bits_lo; w <= bits_hi && w < matched_bits.size(); ++w) matched_bits[w] = 0;
    bits_lo = UINT32_MAX, bits_hi = 0;
    stored.start(&paths);
  }

  bool is_matched(std::uint32_t rule) const { return matched_bits[rule / 64] >> (rule % 64) & 1; }
  void set_matched(std::uint32_t rule) const {
    std::uint32_t w = rule / 64;
    matched_bits[w] |= std::uint64_t(1) << (rule % 64);
    bits_lo = std::min(bits_lo, w), bits_hi = std::max(bits_hi, w);
  }

  // Eager field r.field held for a leaf.
  [[gnu::always_inline]] void hold(const op_ref& r, bool in_array) const {
    if (is_matched(r.rule)) return;
    const field_ref& f = fields[r.field];
    if (f.whole) {
      set_matched(r.rule);
      return;
    }
    if (!in_array) held_free[r.field] = epoch;
    if (held[r.field] == epoch) return;
    held[r.field] = epoch;
    if (alt_mark[f.alt] != epoch) {
      alt_mark[f.alt] = epoch, touched.push_back(f.alt);
      for (auto id : alts[f.alt].wakes) slots[id].awake = epoch;
    }
  }

  // Whether testing r could tell anything new.
  bool open(const op_ref& r, bool in_array) const {
    return !is_matched(r.rule) && held_free[r.field] != epoch && !(in_array && held[r.field] == epoch);
  }

  // Calls held(r) for the operators filed in `s` that hold for v, testing only those open(r)
  // allows (an exact value found by lookup needs no test).
  template <class Open, class Held>
  [[gnu::always_inline]] static void visit(const slot& s, const scalar& v, Open open, Held held) {
    auto test = [&](const std::vector<op_ref>& ops) {
      for (const auto& r : ops)
        if (open(r) && r.m->test(v)) held(r);
    };
    switch (v.t) {
      case scalar::type::string:
        if (!s.exact.empty())
          if (const auto* hit = s.exact.find(v.s))
            for (const auto& r : *hit) held(r);
        if (!v.s.empty()) {  // operators filed by byte all need at least one
          if (s.first) test((*s.first)[(unsigned char)v.s.front()]);
          if (s.last) test((*s.last)[(unsigned char)v.s.back()]);
        }
        break;
      case scalar::type::number:
        if (!s.numbers.empty() || !s.ranges.empty()) {
          auto [lo, hi] = v.bounds();
          auto it = first_not_below(s.numbers.begin(), s.numbers.end(), lo, [](const auto& x) { return x.first; });
          for (; it != s.numbers.end() && it->first <= hi; ++it)
            if (open(it->second) && (lo == hi || it->second.m->test(v))) held(it->second);
          for (const auto& g : s.ranges) {
            int verdict = g.decide(lo, hi);  // before open(): most ranges fail on the bounds alone
            if (verdict >= 0 && open(g.r) && (verdict > 0 || g.r.m->test(v))) held(g.r);
          }
        }
        break;
      case scalar::type::null:
        for (const auto& r : s.literals[0]) held(r);
        break;
      case scalar::type::boolean:
        for (const auto& r : s.literals[1 + v.b]) held(r);
        break;
    }
    test(s.rest);
  }

  // Bit b set: s.buts[b] excludes v. Only the anything-buts `open` allows are tested; the
  // others' bits stay clear.
  template <class Open>
  [[gnu::always_inline]] static std::uint64_t excluded_by(const slot& s, const scalar& v, Open open) {
    std::uint64_t excluded = 0;
    visit(
        *s.excluded, v, [&](const op_ref& r) { return !(excluded >> r.field & 1) && open(s.buts[r.field]); },
        [&](const op_ref& r) { excluded |= std::uint64_t(1) << r.field; });
    return excluded;
  }

  // Appends every operator filed in `s` that holds for v, whatever the event has shown so far.
  static void collect(const slot& s, const scalar& v, std::vector<op_ref>& out) {
    visit(
        s, v, [](const op_ref&) { return true; }, [&](const op_ref& r) { out.push_back(r); });
    if (s.buts.empty()) return;
    std::uint64_t excluded = excluded_by(s, v, [](const op_ref&) { return true; });
    for (std::size_t b = 0; b < s.buts.size(); ++b)
      if (!(excluded >> b & 1)) out.push_back(s.buts[b]);
  }

  // The operators of `s` holding for string v, from the memo; null when it is not kept.
  const hold_store::span* memoised(const slot& s, const scalar& v) const {
    string_memo& m = *s.memo;
    if (m.off || v.s.size() > string_memo::longest) return nullptr;
    ++m.lookups;
    if (const auto* found = m.seen.find(v.s)) {
      ++m.hits;
      return found;
    }
    if (m.lookups == string_memo::sample && m.hits * 4 < m.lookups) {  // values rarely repeat here
      m = string_memo{};
      m.off = true;
      return nullptr;
    }
    if (m.seen.size() >= string_memo::capacity || m.holds.size() >= string_memo::budget) return nullptr;
    std::vector<op_ref> list;
    collect(s, v, list);
    return &(m.seen[v.s] = store_holds(m.holds, list));
  }

  // Whether leaves at `path` are skipped for now (noting that one was).
  bool asleep(std::uint32_t path) const {
    const slot& s = slots[path];
    if (!s.sleepy || s.awake == epoch) return false;
    s.slept = epoch;
    return true;
  }

  void leaf(std::uint32_t path, const scalar& v, const std::vector<flat_event::position>& where) const {
    if (asleep(path)) return;
    const slot& s = slots[path];
    bool in_array = !where.empty();
    if (s.store) stored.add(path, v, where);
    if (!s.gap_holds.empty() && v.t == scalar::type::number) {
      auto [lo, hi] = v.bounds();
      const auto& cuts = s.cuts;
      auto k = std::size_t(first_not_below(cuts.begin(), cuts.end(), lo, [](double d) { return d; }) - cuts.begin());
      if (k == cuts.size() || cuts[k] > hi) {  // inside gap k (else on or near a cut: tested below)
        bool again = s.seen_epoch == epoch && s.seen_gap == k;
        if (again && (s.seen_free || in_array)) return;  // nothing that could hold has changed
        s.seen_free = (again && s.seen_free) || !in_array;
        s.seen_epoch = epoch, s.seen_gap = std::uint32_t(k);
        apply(s.gap_store, s.gap_holds[k], in_array);
        return;
      }
    }
    tested(s, v, in_array);
  }

  // The rest of leaf(), out of line so that the common cases above stay a small call.
  [[gnu::noinline]] void tested(const slot& s, const scalar& v, bool in_array) const {
    if (s.memo && v.t == scalar::type::string)
      if (const auto* known = memoised(s, v)) {
        apply(s.memo->holds, *known, in_array);
        return;
      }
    auto open_here = [&](const op_ref& r) { return open(r, in_array); };
    auto hold_here = [&](const op_ref& r) { hold(r, in_array); };
    visit(s, v, open_here, hold_here);
    if (s.buts.empty()) return;
    std::uint64_t excluded = excluded_by(s, v, open_here);
    if (!excluded) return apply(s.but_store, s.all_buts, in_array);
    for (std::size_t b = 0; b < s.buts.size(); ++b)
      if (!(excluded >> b & 1)) apply(s.but_store, s.but_holds[b], in_array);
  }

  // Whether alternative a holds, once every leaf has been seen.
  bool check(std::uint32_t a) const {
    const alternative& alt = alts[a];
    int in_arrays_only = 0;  // fields held only by leaves inside arrays
    for (std::size_t k = 0; k < alt.eager.size(); ++k) {
      if (alt.eager[k] >= 0) {
        if (slots[alt.field_ids[k]].slept == epoch) return check_whole(alt);  // some of its leaves went untested
        auto g = std::uint32_t(alt.eager[k]);
        if (held[g] != epoch) return false;
        in_arrays_only += held_free[g] != epoch;
        continue;
      }
      switch (probe_field(alt.c->fields[k], stored, stored.at(alt.field_ids[k]))) {
        case field_result::absent:
          if (alt.c->fields[k].matches_absent) continue;  // exists:false holds
          return false;
        case field_result::miss:
          return false;
        case field_result::in_arrays_only:
          ++in_arrays_only;
          break;
        case field_result::free:
          break;
      }
    }
    // A field held by a leaf outside every array goes with any choice for the others, so only
    // two or more fields held only inside arrays need the leaves' array elements compared:
    // then the whole event is flattened and the alternative checked as one pattern would be.
    if (in_arrays_only < 2) return true;
    return check_whole(alt);
  }

  // The alternative checked as one pattern would be, against every leaf at a named path.
  bool check_whole(const alternative& alt) const {
    if (!have_whole) {
      if (doc)
        flatten(*doc, &paths, whole_event);
      else
        flatten_text(text, &paths, whole_event);
      have_whole = true;
    }
    return match_conjunction(*alt.c, whole_event, alt.field_ids.data());
  }

  void finish(std::vector<std::uint32_t>& out) const {
    if (any_store) stored.group();  // else nothing is stored, nothing read back
    have_whole = false;             // flattened only if check() needs it
    auto decide = [&](std::uint32_t a) {
      if (!is_matched(alts[a].rule) && check(a)) set_matched(alts[a].rule);
    };
    for (std::size_t i = 0; i < touched.size(); ++i) decide(touched[i]);
    for (auto a : always) decide(a);
    // In ascending order without sorting: the matched rules' bits read back word by word (only
    // the words between the lowest and highest set), cleared for the next event.
    for (std::uint32_t w = bits_lo; w <= bits_hi && w < matched_bits.size(); ++w)
      for (std::uint64_t bits = std::exchange(matched_bits[w], 0); bits; bits &= bits - 1)
        out.push_back(ids[w * 64 + std::uint32_t(std::countr_zero(bits))]);
    bits_lo = UINT32_MAX, bits_hi = 0;
  }

  // What the walkers hand leaves to.
  struct sink {
    const compiled& c;
    void add(std::uint32_t path, const scalar& v, const std::vector<flat_event::position>& where) {
      c.leaf(path, v, where);
    }
    std::string_view keep(std::string s) { return c.stored.keep(std::move(s)); }
    bool skip(std::uint32_t path) const { return c.asleep(path); }
  };
};

void rule_index::deleter::operator()(compiled* c) const { delete c; }

void rule_index::add(std::uint32_t id, const pattern& p) {
  rules_.insert_or_assign(id, p);
  compiled_.reset();
}

void rule_index::remove(std::uint32_t id) {
  if (rules_.erase(id)) compiled_.reset();
}

const rule_index::compiled& rule_index::ready() const {
  if (!compiled_) compiled_.reset(new compiled(rules_));
  return *compiled_;
}

std::size_t rule_index::unindexed() const { return ready().always.size(); }

void rule_index::match(const json& event, std::vector<std::uint32_t>& out) const {
  const compiled& c = ready();
  c.start(&event, {});
  compiled::sink sink{c};
  walk::dom_walker<compiled::sink>(c.paths, nullptr, sink, c.walking).run(event);
  c.finish(out);
}

void rule_index::match_text(const std::string& text, std::vector<std::uint32_t>& out) const {
  const compiled& c = ready();
  c.start(nullptr, text);
  compiled::sink sink{c};
  std::string_view in = walk::walkable_in_place(text) ? std::string_view(text) : walk::padded(text, c.padded_text);
  walk::text_walker<compiled::sink>(in, c.paths, nullptr, sink, c.walking).run();
  c.finish(out);
}

}  // namespace emu::bus
