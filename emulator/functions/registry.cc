#include "emulator/functions/registry.h"

#include <stdexcept>

#include "emulator/core/error.h"

namespace emu::functions {

registry::registry(runtime& rt) : rt_(rt) {
  add("echo", [](const json& event, const context&) { return event; });
}

void registry::add(const std::string& name, handler h, duration timeout) {
  entry e;
  e.fn = std::move(h);
  e.timeout = timeout;
  functions_[name] = std::move(e);
}

void registry::inject_timeouts(const std::string& name, int count) {
  auto it = functions_.find(name);
  if (it == functions_.end()) throw aws_error::resource_not_found("Function not found: " + name);
  it->second.timeouts_left = count;
}

const std::vector<log_line>& registry::logs(const std::string& name) const {
  static const std::vector<log_line> none;
  auto it = functions_.find(name);
  return it == functions_.end() ? none : it->second.log;
}

std::vector<std::string> registry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : functions_) out.push_back(n);
  return out;
}

void registry::append_log(entry& e, const std::string& request_id, std::string message) {
  if (e.log.size() >= max_log_lines) e.log.erase(e.log.begin(), e.log.begin() + max_log_lines / 2);
  e.log.push_back({rt_.clock().now(), request_id, std::move(message)});
}

void registry::inject_failures(const std::string& name, int count, const std::string& message) {
  auto it = functions_.find(name);
  if (it == functions_.end()) throw aws_error::resource_not_found("Function not found: " + name);
  it->second.failures_left = count;
  it->second.failure_message = message;
}

json registry::invoke(const std::string& name, const json& event, const std::string& trace_id) {
  auto it = functions_.find(name);
  if (it == functions_.end())
    throw aws_error::resource_not_found("Function not found: arn:aws:lambda:us-east-1:000000000000:function:" + name);
  entry& fn = it->second;
  context ctx{rt_.ids().uuid(), name, trace_id, rt_.clock().now() + fn.timeout, nullptr};
  std::string rid = ctx.request_id;
  ctx.log = [this, &fn, rid](const std::string& line) { append_log(fn, rid, line); };
  auto cause = rt_.trace().record("invoke", "functions",
                                  {{"function", name}, {"request_id", ctx.request_id}, {"event", event}}, trace_id);
  append_log(fn, rid, "START RequestId: " + rid + " Version: $LATEST");
  auto finish = [&](const char* status) {
    append_log(fn, rid, "END RequestId: " + rid);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(fn.timeout).count();
    append_log(fn, rid,
               "REPORT RequestId: " + rid +
                   "\tDuration: " + (std::string(status) == "timeout" ? std::to_string(ms) + ".00" : "0.00") +
                   " ms\tBilled Duration: " + (std::string(status) == "timeout" ? std::to_string(ms) : "1") + " ms");
  };
  bool timed_out = false;
  try {
    if (fn.timeouts_left > 0) {
      --fn.timeouts_left;
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f",
                    double(std::chrono::duration_cast<std::chrono::milliseconds>(fn.timeout).count()) / 1000.0);
      std::string msg = rid + " Task timed out after " + secs + " seconds";
      append_log(fn, rid, msg);
      finish("timeout");
      rt_.trace().record("invoke.error", "functions",
                         {{"function", name}, {"error", "Task timed out after " + std::string(secs) + " seconds"}},
                         trace_id, cause);
      timed_out = true;
      throw std::runtime_error("Task timed out after " + std::string(secs) + " seconds");
    }
    if (fn.failures_left > 0) {
      --fn.failures_left;
      throw std::runtime_error(fn.failure_message);
    }
    json result = fn.fn(event, ctx);
    finish("ok");
    rt_.trace().record("invoke.result", "functions", {{"function", name}, {"result", result}}, trace_id, cause);
    return result;
  } catch (const std::exception& e) {
    if (timed_out) throw;
    append_log(fn, rid, "ERROR Invoke Error " + json{{"errorType", "Error"}, {"errorMessage", e.what()}}.dump());
    finish("error");
    rt_.trace().record("invoke.error", "functions", {{"function", name}, {"error", e.what()}}, trace_id, cause);
    rt_.log().log(log_level::error, "functions", "invocation failed",
                  {{"function", name}, {"request_id", ctx.request_id}, {"error", e.what()}}, trace_id);
    throw;
  }
}

}  // namespace emu::functions
