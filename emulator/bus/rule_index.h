// Finds the rules that match an event without testing every rule. Each pattern that has, in
// every `$or` alternative, a field that must equal one of some strings is filed under those
// (path, value) pairs; an event then only tests the rules filed under its own leaves, plus the
// rules that could not be filed (prefix-only, numeric-only, anything-but, …). Candidates are
// confirmed with the full pattern, so the index never changes a result, only the cost.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/bus/pattern.h"

namespace emu::bus {

class rule_index {
 public:
  // Adds or replaces rule `id`.
  void add(std::uint32_t id, const pattern& p);
  void remove(std::uint32_t id);
  // Appends the ids of the rules matching `event` to `out`, ascending and without duplicates.
  void match(const flat_event& event, std::vector<std::uint32_t>& out) const;
  std::size_t size() const { return rules_.size(); }
  // Every path some rule names (for flatten_text's skipping).
  path_set paths() const;
  std::size_t unindexed() const { return scan_.size(); }

 private:
  struct entry {
    pattern p;
    std::vector<pattern::anchor> anchors;
  };
  // Hashing that accepts std::string_view keys, so lookups need no temporary strings.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using by_value_map = std::unordered_map<std::string, std::vector<std::uint32_t>, text_hash, std::equal_to<>>;
  std::unordered_map<std::uint32_t, entry> rules_;
  // path → value → rule ids
  std::unordered_map<std::string, by_value_map, text_hash, std::equal_to<>> index_;
  std::vector<std::uint32_t> scan_;
};

}  // namespace emu::bus
