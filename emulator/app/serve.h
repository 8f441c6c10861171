// `bellyfed-emu serve`: the emulated system on one HTTP port until SIGINT or SIGTERM.
#pragma once

#include <string>
#include <vector>

namespace emu::app {

// Returns the exit status: 0 stopped cleanly, 1 usage error, 2 the system definition cannot be
// loaded or instantiated, 3 the stores cannot be opened or the port cannot be bound.
int serve_command(const std::vector<std::string>& args);

}  // namespace emu::app
