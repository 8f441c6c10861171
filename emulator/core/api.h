// One AWS API as everything that calls it sees it: how a request names it (X-Amz-Target prefix,
// the query protocol's Action=), how its errors are written, and its operations — each with one
// signature and its input guard inside, so no caller has to remember one. serve's edge router and
// the scenario `aws` step dispatch through the same descriptors (emulator/system/apis.cc lists
// them); each service folder describes its own API (dynamo/api.cc, sqs/api.cc, bus/api.cc).
// Plain C++: no HTTP library here, so a descriptor is callable without sockets.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/error.h"
#include "emulator/core/json.h"

namespace emu {

// AWS JSON protocol versions, as sent in Content-Type.
enum class json_protocol { v1_0, v1_1 };

// What an operation may need of the request that carried it, besides its input.
struct api_call {
  std::string host;                      // the Host header (SQS builds queue URLs from it); "" off the wire
  std::optional<instant> poll_deadline;  // set when the server retries a long poll (emu::poll_later)
  std::string access_key;                // the signature's access key id (Authorization: … Credential=KEY/…)
  // What the operation's `prepare` made of this input before the world lock was taken; null
  // when it has none (or off the wire). It may point into the input, which the operation checks.
  std::shared_ptr<const void> prepared;
};

using api_operation = std::function<json(json input, const api_call& call)>;
// Work an operation does on its input alone (checks, scans), which the edge does before it takes
// the world lock, so that the lock is held for less: a function of `input` only, which must not
// touch the world. Its result reaches the operation as api_call::prepared.
using api_prepare = std::function<std::shared_ptr<const void>(const json& input)>;
// An operation that answers JSON text itself (DynamoDB reads copy stored items verbatim).
using api_text_operation = std::function<std::string(json input, const api_call& call)>;
using form_params = std::vector<std::pair<std::string, std::string>>;

// The AWS query protocol (form `Action=…` in, XML out), for APIs that speak it too (SQS).
struct query_dialect {
  std::string xmlns;  // the namespace of its XML replies and errors
  // The decoded parameters (and the request path: older SDKs post to a resource's URL) → the
  // operation's JSON input.
  std::function<json(const form_params& params, const std::string& path, const api_call& call)> decode;
  // The operation's JSON output → the XML reply.
  std::function<std::string(const std::string& action, const json& output)> encode;
};

struct api {
  std::string name;           // the scenario `aws` step's `service:` ("dynamodb", "sqs", "events")
  std::string target_prefix;  // "DynamoDB_20120810" in `X-Amz-Target: DynamoDB_20120810.GetItem`
  json_protocol protocol = json_protocol::v1_0;
  std::string error_type_prefix;  // written before an error's name in `__type`, e.g. "com.amazonaws.sqs#"
  std::map<std::string, std::string> error_type_prefixes;  // error name → another prefix for it
  bool crc32_header = false;                               // answer with `x-amz-crc32` (SDKs verify it)
  std::map<std::string, api_operation> operations;         // by operation name
  // Wire shortcuts for some of `operations` (same answers, as text); checked first by the edge.
  std::map<std::string, api_text_operation> text_operations;
  std::map<std::string, api_prepare> prepare;  // for some of `operations`, by name
  std::optional<query_dialect> query;
  // Called before every operation the edge dispatches (JSON, text or query): throws
  // AccessDeniedException when the caller may not make the call (user code signs with its
  // function's credentials and is held to the function's permissions). Unset: anyone may.
  std::function<void(const std::string& operation, const json& input, const api_call& call)> authorize;

  // "A, B, C": the operation names, for error messages.
  std::string operation_names() const {
    std::string out;
    for (const auto& [n, op] : operations) out += (out.empty() ? "" : ", ") + n;
    return out;
  }
};

// Runs an operation so that a member of the wrong JSON type anywhere in the request (which the
// operation's own checks may miss deep inside) becomes AWS's SerializationException instead of
// escaping as an internal error. The guard inside the JSON APIs' operations (SQS answers its own
// InvalidParameterValue instead).
template <class F>
auto serialization_guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + e.what());
  }
}

}  // namespace emu
