#include "emulator/bellyfed/system.h"

#include <fstream>
#include <sstream>

#include "emulator/core/yaml_json.h"
#include "emulator/functions/registry.h"

namespace emu::bellyfed {

system_def load_system(const std::string& path) {
  std::string text, file = path.empty() ? "<built-in>/emulator/bellyfed/system.yaml" : path;
  if (path.empty()) {
    text = std::string(default_system_yaml);
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw load_error(path, 0, "cannot read the system definition");
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  system_def def = load_system_def(text, file);
  for (const auto& f : def.functions) {
    if (f.builtin.empty()) continue;
    bool known = false;
    std::string names;
    for (const auto& b : functions::builtins()) {
      known = known || b.name == f.builtin;
      names += (names.empty() ? "" : ", ") + b.name;
    }
    if (!known)
      throw load_error(file, f.line, "functions." + f.name + ".builtin: unknown built-in '" + f.builtin +
                                         "' (known: " + names + ")");
  }
  return def;
}

const std::vector<std::string>& emulated_sections() {
  // functions: those whose built-in this build lacks are named by not_emulated_notice.
  static const std::vector<std::string> sections = {"tables", "queues", "buses", "rules", "functions", "mappings", "gateway", "outbox", "actions"};
  return sections;
}

std::string not_emulated_notice(const system_def& def) {
  auto missing = sections_not_emulated(def, emulated_sections());
  for (const auto& f : def.functions)
    for (const auto& b : functions::builtins())
      if (!f.builtin.empty() && b.name == f.builtin && !b.available) missing.push_back("function " + f.name + " (" + b.summary + ")");
  if (missing.empty()) return {};
  std::string s = "defined but not emulated yet: ";
  for (std::size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
  return s;
}

}  // namespace emu::bellyfed
