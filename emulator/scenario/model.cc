#include "emulator/scenario/model.h"

#include "emulator/core/time_format.h"

namespace emu::scenario {

instant default_start() { return *parse_iso8601("2024-12-01T00:00:00Z"); }

}  // namespace emu::scenario
