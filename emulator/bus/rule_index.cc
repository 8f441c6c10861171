#include "emulator/bus/rule_index.h"

#include <algorithm>
#include <array>

#include "emulator/bus/pattern_impl.h"

namespace emu::bus {

namespace {

// Hashing that accepts std::string_view keys, so lookups need no temporary strings.
struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// How often an operator is expected to hold: the trigger is the field whose worst operator
// ranks lowest, so that as few leaves as possible fire it.
int breadth(const matcher& m) {
  switch (m.kind) {
    case op::exact: return m.is_exact_string() ? 0 : 1;
    case op::equals_ic: case op::prefix: case op::prefix_ic: case op::cidr: case op::wildcard: return 2;
    case op::numeric: return m.eq ? 2 : 3;
    case op::suffix: case op::suffix_ic: return 3;
    case op::anything_but: return 4;
    case op::exists: return 5;
  }
  return 5;
}

bool ascii_letter(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

}  // namespace

struct rule_index::compiled {
  struct alternative {
    std::uint32_t rule;  // dense rule number
    const pattern::conjunction* c;
    std::vector<std::uint32_t> field_ids;  // path ids of c's fields
    bool whole = false;                    // the trigger is its only field
  };
  struct op_ref {
    const matcher* m;
    std::uint32_t alt, rule;
  };
  using by_byte = std::array<std::vector<op_ref>, 256>;
  // One path's operators. Those that need a string to begin (or end) with a given byte are
  // filed under that byte, so a leaf only meets the operators its first and last bytes allow.
  struct slot {
    std::unordered_map<std::string, std::vector<std::uint32_t>, text_hash, std::equal_to<>> exact;  // value → alternatives
    std::unique_ptr<by_byte> first, last;  // prefix / equals / wildcard heads; suffix / wildcard tails
    std::vector<op_ref> rest;              // numeric, anything-but, exists, cidr, non-string exact, …
    bool empty() const { return exact.empty() && !first && !last && rest.empty(); }
  };

  path_table paths;
  std::vector<std::uint32_t> ids;  // dense rule number → rule id
  std::vector<alternative> alts;
  std::vector<slot> slots;            // by path id
  std::vector<std::uint32_t> always;  // alternatives without a trigger
  // Per event: a rule or alternative is settled when its mark equals the event's epoch.
  mutable std::vector<std::uint32_t> rule_mark, alt_mark;
  mutable std::uint32_t epoch = 0;
  mutable std::vector<std::uint32_t> matched;  // dense numbers of this event's rules

  explicit compiled(const std::unordered_map<std::uint32_t, pattern>& rules) {
    for (const auto& [id, p] : rules) ids.push_back(id);
    std::sort(ids.begin(), ids.end());  // dense numbers ascend with ids: results come out sorted
    for (std::uint32_t r = 0; r < ids.size(); ++r)
      for (const auto& c : rules.at(ids[r]).alternatives()) add(r, c);
    rule_mark.assign(ids.size(), 0);
    alt_mark.assign(alts.size(), 0);
  }

  static void file(std::unique_ptr<by_byte>& table, unsigned char c, bool ignore_case, op_ref r) {
    if (!table) table = std::make_unique<by_byte>();
    (*table)[c].push_back(r);
    if (ignore_case && ascii_letter(c)) (*table)[c ^ 0x20].push_back(r);
  }

  void add_operator(slot& s, const matcher& m, op_ref r) {
    auto head = [](const std::string& t) { return (unsigned char)t.front(); };
    auto tail = [](const std::string& t) { return (unsigned char)t.back(); };
    // Folded text beginning or ending in a non-ASCII byte could be met by other bytes.
    auto ascii = [](unsigned char c) { return c < 0x80; };
    switch (m.kind) {
      case op::exact:
        if (m.is_exact_string()) return s.exact[m.text].push_back(r.alt);
        break;
      case op::prefix:
        if (!m.text.empty()) return file(s.first, head(m.text), false, r);
        break;
      case op::prefix_ic: case op::equals_ic:
        if (!m.text.empty() && ascii(head(m.text))) return file(s.first, head(m.text), true, r);
        break;
      case op::suffix:
        if (!m.text.empty()) return file(s.last, tail(m.text), false, r);
        break;
      case op::suffix_ic:
        if (!m.text.empty() && ascii(tail(m.text))) return file(s.last, tail(m.text), true, r);
        break;
      case op::wildcard:
        if (!m.wild.front().empty()) return file(s.first, head(m.wild.front()), false, r);
        if (!m.wild.back().empty()) return file(s.last, tail(m.wild.back()), false, r);
        break;
      default:
        break;
    }
    s.rest.push_back(r);
  }

