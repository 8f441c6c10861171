// The system definition and scenario loaders. The first byte picks which; the rest is the YAML.
// Every input must load or be refused with load_error (file:line) — no other exception, no
// crash, bounded time and memory (alias bombs, deep nesting).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "emulator/core/system_def.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/loader.h"
#include "emulator/system/definition.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    if (data[0] % 2 == 0) {
      (void)emu::load_system_def(text, "fuzz.yaml");
    } else {
      static const emu::system_def sys = emu::system::load("");
      static const emu::scenario::registry reg;
      static const std::string path = "/tmp/loaders_fuzz_" + std::to_string(getpid()) + ".yaml";
      {
        std::ofstream out(path, std::ios::trunc | std::ios::binary);
        out << text;
      }
      (void)emu::scenario::load_scenario(path, reg, sys);
    }
  } catch (const emu::load_error&) {}
  return 0;
}
