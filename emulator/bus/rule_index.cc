#include "emulator/bus/rule_index.h"

#include <algorithm>

namespace emu::bus {

void rule_index::add(std::uint32_t id, const pattern& p) {
  remove(id);
  entry e{p, p.anchors()};
  if (e.anchors.empty()) {
    scan_.insert(std::upper_bound(scan_.begin(), scan_.end(), id), id);
  } else {
    for (const auto& a : e.anchors)
      for (const auto& v : a.values) {
        auto& ids = index_[a.path][v];
        if (ids.empty() || ids.back() != id) ids.push_back(id);
      }
  }
  rules_.emplace(id, std::move(e));
}

void rule_index::remove(std::uint32_t id) {
  auto it = rules_.find(id);
  if (it == rules_.end()) return;
  if (it->second.anchors.empty()) {
    scan_.erase(std::remove(scan_.begin(), scan_.end(), id), scan_.end());
  } else {
    for (const auto& a : it->second.anchors) {
      auto& by_value = index_[a.path];
      for (const auto& v : a.values) {
        auto& ids = by_value[v];
        ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
        if (ids.empty()) by_value.erase(v);
      }
      if (by_value.empty()) index_.erase(a.path);
    }
  }
  rules_.erase(it);
}

path_set rule_index::paths() const {
  path_set out;
  for (const auto& [id, e] : rules_)
    for (const auto& p : e.p.paths()) out.add(p);
  return out;
}

void rule_index::match(const flat_event& event, std::vector<std::uint32_t>& out) const {
  std::vector<std::uint32_t> candidates = scan_;
  if (!index_.empty()) {
    std::string_view last_path;
    bool have_last = false;
    const by_value_map* by_value = nullptr;
    for (const auto& leaf : event.leaves) {
      if (!leaf.value.is_string()) continue;
      if (!have_last || last_path != leaf.path) {  // leaves are sorted by path
        last_path = leaf.path;
        have_last = true;
        auto it = index_.find(leaf.path);
        by_value = it == index_.end() ? nullptr : &it->second;
      }
      if (!by_value) continue;
      auto hit = by_value->find(leaf.value.s);
      if (hit != by_value->end()) candidates.insert(candidates.end(), hit->second.begin(), hit->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  }
  for (auto id : candidates)
    if (rules_.at(id).p.matches(event)) out.push_back(id);
}

}  // namespace emu::bus
