// DynamoDB's API descriptor, for the edge router and the scenario `aws` step.
#pragma once

#include "emulator/core/api.h"
#include "emulator/dynamo/service.h"

namespace emu::dynamo {

api describe_api(service& db);

}  // namespace emu::dynamo
