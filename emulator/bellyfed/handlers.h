// BellyFed's built-in Lambda handlers (seed "Event Processor Lambda", Figure 1) and the
// permission-checked view of the emulated services each one gets: a function may only touch
// the tables, queues and buses its definition grants ("fine-grained IAM permissions"); anything
// else fails with AccessDeniedException, worded as IAM words it.
#pragma once

#include <string>
#include <vector>

#include "emulator/bus/service.h"
#include "emulator/core/event.h"
#include "emulator/core/json.h"
#include "emulator/core/permissions.h"
#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/dynamo/api.h"
#include "emulator/dynamo/service.h"
#include "emulator/functions/registry.h"
#include "emulator/sqs/service.h"

namespace emu::bellyfed {

class function_env {
 public:
  function_env(runtime& rt, const system_def& def, const function_def& fn, std::string stage, dynamo::service& db,
               sqs::service& sqs, bus::service& bus);

  // DynamoDB through the API (the request's table names must be granted).
  json dynamo(const std::string& action, json request);
  // The same for Query, Scan and GetItem, answering the wire text (stored items verbatim; see
  // dynamo::split_page_text and append_plain_item for reading it without a document).
  std::string dynamo_text(const std::string& action, json request);
  // SendMessage to a granted queue (stage-less name); returns the message id.
  std::string send_message(const std::string& queue, const std::string& body, const std::string& trace_id);
  // PutEvents of one entry onto a granted bus (stage-less name), its Detail given as the document.
  json put_event(const std::string& bus, const std::string& source, const std::string& detail_type, json detail,
                 const std::string& trace_id);
  std::string table(const std::string& stage_less) const { return resource_name(stage_less, stage_); }
  runtime& rt() { return rt_; }
  const std::string& name() const { return qualified_; }
  const std::string& stage() const { return stage_; }
  const system_def& definition() const { return def_; }

 private:
  runtime& rt_;
  const system_def& def_;
  permissions permissions_;  // what the function's definition lets it touch
  std::string stage_, qualified_;
  api dynamo_api_;  // the DynamoDB operations, guarded
  sqs::service& sqs_;
  bus::service& bus_;
};

// The built-ins a system definition may name in `builtin:` (BellyFed's handlers and `echo`).
struct builtin_info {
  std::string name;
  std::string summary;
};
const std::vector<builtin_info>& builtins();

// The handler for a `builtin:` name, or an empty handler for `echo` (the registry's own).
functions::handler make_builtin(const std::string& builtin, function_env& env);

// The Query Handler (seed Figure 2): answers GET_RESTAURANTS, GET_RESTAURANT,
// GET_RESTAURANT_MENU and GET_RESTAURANT_REVIEWS events with API Gateway proxy responses
// (query_handler.cc; the response shapes are in the README, "API Gateway").
functions::handler query_handler(function_env& env);

// The Event Consumer (seed Figure 3): outbox events from the bus into DynamoDB and the import
// queue, idempotently (event_consumer.cc).
functions::handler event_consumer(function_env& env);

// Review Stats: the Review table's stream records to each restaurant's review count and
// average rating on its FoodEstablishment item (review_stats.cc).
functions::handler review_stats(function_env& env);

// The standard event an EventBridge delivery carries in `detail` (seed: "EventBridge rules
// enforce event validation"): one that does not satisfy the schema is logged with the reason and
// fails the invocation (`who` names the handler in the error).
standard_event received_event(const json& delivery, const functions::context& ctx, const char* who);

// An API Gateway proxy response with a JSON body (the handlers' answers to gateway requests).
json proxy_response(int status, std::string json_body);

}  // namespace emu::bellyfed
