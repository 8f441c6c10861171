// Reports of a run: the console (one progress line per scenario, failures with their diffs),
// JUnit XML and JSON. Reports hold no wall-clock times, so two runs give identical files.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/scenario/runner.h"

namespace emu::scenario {

struct console_style {
  bool color = false;
  bool verbose = false;  // also list each step of passing scenarios
  bool quiet = false;    // only failures and the summary
};

void print_outcome(std::ostream& out, const scenario_outcome& o, const console_style& style);
void print_summary(std::ostream& out, const std::vector<scenario_outcome>& all, const console_style& style);

json json_report(const std::vector<scenario_outcome>& all);
std::string junit_report(const std::vector<scenario_outcome>& all);

const char* status_name(status s);

}  // namespace emu::scenario
