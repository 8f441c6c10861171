// Runs one loaded scenario in its own isolated world and reports what happened, step by step.
#pragma once

#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/core/system_def.h"
#include "emulator/scenario/model.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {

enum class status { passed, failed, error };  // error: a runtime failure (exit 3)

struct step_outcome {
  int index = 0;
  int line = 0;
  std::string name;
  std::string kind;
  status result = status::passed;
  std::vector<std::string> details;  // one line per difference or error
  bool ran = false;
};

struct scenario_outcome {
  std::string file;
  std::string name;
  std::vector<std::string> tags;
  status result = status::passed;
  std::vector<step_outcome> steps;
  std::string virtual_elapsed;  // e.g. "30s"
  json trace = json::array();   // the scenario's trace entries
};

// `postgres` non-empty: the outbox store is that PostgreSQL (a schema per scenario, dropped after).
scenario_outcome run_scenario(const scenario& s, const system_def& sys, const registry& reg,
                              const std::string& postgres = "");

// The trace with generated ids and times replaced by <id:N> and <time:N> in order of first
// appearance, so an unchanged flow always gives the same golden file.
json normalise_trace(const json& trace);

}  // namespace emu::scenario
