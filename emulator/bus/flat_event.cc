// Flattened events: leaf values, the path table their paths are named in, and flattening a
// document or JSON text (walk.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "emulator/bus/pattern.h"
#include "emulator/bus/walk.h"

namespace emu::bus {

// ---------------------------------------------------------------------------------------------
// scalar

scalar scalar::of(const json& v) {
  scalar x;
  if (v.is_boolean())
    x.t = type::boolean, x.b = v.get<bool>();
  else if (v.is_number())
    x = number(v.get<double>());
  else if (v.is_string())
    x.t = type::string, x.s = v.get_ref<const std::string&>();
  return x;
}

scalar scalar::number(double d) {
  scalar x;
  x.t = type::number;
  x.n_ = d;
  x.has_n_ = true;
  return x;
}

double scalar::num() const {
  if (!has_n_) {
    // The walker checked the shape; from_chars only fails on overflow, which JSON readers
    // (and event-ruler) take as infinity.
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n_);
    if (ec == std::errc::result_out_of_range) n_ = s.starts_with('-') ? -HUGE_VAL : HUGE_VAL;
    has_n_ = true;
  }
  return n_;
}

namespace {

// A JSON number's text as w × 10^e10, keeping at most 19 significant digits (`truncated` when
// more were dropped). The text's shape was checked when it was read.
struct decimal {
  std::uint64_t w = 0;
  long e10 = 0;
  bool truncated = false;  // the sign is left to the text
};

inline const char* skip_digits(const char* p, const char* end) {
  while (p < end && *p >= '0' && *p <= '9') ++p;
  return p;
}

decimal read_decimal(std::string_view s) {
  decimal d;
  const char* p = s.data();
  const char* end = p + s.size();
  if (p < end && *p == '-') ++p;
  const char* int_end = skip_digits(p, end);
  const char* frac = int_end < end && *int_end == '.' ? int_end + 1 : int_end;
  const char* frac_end = skip_digits(frac, end);
  if ((int_end - p) + (frac_end - frac) <= 19) {  // the usual case: every digit fits
    d.w = walk::append_digits(walk::append_digits(0, p, int_end), frac, frac_end);
    d.e10 = -long(frac_end - frac);
  } else {
    int digits = 0;  // significant digits kept in w
    auto take = [&](char c, bool fraction) {
      if (c == '0' && d.w == 0) {  // a leading zero: not significant
        d.e10 -= fraction;
      } else if (digits < 19) {
        d.w = d.w * 10 + std::uint64_t(c - '0');
        ++digits;
        d.e10 -= fraction;
      } else {
        d.truncated |= c != '0';
        d.e10 += !fraction;
      }
    };
    for (const char* q = p; q < int_end; ++q) take(*q, false);
    for (const char* q = frac; q < frac_end; ++q) take(*q, true);
  }
  p = frac_end;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool minus = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) ++p;
    long x = 0;
    for (; p < end && *p >= '0' && *p <= '9'; ++p) x = std::min(x * 10 + (*p - '0'), 1'000'000L);
    d.e10 += minus ? -x : x;
  }
  return d;
}

}  // namespace

void scalar::estimate() const {
  if (est_ == est::text) {
    decimal d = read_decimal(s);
    w_ = d.w, exact_ = !d.truncated, est_ = est::digits;
    if (d.e10 < -1'000'000 || d.e10 > 1'000'000)
      est_ = est::none;
    else
      e10_ = std::int32_t(d.e10);
  }
  settle();
}

int scalar::compare(double c) const {
  auto [lo, hi] = bounds();
  if (lo > c) return 1;
  if (hi < c) return -1;
  double n = num();
  return n < c ? -1 : n > c ? 1 : 0;
}

