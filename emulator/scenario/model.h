// A loaded scenario (SCENARIOS.md, format v1): what the loader produces and the runner runs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"
#include "emulator/scenario/matcher.h"

namespace emu::scenario {

struct expect_kind;

// One check of a standalone `expect:` step, e.g. `trace: […]` or `events: {…, within: 30s}`.
struct check {
  const expect_kind* kind = nullptr;
  std::shared_ptr<const void> compiled;  // what the kind's compile returned
  std::optional<duration> within;        // "eventually": advance virtual time up to this long
  bool absent = false;                   // nothing may match (within the window)
  int line = 0;
  std::string name;   // the expectation's kind, e.g. "trace"
  YAML::Node source;  // as written, without within/absent (run --target sends it to serve)
};

struct step {
  int index = 0;                                              // 1-based position in the file
  int line = 0;                                               // line of the step in the file
  std::string name;                                           // optional `name`, else the kind
  std::string kind;                                           // "invoke", "advance", "expect", …
  YAML::Node params;                                          // the kind key's value, as written
  std::shared_ptr<const expected> expectation;                // compiled step-level `expect`, or null
  std::vector<std::pair<std::string, std::string>> captures;  // name → JSONPath
  std::vector<check> checks;                                  // for kind "expect"
};

// Items a fixture file loads into one table before the first step (plain JSON values).
struct fixture_items {
  std::string file;          // the fixture file, for messages
  int line = 0;              // the table's line in it
  std::string table;         // stage-less, as written
  bool outbox_rows = false;  // `rows:`: a business table of the outbox store, not DynamoDB
  json items = json::array();
};

struct scenario {
  std::string file;
  std::string name;
  std::string description;
  std::vector<std::string> tags;
  std::string stage = "dev";
  instant start;
  std::uint64_t seed = 0;
  std::vector<fixture_items> fixtures;
  json vars = json::object();
  std::vector<step> steps;
};

// The scenario's default virtual start time.
instant default_start();

}  // namespace emu::scenario
