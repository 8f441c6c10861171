// The BellyFed system definition: the compiled-in default (emulator/bellyfed/system.yaml) or a
// user's file, loaded, validated, and checked against the built-in functions this build has.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/system_def.h"

namespace emu::bellyfed {

extern const std::string_view default_system_yaml;

// Loads `path`, or the built-in definition when `path` is empty. Throws load_error.
system_def load_system(const std::string& path);

// The system definition's sections that this build emulates. Everything else is parsed and
// validated, then reported as "not emulated yet".
const std::vector<std::string>& emulated_sections();

// One line for the user: "not emulated yet: tables (3), queues (2), …", or empty.
std::string not_emulated_notice(const system_def& def);

}  // namespace emu::bellyfed
