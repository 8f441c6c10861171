// The seed's standard event (see "Event Processor Lambda" in the seed):
//   {event_id, timestamp, event_type, source, version, trace_id, status, payload}
// The Event Processor builds it from SQS records and gateway requests; the Outbox Processor from
// outbox rows; it travels as the `detail` of the EventBridge event.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/json.h"

namespace emu {

struct standard_event {
  std::string event_id;
  std::string timestamp;  // ISO 8601, e.g. "2024-12-01T12:00:00.000Z"
  std::string event_type;
  std::string source;
  std::string version = "1.0";
  std::string trace_id;
  std::string status = "pending";
  json payload = nullptr;
};

// The Root of an X-Ray trace header ("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" →
// "1-5759e988-bd862e3fe1be46a994272793"), as X-Amzn-Trace-Id and AWSTraceHeader carry it; ""
// when there is none. Trace ids travel as this Root.
std::string trace_root(std::string_view header);

// Keys in the seed's order.
json to_json(const standard_event& e);
json to_json(standard_event&& e);  // the same, the payload moved rather than copied
// Every problem with `j` as a standard event, one message each, naming the field
// (e.g. "event_type: must be a non-empty string"). Empty when `j` is valid.
std::vector<std::string> validate_standard_event(const json& j);
// The same problems joined with "; " for one error message; "" when `j` is valid.
std::string standard_event_problems(const json& j);
// Throws aws_error::validation with all problems joined if `j` is not a valid standard event.
standard_event standard_event_from_json(const json& j);

}  // namespace emu
