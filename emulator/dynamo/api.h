// DynamoDB's API descriptor, for the edge router and the scenario `aws` step.
#pragma once

#include "emulator/core/api.h"
#include "emulator/dynamo/service.h"

namespace emu::dynamo {

api describe_api(service& db);
// DynamoDB Streams' (DynamoDBStreams_20120810, the same JSON 1.0 and error prefixes).
api describe_streams_api(service& db);

}  // namespace emu::dynamo