bool scalar::operator==(const scalar& o) const {
  if (t != o.t) return false;
  switch (t) {
    case type::null:
      return true;
    case type::boolean:
      return b == o.b;
    case type::number:
      return num() == o.num();
    case type::string:
      return s == o.s;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// path_table

const path_table::node* path_table::node::child_sorted(std::string_view key) const {
  auto it = std::lower_bound(children.begin(), children.end(), key,
                             [](const auto& c, std::string_view k) { return c.first < k; });
  return it != children.end() && it->first == key ? it->second.get() : nullptr;
}

const path_table::node* path_table::descend_dotted(const node* from, std::string_view key) const {
  for (;;) {
    auto dot = key.find('.');
    if (dot == std::string_view::npos) return from->child(key);
    from = from->child(key.substr(0, dot));
    if (!from) return nullptr;
    key.remove_prefix(dot + 1);
  }
}

const path_table::node* path_table::descend_or_add(const node* from, std::string_view key) {
  for (;;) {
    auto dot = key.find('.');
    std::string_view part = key.substr(0, dot);
    auto& kids = own(from)->children;
    auto it =
        std::lower_bound(kids.begin(), kids.end(), part, [](const auto& c, std::string_view k) { return c.first < k; });
    if (it == kids.end() || it->first != part) {
      node::packed_key packed;
      packed.size = part.size() <= 16 ? part.size() : SIZE_MAX;
      std::memcpy(&packed.lo, part.data(), std::min<std::size_t>(part.size(), 8));
      if (part.size() > 8) std::memcpy(&packed.hi, part.data() + 8, std::min<std::size_t>(part.size() - 8, 8));
      auto at = it - kids.begin();
      it = kids.emplace(it, std::string(part), std::make_unique<node>());
      packed.child = it->second.get();
      own(from)->packed.insert(own(from)->packed.begin() + at, packed);
    }
    from = it->second.get();
    if (dot == std::string_view::npos) return from;
    key.remove_prefix(dot + 1);
  }
}

std::uint32_t path_table::name(const node* n) {
  if (n->id < 0) own(n)->id = std::int32_t(count_++);
  return std::uint32_t(n->id);
}

std::uint32_t path_table::intern(std::string_view path) { return name(descend_or_add(&root_, path)); }

std::int32_t path_table::find(std::string_view path) const {
  const node* n = descend(&root_, path);
  return n ? n->id : -1;
}

// ---------------------------------------------------------------------------------------------
// flat_event

void flat_event::start(const path_table* fixed) {
  leaves.clear();
  positions.clear();
  unescaped_.clear();
  fixed_ = fixed;
  if (!fixed) learned_ = path_table();
}

void flat_event::add(std::uint32_t path, const scalar& value, const std::vector<position>& where) {
  leaves.push_back({path, value, std::uint32_t(positions.size()), std::uint32_t(where.size())});
  positions.insert(positions.end(), where.begin(), where.end());
}

void flat_event::group() {
  // A counting sort by path id: stable, so each path's leaves keep document order.
  ranges_.assign(table().size(), {0, 0});
  for (const auto& l : leaves) ++ranges_[l.path].second;
  std::uint32_t at = 0;
  for (auto& r : ranges_) {
    std::uint32_t n = r.second;
    r = {at, at};
    at += n;
  }
  order_.resize(leaves.size());
  for (std::uint32_t i = 0; i < leaves.size(); ++i) order_[ranges_[leaves[i].path].second++] = i;
}

std::string_view flat_event::keep(std::string s) { return unescaped_.emplace_back(std::move(s)); }

// ---------------------------------------------------------------------------------------------
// Flattening a document or JSON text (walk.h walks both)

void flatten(const json& event, const path_table* table, flat_event& out) {
  out.start(table);
  walk::dom_walker<flat_event>(out.table(), table ? nullptr : &out.learning(), out, out.walk_).run(event);
  out.group();
}

flat_event flatten(const json& event) {
  flat_event out;
  flatten(event, nullptr, out);
  return out;
}

void flatten_text(std::string_view text, const path_table* table, flat_event& out) {
  out.start(table);
  std::string_view in = walk::padded(text, out.text_);
  walk::text_walker<flat_event>(in, out.table(), table ? nullptr : &out.learning(), out, out.walk_).run();
  out.group();
}

flat_event flatten_text(std::string_view text) {
  flat_event out;
  flatten_text(text, nullptr, out);
  return out;
}

}  // namespace emu::bus
