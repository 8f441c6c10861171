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
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/core/json.h"

namespace emu::bus {

class pattern_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A flattened event: every scalar leaf with its dotted path and the array elements it sits in.
struct flat_event {
  struct leaf {
    std::string path;
    const json* value;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> arrays;  // (array id, element index)
  };
  std::vector<leaf> leaves;  // sorted by path
};
// `event` must outlive the result (leaves point into it).
flat_event flatten(const json& event);

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
