#include "emulator/functions/registry.h"

#include <stdexcept>

#include "emulator/core/error.h"

namespace emu::functions {

const std::vector<builtin_info>& builtins() {
  static const std::vector<builtin_info> list = {
      {"echo", true, "returns its event unchanged"},
      {"event-processor", true, "SQS records to standard RESTAURANT_IMPORT events (gateway requests: issue #6)"},
      {"dynamodb-import", true, "writes imported restaurants, menus and reviews to DynamoDB"},
      {"query-handler", false, "answers the gateway's queries from DynamoDB (issue #6)"},
      {"event-consumer", false, "projects outbox events into DynamoDB (issue #7)"},
  };
  return list;
}

registry::registry(runtime& rt) : rt_(rt) {
  add("echo", [](const json& event, const context&) { return event; });
}

void registry::add(const std::string& name, handler h, duration timeout) {
  functions_[name] = entry{std::move(h), timeout, 0, {}};
}

void registry::inject_failures(const std::string& name, int count, const std::string& message) {
  auto it = functions_.find(name);
  if (it == functions_.end())
    throw aws_error::resource_not_found("Function not found: " + name);
  it->second.failures_left = count;
  it->second.failure_message = message;
}

json registry::invoke(const std::string& name, const json& event, const std::string& trace_id) {
  auto it = functions_.find(name);
  if (it == functions_.end())
    throw aws_error::resource_not_found("Function not found: arn:aws:lambda:us-east-1:000000000000:function:" + name);
  context ctx{rt_.ids().uuid(), name, trace_id, rt_.clock().now() + it->second.timeout};
  auto cause = rt_.trace().record("invoke", "functions",
                                  {{"function", name}, {"request_id", ctx.request_id}, {"event", event}},
                                  trace_id);
  try {
    if (it->second.failures_left > 0) {
      --it->second.failures_left;
      throw std::runtime_error(it->second.failure_message);
    }
    json result = it->second.fn(event, ctx);
    rt_.trace().record("invoke.result", "functions", {{"function", name}, {"result", result}}, trace_id, cause);
    return result;
  } catch (const std::exception& e) {
    rt_.trace().record("invoke.error", "functions", {{"function", name}, {"error", e.what()}}, trace_id, cause);
    rt_.log().log(log_level::error, "functions", "invocation failed",
                  {{"function", name}, {"request_id", ctx.request_id}, {"error", e.what()}}, trace_id);
    throw;
  }
}

}  // namespace emu::functions
