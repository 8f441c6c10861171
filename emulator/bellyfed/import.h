// The import script's input: restaurant records as a JSON array or JSON lines.
#pragma once

#include <cstdint>
#include <string>

#include "emulator/core/json.h"

namespace emu::bellyfed {

// Import files are regular files of at most this size (100,000 restaurants take about 40 MB).
inline constexpr std::uintmax_t max_import_file_bytes = 512ull * 1024 * 1024;

// The records of `path`; throws std::runtime_error naming the file (and line) on bad input.
json read_import_file(const std::string& path);

}  // namespace emu::bellyfed
