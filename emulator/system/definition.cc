#include "emulator/system/definition.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

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

namespace {

bool is_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

// `command` as execvp would find it: a path (with a slash) or a name on PATH.
bool findable(const std::string& command) {
  if (command.find('/') != std::string::npos) return access(command.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    auto next = dirs.find(':', pos);
    if (next == std::string::npos) next = dirs.size();
    std::string dir = next > pos ? dirs.substr(pos, next - pos) : ".";
    if (access((dir + "/" + command).c_str(), X_OK) == 0 && is_file(dir + "/" + command)) return true;
    pos = next + 1;
  }
  return false;
}

// Why the function's code cannot run, or "".
std::string missing_code(const function_def& f) {
  if (!f.exec.empty()) {
    if (!findable(f.exec[0]))
      return f.exec[0].find('/') != std::string::npos ? f.exec[0] + " is not an executable file"
                                                      : f.exec[0] + " is not on PATH";
    return {};
  }
  if (f.runtime.empty()) return {};
  const char* interpreter = f.runtime == "nodejs" ? "node" : "python3";
  if (!findable(interpreter)) return std::string(interpreter) + " is not on PATH";
  std::error_code ec;
  if (!std::filesystem::is_directory(f.code, ec)) return "code directory " + f.code + " does not exist";
  std::string module = f.handler.substr(0, f.handler.rfind('.'));
  std::filesystem::path base = std::filesystem::path(f.code);
  if (f.runtime == "nodejs") {
    for (const char* ext : {".js", ".mjs", ".cjs", ""})
      if (is_file(base / (module + ext))) return {};
    return "handler file " + module + ".js (or .mjs, .cjs) not found in " + f.code;
  }
  std::string rel = module;
  for (auto& c : rel)
    if (c == '.') c = '/';
  if (is_file(base / (rel + ".py")) || is_file(base / rel / "__init__.py")) return {};
  return "handler module " + rel + ".py not found in " + f.code;
}

}  // namespace

std::vector<std::string> not_runnable(const system_def& def) {
  std::vector<std::string> out;
  for (const auto& f : def.functions) {
    std::string why = missing_code(f);
    if (!why.empty())
      out.push_back("function " + f.name + " (" + (f.exec.empty() ? "runtime " + f.runtime : "exec") + ": " + why +
                    ")");
  }
  return out;
}

std::string not_runnable_notice(const system_def& def) {
  auto missing = not_runnable(def);
  if (missing.empty()) return {};
  std::string s = "code not found: ";
  for (std::size_t i = 0; i < missing.size(); ++i) s += (i ? ", " : "") + missing[i];
  return s;
}

}  // namespace emu::system
