// The JSONPath subset captures use: `$`, `.name`, `['name']`, `[N]` (negative counts from the
// end), `[*]` (every element), and a final `.length()`.
#pragma once

#include <optional>
#include <string>

#include "emulator/core/json.h"

namespace emu {

// Returns an error message for a path outside the subset, or nullopt when it is valid.
std::optional<std::string> check_jsonpath(const std::string& path);
// Evaluates `path` against `root`; nullopt when nothing is there.
std::optional<json> eval_jsonpath(const json& root, const std::string& path);

}  // namespace emu
