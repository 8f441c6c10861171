// SQS's API descriptor: AWS JSON 1.0 (current SDKs) and the query protocol (Debian's boto3 and
// AWS CLI) on the same operations. Queue URLs are built from the request's Host.
#pragma once

#include "emulator/core/api.h"
#include "emulator/core/runtime.h"
#include "emulator/sqs/service.h"

namespace emu::sqs {

// `rt` supplies the request ids of XML replies.
api describe_api(service& q, runtime& rt);

}  // namespace emu::sqs
