// `bellyfed-emu wait`: exits 0 once a `serve` answers /_emu/health, so scripts and CI can start
// serve in the background and go on when it is ready (LocalStack's `wait`).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace emu::app {

int wait_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace emu::app
