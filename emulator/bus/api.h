// EventBridge's API descriptor: AWS JSON 1.1 under AWSEvents, error names without a prefix.
#pragma once

#include "emulator/bus/service.h"
#include "emulator/core/api.h"

namespace emu::bus {

api describe_api(service& bus);

}  // namespace emu::bus
