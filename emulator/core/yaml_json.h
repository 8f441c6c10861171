// YAML helpers shared by the system definition and the scenario loader: YAML → JSON with
// YAML 1.2 core-schema scalars (a quoted '3' stays a string; plain 3 is a number), and the
// load error that names file, line and key.
#pragma once

#include <stdexcept>
#include <string>

#include <yaml-cpp/yaml.h>

#include "emulator/core/json.h"

namespace emu {

// "file:line:column: path: message". Lines and columns count from 1.
class load_error : public std::runtime_error {
 public:
  load_error(const std::string& file, const YAML::Mark& mark, const std::string& path, const std::string& message);
  load_error(const std::string& file, int line, const std::string& message);
  int line() const { return line_; }
  // Several problems of one file as one error, one per line (the first one's line kept), so a
  // user fixes them all in one round.
  static load_error several(const std::vector<load_error>& all);

 private:
  struct located_text {
    std::string text;
  };
  load_error(located_text t, int line) : std::runtime_error(t.text), line_(line) {}
  int line_;
};

// Limits that keep a hostile file from exhausting memory, time or the stack. The parser holds a
// few hundred bytes per input byte at worst, so the size bound is also the memory bound; nodes
// are counted as expanded (an alias once per use), so an alias bomb stops at the count and a
// self-referencing alias at the depth.
inline constexpr std::size_t max_yaml_bytes = 2 * 1024 * 1024;
inline constexpr int max_yaml_depth = 64;
inline constexpr std::size_t max_yaml_nodes = 1'000'000;

// Parses YAML text; throws load_error naming `file` and the line on a syntax error, on more
// than max_yaml_bytes, nesting deeper than max_yaml_depth (aliases followed) or more than
// max_yaml_nodes nodes once aliases are expanded.
YAML::Node parse_yaml(const std::string& text, const std::string& file);
// Reads and parses a regular file (not a device, FIFO or folder: those are refused before they
// are opened); throws load_error if it cannot be read or is too large.
YAML::Node load_yaml_file(const std::string& path);
// The text of such a file, with the same checks.
std::string read_yaml_file(const std::string& path);

// Converts a YAML node (without custom tags) to JSON. Throws load_error on a tagged node
// (tags are only meaningful in scenario expectations) or on a non-string map key.
// YAML text that parses back to the same node: tags (`!any`, `!regex …`) and the quoting that
// tells a string '3' from the number 3 included (yaml-cpp's own emitter drops the latter).
std::string yaml_text(const YAML::Node& node);

json yaml_to_json(const YAML::Node& node, const std::string& file, const std::string& path);
// The JSON value of a plain (untagged, unquoted) scalar: null, bool, int, float, else string.
json plain_scalar(const std::string& text);

}  // namespace emu
