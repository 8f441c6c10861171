// `bellyfed-emu import`: the BellyFed import script — every record of a JSON or JSON-lines file
// becomes one SQS message on the import queue, sent in batches of 10 to a running `serve`, or
// (--in-process) through the whole import flow in virtual time with a summary of the outcome.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace emu::app {

int import_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace emu::app
