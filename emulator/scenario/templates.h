// `${…}` templates in scenario strings: captured values and `vars` by name, and the built-ins
// `${stage}`, `${now}` (virtual ISO time), `${uuid}` (next seeded id) and `${env:NAME}`.
// A string that is exactly one template keeps the value's JSON type; otherwise values are
// spliced into the text. `$${` writes a literal `${`.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/json.h"

namespace emu::scenario {

// Names referenced by `${…}` in `text` (built-ins included). Throws std::invalid_argument for
// an unclosed `${`.
std::vector<std::string> template_names(const std::string& text);
// Every name referenced anywhere in `value` (strings and keys).
void collect_template_names(const json& value, std::vector<std::string>& out);

// Looks up one name; throws std::out_of_range for an unknown one.
using lookup_fn = std::function<json(const std::string& name)>;

json expand(const std::string& text, const lookup_fn& lookup);
json expand_all(const json& value, const lookup_fn& lookup);

// True for names the runner always knows: stage, now, uuid, api_key and env:*.
bool is_builtin_name(const std::string& name);

}  // namespace emu::scenario
