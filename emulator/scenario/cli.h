// The `run` and `check` subcommands (SCENARIOS.md, "Running"). Each returns the process exit
// status: 0 all passed; 1 usage error; 2 a file does not parse or validate; 3 a runtime or
// infrastructure error; 4 an expectation failed (3 wins over 4 when both happen).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace emu::scenario {

inline constexpr int exit_ok = 0, exit_usage = 1, exit_invalid = 2, exit_runtime = 3, exit_failed = 4;

int run_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

extern const char* const run_help;
extern const char* const check_help;

}  // namespace emu::scenario
