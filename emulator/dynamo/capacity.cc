#include "emulator/dynamo/capacity.h"

#include <algorithm>
#include <cmath>

#include "emulator/dynamo/internal.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo::detail {

double capacity::total() const {
  double t = table;
  for (const auto& [n, u] : global) t += u;
  for (const auto& [n, u] : local) t += u;
  return t;
}

capacity& capacity::operator+=(const capacity& o) {
  table += o.table;
  for (const auto& [n, u] : o.global) global[n] += u;
  for (const auto& [n, u] : o.local) local[n] += u;
  return *this;
}

capacity& capacity::operator*=(double f) {
  table *= f;
  for (auto& [n, u] : global) u *= f;
  for (auto& [n, u] : local) u *= f;
  return *this;
}

double read_units(std::size_t size, bool consistent) {
  return std::ceil(double(std::max<std::size_t>(1, size)) / 4096.0) * (consistent ? 1.0 : 0.5);
}

namespace {

double write_units(std::size_t bytes) { return std::max(1.0, std::ceil(double(bytes) / 1024.0)); }

// Whether the item has the index's key attributes with their declared types (indexes are sparse).
bool in_index(const index_info& ix, const json& item) {
  for (const key_def* k : {&ix.hash, ix.range ? &*ix.range : nullptr}) {
    if (!k) continue;
    auto it = item.find(k->name);
    if (it == item.end() || type_of(*it) != k->type) return false;
  }
  return true;
}

// What the index holds of the item: all of it, or the keys and the included attributes.
json projected(const table_info& t, const index_info& ix, const json& item) {
  if (ix.projection == "ALL") return item;
  json p = key_of(t, item, &ix);
  for (const auto& n : ix.non_key)
    if (auto it = item.find(n); it != item.end()) p[n] = *it;
  return p;
}

}  // namespace

capacity write_capacity(const table_info& t, const json* old_item, const json* new_item) {
  capacity c;
  std::size_t old_size = old_item ? item_size(*old_item) : 0, new_size = new_item ? item_size(*new_item) : 0;
  c.table = write_units(std::max(old_size, new_size));
  for (const auto& ix : t.indexes) {
    bool was = old_item && in_index(ix, *old_item), is = new_item && in_index(ix, *new_item);
    if (!was && !is) continue;
    // An index projecting everything holds the item itself: no copy to size or compare it.
    bool all = ix.projection == "ALL";
    auto size_in_index = [&](const json& item, std::size_t whole) {
      return all ? whole : item_size(projected(t, ix, item));
    };
    double u = 0;
    bool same_key = was && is && (*old_item)[ix.hash.name] == (*new_item)[ix.hash.name] &&
                    (!ix.range || (*old_item)[ix.range->name] == (*new_item)[ix.range->name]);
    if (same_key) {
      bool unchanged = all ? *old_item == *new_item : projected(t, ix, *old_item) == projected(t, ix, *new_item);
      if (unchanged) continue;  // nothing the index holds changed: no index write
      u = write_units(std::max(size_in_index(*old_item, old_size), size_in_index(*new_item, new_size)));
    } else {
      // Out of the index, into it, or moved within it (a delete and a put).
      u = (was ? write_units(size_in_index(*old_item, old_size)) : 0) +
          (is ? write_units(size_in_index(*new_item, new_size)) : 0);
    }
    (ix.global ? c.global : c.local)[ix.name] += u;
  }
  return c;
}

capacity read_capacity(const index_info* ix, double units) {
  capacity c;
  if (!ix)
    c.table = units;
  else
    (ix->global ? c.global : c.local)[ix->name] = units;
  return c;
}

namespace {

json entry(const std::string& table, const std::string& mode, const capacity& c, bool table_read) {
  json out = {{"TableName", table}, {"CapacityUnits", c.total()}};
  if (mode != "INDEXES") return out;
  if (table_read || c.table > 0) out["Table"] = {{"CapacityUnits", c.table}};
  auto indexes = [](const std::map<std::string, double>& m) {
    json o = json::object();
    for (const auto& [n, u] : m) o[n] = {{"CapacityUnits", u}};
    return o;
  };
  if (!c.global.empty()) out["GlobalSecondaryIndexes"] = indexes(c.global);
  if (!c.local.empty()) out["LocalSecondaryIndexes"] = indexes(c.local);
  return out;
}

}  // namespace

json consumed(const std::string& table, const json& req, const capacity& c) {
  return consumed(table, capacity_mode(req), c);
}

json consumed(const std::string& table, const std::string& mode, const capacity& c) {
  if (mode == "NONE") return nullptr;
  // A read of an index reports only the index; anything else reports the table too.
  bool index_only = c.table == 0 && (!c.global.empty() || !c.local.empty());
  return entry(table, mode, c, !index_only);
}

json consumed_per_table(const json& req, const std::map<std::string, capacity>& by_table) {
  std::string mode = capacity_mode(req);
  if (mode == "NONE") return nullptr;
  json out = json::array();
  for (const auto& [name, c] : by_table) out.push_back(entry(name, mode, c, true));
  return out;
}

}  // namespace emu::dynamo::detail
