// The scenario matching language (SCENARIOS.md, "Matching"): expected values are YAML with
// tags, actual values are JSON. `compile_expected` turns YAML into a tree once, at load time,
// so bad tags are file:line errors before anything runs; `match` lists every difference with
// its JSON path and the expected and actual values with their types.
//
//   maps      subset match; `!exact {…}` forbids extra keys
//   lists     same length, element by element; `!unordered […]`; `!contains […]`
//   scalars   equality; numbers numerically (1 == 1.0); strings may hold ${templates}
//   tags      !any !absent !type T !regex RE !uuid !iso8601 !len N !gt N !lt N
//             !between [A, B] !pattern {EventBridge pattern}
#pragma once

#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "emulator/core/json.h"

namespace emu::scenario {

struct expected {
  enum class kind {
    scalar,
    map,
    exact_map,
    list,
    unordered,
    contains,
    any,
    absent,
    type,
    regex,
    uuid,
    iso8601,
    len,
    gt,
    lt,
    between,
    pattern
  };
  kind k = kind::scalar;
  json value;  // scalar value; type name; numbers for len/gt/lt/between; the pattern
  std::vector<std::pair<std::string, std::shared_ptr<const expected>>> fields;
  std::vector<std::shared_ptr<const expected>> items;
  std::regex re;
  int line = 0;
};

// Tests a value against an EventBridge pattern; supplied by the bus component. Returns an
// error message for an invalid pattern through `error`.
using pattern_fn = std::function<bool(const json& pattern, const json& value, std::string& error)>;

// Compiles a YAML expectation. Throws load_error (file:line) on an unknown tag or a tag with a
// bad argument.
std::shared_ptr<const expected> compile_expected(const YAML::Node& node, const std::string& file,
                                                 const std::string& path);

struct mismatch {
  std::string path;     // "$.body.items[0].id"
  std::string message;  // "expected string \"a\", got number 3"
};

// Resolves ${…} templates in an expected string (whole-string templates keep their type).
using resolver = std::function<json(const std::string&)>;

struct match_env {
  resolver resolve;
  pattern_fn pattern;
};

// Appends every difference between `e` and `actual` (null pointer: the key is missing).
void match(const expected& e, const json* actual, const std::string& path, const match_env& env,
           std::vector<mismatch>& out);
inline std::vector<mismatch> match(const expected& e, const json& actual, const match_env& env) {
  std::vector<mismatch> out;
  match(e, &actual, "$", env, out);
  return out;
}

// `v` with every ${…} template in its strings resolved (a value read by a check: keys, where:).
json expand_strings(const json& v, const match_env& env);

// "string \"abc\"", "number 3", "object {…3 keys}", "missing" — for failure messages.
std::string describe(const json* v);

}  // namespace emu::scenario
