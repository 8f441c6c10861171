#include "emulator/system/definition.h"

#include "emulator/bellyfed/handlers.h"
#include "emulator/bellyfed/system.h"
#include "emulator/core/yaml_json.h"

namespace emu::system {

system_def load(const std::string& path) {
  std::string text, file = path.empty() ? "<built-in>/emulator/bellyfed/system.yaml" : path;
  if (path.empty()) {
    text = std::string(bellyfed::default_system_yaml);
  } else {
    text = read_yaml_file(path);
  }
  system_def def = load_system_def(text, file);
  for (const auto& f : def.functions) {
    if (f.builtin.empty()) continue;
    bool known = false;
    std::string names;
    for (const auto& b : bellyfed::builtins()) {
      known = known || b.name == f.builtin;
      names += (names.empty() ? "" : ", ") + b.name;
    }
    if (!known)
      throw load_error(file, f.line,
                       "functions." + f.name + ".builtin: unknown built-in '" + f.builtin + "' (known: " + names + ")");
  }
  return def;
}

std::vector<std::string> not_runnable(const system_def& def) {
  std::vector<std::string> out;
  for (const auto& f : def.functions) {
    if (!f.exec.empty())
      out.push_back("function " + f.name + " (exec: user code does not run in this build)");
    else if (!f.http.empty())
      out.push_back("function " + f.name + " (http: user code does not run in this build)");
  }
  return out;
}

std::string not_runnable_notice(const system_def& def) {
  auto missing = not_runnable(def);
  if (missing.empty()) return {};
  std::string s = "defined but not runnable in this build: ";
  for (std::size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
  return s;
}

}  // namespace emu::system