  void add(std::uint32_t rule, const pattern::conjunction& c) {
    auto a = std::uint32_t(alts.size());
    alternative alt{rule, &c, {}, false};
    const pattern::field* trigger = nullptr;
    std::uint32_t path = 0;  // the trigger's
    int best = 0;
    for (const auto& f : c.fields) {
      alt.field_ids.push_back(paths.intern(f.path));
      if (f.matches_absent || f.any.empty()) continue;  // holds when absent: cannot trigger
      int worst = 0;
      for (const auto& m : f.any) worst = std::max(worst, breadth(m));
      if (!trigger || worst < best) trigger = &f, path = alt.field_ids.back(), best = worst;
    }
    alt.whole = trigger && c.fields.size() == 1;
    alts.push_back(std::move(alt));
    if (!trigger) {
      always.push_back(a);
      return;
    }
    if (slots.size() <= path) slots.resize(path + 1);
    for (const auto& m : trigger->any) add_operator(slots[path], m, {&m, a, rule});
  }

  // The trigger of alternative `a` held for some leaf.
  void fire(std::uint32_t a, const flat_event& ev) const {
    const alternative& alt = alts[a];
    if (rule_mark[alt.rule] == epoch || alt_mark[a] == epoch) return;
    alt_mark[a] = epoch;
    if (alt.whole || match_conjunction(*alt.c, ev, alt.field_ids.data())) {
      rule_mark[alt.rule] = epoch;
      matched.push_back(alt.rule);
    }
  }

  void test(const std::vector<op_ref>& ops, const scalar& v, const flat_event& ev) const {
    for (const auto& r : ops)
      if (rule_mark[r.rule] != epoch && alt_mark[r.alt] != epoch && r.m->test(v)) fire(r.alt, ev);
  }

  void match(const flat_event& ev, std::vector<std::uint32_t>& out) const {
    if (++epoch == 0) {  // wrapped: forget marks that could collide
      std::fill(rule_mark.begin(), rule_mark.end(), 0);
      std::fill(alt_mark.begin(), alt_mark.end(), 0);
      epoch = 1;
    }
    matched.clear();
    for (std::uint32_t p = 0; p < slots.size(); ++p) {
      const slot& s = slots[p];
      auto at = ev.at(p);
      if (at.empty() || s.empty()) continue;
      for (auto i : at) {
        const scalar& v = ev.leaves[i].value;
        if (v.is_string()) {
          if (!s.exact.empty()) {
            auto hit = s.exact.find(v.s);
            if (hit != s.exact.end())
              for (auto a : hit->second) fire(a, ev);
          }
          if (!v.s.empty()) {  // operators filed by byte all need at least one
            if (s.first) test((*s.first)[(unsigned char)v.s.front()], v, ev);
            if (s.last) test((*s.last)[(unsigned char)v.s.back()], v, ev);
          }
        }
        test(s.rest, v, ev);
      }
    }
    for (auto a : always) fire(a, ev);
    std::sort(matched.begin(), matched.end());
    for (auto r : matched) out.push_back(ids[r]);
  }
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
  flatten(event, &c.paths, scratch_);
  c.match(scratch_, out);
}

void rule_index::match_text(std::string_view text, std::vector<std::uint32_t>& out) const {
  const compiled& c = ready();
  flatten_text(text, &c.paths, scratch_);
  c.match(scratch_, out);
}

}  // namespace emu::bus
