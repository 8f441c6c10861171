// The project's JSON type. Ordered, because AWS documents have a key order clients see
// (EventBridge's envelope, error bodies) and because reports must be byte-identical run to run.
#pragma once

#include <nlohmann/json.hpp>

namespace emu {
using json = nlohmann::ordered_json;
}
