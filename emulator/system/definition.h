// Loading a system definition: the compiled-in BellyFed one or a user's file, parsed, validated
// (core/system_def.h) and checked against the built-in functions this build has.
#pragma once

#include <string>
#include <vector>

#include "emulator/core/system_def.h"

namespace emu::system {

// Loads `path`, or the built-in definition when `path` is empty. Throws load_error.
system_def load(const std::string& path);

// The functions of `def` whose code or command cannot be found, one line each ("function F
// (runtime nodejs: handler file index.js not found in /app)"), for /_emu/health's
// `not_emulated`, serve's start-up warning, `run`'s notice and `check`; empty when all can run.
std::vector<std::string> not_runnable(const system_def& def);

// The same as one line for the user ("code not found: …"), or "".
std::string not_runnable_notice(const system_def& def);

}  // namespace emu::system
