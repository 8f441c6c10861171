// The import script's input: restaurant records as a JSON array or JSON lines.
#pragma once

#include <string>

#include "emulator/core/json.h"

namespace emu::bellyfed {

// The records of `path`; throws std::runtime_error naming the file (and line) on bad input.
json read_import_file(const std::string& path);

}  // namespace emu::bellyfed
