// Flattened events: leaf values, the path table their paths are named in, and flattening a
// JSON document (flatten_text.cc reads JSON text).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "emulator/bus/pattern.h"

namespace emu::bus {

// ---------------------------------------------------------------------------------------------
// scalar

scalar scalar::of(const json& v) {
  scalar x;
  if (v.is_boolean()) x.t = type::boolean, x.b = v.get<bool>();
  else if (v.is_number()) x = number(v.get<double>());
  else if (v.is_string()) x.t = type::string, x.s = v.get_ref<const std::string&>();
  return x;
}

scalar scalar::number(double d) {
  scalar x;
  x.t = type::number;
  x.n_ = d;
  x.has_n_ = true;
  return x;
}

scalar scalar::number_text(std::string_view text) {
  scalar x;
  x.t = type::number;
  x.s = text;
  return x;
}

double scalar::num() const {
  if (!has_n_) {
    // The scanner checked the shape; from_chars only fails on overflow, which JSON readers
    // (and event-ruler) take as infinity.
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n_);
    if (ec == std::errc::result_out_of_range) n_ = s.starts_with('-') ? -HUGE_VAL : HUGE_VAL;
    has_n_ = true;
  }
  return n_;
}

bool scalar::operator==(const scalar& o) const {
  if (t != o.t) return false;
  switch (t) {
    case type::null: return true;
    case type::boolean: return b == o.b;
    case type::number: return num() == o.num();
    case type::string: return s == o.s;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// path_table

const path_table::node* path_table::node::child_sorted(std::string_view key) const {
  auto it = std::lower_bound(children.begin(), children.end(), key, [](const auto& c, std::string_view k) { return c.first < k; });
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
    auto it = std::lower_bound(kids.begin(), kids.end(), part, [](const auto& c, std::string_view k) { return c.first < k; });
    if (it == kids.end() || it->first != part) it = kids.emplace(it, std::string(part), std::make_unique<node>());
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

void flat_event::add(std::uint32_t path, scalar value, const std::vector<position>& where) {
  leaves.push_back({path, std::move(value), std::uint32_t(positions.size()), std::uint32_t(where.size())});
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
// Flattening a document

namespace {

struct dom_walker {
  path_table* learn;  // null: keep only the table's named paths
  flat_event& out;
  std::vector<flat_event::position> arrays;
  std::uint32_t next_array = 0;

  void walk(const json& v, const path_table::node* at) {
    if (v.is_object()) {
      for (const auto& [k, child] : v.items()) {
        const path_table::node* below = learn ? learn->descend_or_add(at, k) : out.table().descend(at, k);
        if (below) walk(child, below);  // no rule names anything below: skipped
      }
    } else if (v.is_array()) {
      std::uint32_t id = next_array++;
      std::uint32_t i = 0;
      for (const auto& child : v) {
        arrays.emplace_back(id, i++);
        walk(child, at);
        arrays.pop_back();
      }
    } else if (learn) {
      out.add(learn->name(at), scalar::of(v), arrays);
    } else if (at->id >= 0) {
      out.add(std::uint32_t(at->id), scalar::of(v), arrays);
    }
  }
};

}  // namespace

void flatten(const json& event, const path_table* table, flat_event& out) {
  out.start(table);
  dom_walker w{table ? nullptr : &out.learning(), out, {}, 0};
  w.walk(event, &out.table().root());
  out.group();
}

flat_event flatten(const json& event) {
  flat_event out;
  flatten(event, nullptr, out);
  return out;
}

}  // namespace emu::bus
