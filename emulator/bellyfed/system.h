// BellyFed's system definition (emulator/bellyfed/system.yaml), compiled in as the default.
#pragma once

#include <string_view>

namespace emu::bellyfed {

extern const std::string_view default_system_yaml;  // generated from system.yaml (cmake/embed.cmake)

}  // namespace emu::bellyfed
