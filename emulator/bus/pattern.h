// EventBridge event patterns: compile once, match many (PATTERNS.md has the semantics).
//
// `pattern::compile` validates a pattern the way EventBridge does (aws/event-ruler's rules)
// and throws pattern_error whose message is AWS's "Reason" text; callers wrap it as
// InvalidEventPatternException ("Event pattern is not valid. Reason: …"). A compiled pattern is
// immutable and safe to share between threads. Matching flattens the event into leaf values
// with their paths (dotted) and array positions, then checks each `$or` alternative; a match
// never combines fields taken from different elements of the same array.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "emulator/core/json.h"

namespace emu::bus {

class pattern_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A leaf value of an event: what patterns compare against.
struct scalar {
  enum class type : std::uint8_t { null, boolean, number, string };
  type t = type::null;
  bool b = false;
  double n = 0;
  std::string s;
  bool is_string() const { return t == type::string; }
  bool is_number() const { return t == type::number; }
  bool operator==(const scalar& o) const;
  static scalar of(const json& v);  // v must not be an object or array
  // The case-folded string, computed once however many ignore-case operators ask.
  const std::string& folded() const;

 private:
  mutable std::string folded_;
  mutable bool has_folded_ = false;
};

// A flattened event: every scalar leaf with its dotted path and the array elements it sits in.
// Paths are interned and array positions pooled, so a leaf costs no allocation of its own.
// Leaves point into the event's own pools: move it, never copy it.
struct flat_event {
  using position = std::pair<std::uint32_t, std::uint32_t>;  // (array id, element index)
  struct leaf {
    std::string_view path;  // into `paths`
    scalar value;
    std::uint32_t first = 0, count = 0;  // this leaf's positions in `positions`
  };
  std::vector<leaf> leaves;  // sorted by path
  std::vector<position> positions;
  // Every path with leaves → the range of its leaves in `leaves` (valid after sort()).
  std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>> paths;

  flat_event() = default;
  flat_event(flat_event&&) = default;
  flat_event& operator=(flat_event&&) = default;
  flat_event(const flat_event&) = delete;
  flat_event& operator=(const flat_event&) = delete;

  // Adds a leaf at `path` inside the arrays `where` (outermost first).
  void add(const std::string& path, scalar value, const std::vector<position>& where);
  void sort();
};
flat_event flatten(const json& event);

// The paths some rules name, as a tree of key segments: lets flatten_text skip everything else
// with one small lookup per key.
class path_set {
 public:
  struct node {
    std::map<std::string, node, std::less<>> children;
    bool named = false;
  };
  void add(const std::string& path);  // "a.b.c"
  const node& root() const { return root_; }

 private:
  node root_;
};

// Flattens JSON text directly, without building a document (event-ruler's rulesForJSONEvent
// input). With `wanted`, only leaves at named paths are kept and other subtrees are skipped.
// Throws pattern_error("Event is not valid JSON: …") for malformed text.
flat_event flatten_text(std::string_view text, const path_set* wanted = nullptr);

struct matcher;  // one operator of a leaf array (pattern.cc)

class pattern {
 public:
  // Throws pattern_error with AWS's reason text.
  static pattern compile(const json& source);
  // Parses JSON text first; a syntax error is a pattern_error too.
  static pattern parse(const std::string& text);

  bool matches(const json& event) const { return matches(flatten(event)); }
  bool matches(const flat_event& event) const;
  const json& source() const { return source_; }
  // The number of `$or` alternatives after expansion (each an AND of fields).
  std::size_t alternatives() const;

  // For a matcher index: per alternative, a field that must equal one of some strings for
  // the alternative to match. Empty when some alternative has no such field.
  struct anchor {
    std::string path;
    std::vector<std::string> values;  // the exact string values
  };
  std::vector<anchor> anchors() const;
  // Every field path the pattern names, in any alternative.
  std::vector<std::string> paths() const;

  struct field;
  struct conjunction;

 private:
  std::shared_ptr<const std::vector<conjunction>> alts_;
  json source_;
};

// Case folding used by the ignore-case operators: ASCII and Latin-1/Greek/Cyrillic basic
// letters (UTF-8 aware); other characters compare as they are.
std::string fold_case(const std::string& s);

}  // namespace emu::bus
