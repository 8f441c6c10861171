// The SQS query protocol (Debian's boto3 1.26 and AWS CLI 2.9): flattened form parameters to the
// JSON 1.0 request shape, and JSON results to SQS's XML replies (research/sqs-apigw.md §1.2).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "emulator/core/json.h"

namespace emu::sqs {

inline constexpr const char* xml_namespace = "http://queue.amazonaws.com/doc/2012-11-05/";

// "Attribute.1.Name=X&Attribute.1.Value=Y&MessageAttribute.1.Value.DataType=…" → the JSON request.
json from_query(const std::vector<std::pair<std::string, std::string>>& params);
// `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…` for a JSON result.
std::string to_xml(const std::string& action, const json& result, const std::string& request_id);

}  // namespace emu::sqs
