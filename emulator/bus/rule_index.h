// Finds the rules that match an event without testing every rule, the way event-ruler's
// machine does: each path the rules name has its own table of operators, and each leaf of the
// event is tested against its path's table as the event is read (walk.h). Exact strings are one
// lookup however many rules name them; numbers are placed among the rules' constants; prefixes,
// suffixes and the like are filed under the first or last byte they need; anything-but under
// what it excludes; the rest are tested in turn. Each `$or` alternative has a "trigger" field
// (the most selective it has), filed with every other field whose operators file narrowly; an
// alternative of one field matches when its trigger holds, a larger one is checked once the
// event is read (its other fields from leaves stored at their paths, array consistency). Only
// alternatives whose every field also holds when absent (`exists: false`) are checked on every
// event. What holds for a string value is remembered per path; numbers are placed in the gaps
// between the rules' constants; paths only non-trigger fields name sleep until their rule's
// trigger held. PATTERNS.md ("How many patterns are matched at once") has the whole design.
//
// Subtrees no rule names are skipped unread. Not thread-safe: matching reuses scratch space
// and the remembered values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/bus/pattern.h"

namespace emu::bus {

class rule_index {
 public:
  rule_index() = default;
  rule_index(rule_index&&) = default;
  rule_index& operator=(rule_index&&) = default;

  // Adds or replaces rule `id`.
  void add(std::uint32_t id, const pattern& p);
  void remove(std::uint32_t id);
  std::size_t size() const { return rules_.size(); }

  // Appends the ids of the rules matching the event to `out`, ascending and without duplicates.
  void match(const json& event, std::vector<std::uint32_t>& out) const;
  // The same from JSON text (event-ruler's rulesForJSONEvent); text that is not valid JSON
  // throws pattern_error. The text is read where it is, not copied, when the 64 bytes after it
  // are readable: spare capacity (reserve), or the same memory page (walk.h).
  void match_text(const std::string& text, std::vector<std::uint32_t>& out) const;

  // Alternatives checked on every event: every field of theirs also holds when absent (`exists: false`).
  std::size_t unindexed() const;

 private:
  struct compiled;  // rule_index.cc
  struct deleter {
    void operator()(compiled* c) const;
  };
  const compiled& ready() const;  // built on first use after a change

  std::unordered_map<std::uint32_t, pattern> rules_;
  mutable std::unique_ptr<compiled, deleter> compiled_;
};

}  // namespace emu::bus
