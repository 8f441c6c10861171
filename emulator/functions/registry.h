// The function runtime: named functions invoked with an event and a context (request id,
// function name, deadline, a log), each invocation traced and logged into the function's
// CloudWatch-style log group (/aws/lambda/NAME: START, the handler's lines, END, REPORT).
// Built-in handlers run in no time, so timeouts happen only when a scenario injects them.
// Not thread-safe: callers hold the runtime's world lock.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/core/runtime.h"

namespace emu::functions {

struct context {
  std::string request_id;
  std::string function_name;
  std::string trace_id;
  instant deadline;
  std::function<void(const std::string&)> log;  // a line in the function's log group
};

struct log_line {
  instant at;
  std::string request_id;
  std::string message;
};

// A handler returns the function's result or throws (aws_error or any std::exception) to fail.
using handler = std::function<json(const json& event, const context& ctx)>;

class registry {
 public:
  // Has the generic built-in `echo` (returns its event); a system adds its own handlers.
  explicit registry(runtime& rt);

  void add(const std::string& name, handler h, duration timeout = std::chrono::seconds(3));
  bool has(const std::string& name) const { return functions_.count(name) > 0; }

  // Invokes `name`. Returns the handler's result. Throws aws_error ResourceNotFoundException for
  // an unknown function; a failing handler's error propagates after being traced.
  json invoke(const std::string& name, const json& event, const std::string& trace_id = {});

  // Makes the next `count` invocations of `name` fail with `message` (scenario `fault` step).
  void inject_failures(const std::string& name, int count, const std::string& message);
  // Makes the next `count` invocations of `name` run past their timeout.
  void inject_timeouts(const std::string& name, int count);
  // The function's log group, oldest first (the newest max_log_lines).
  const std::vector<log_line>& logs(const std::string& name) const;
  std::vector<std::string> names() const;
  static constexpr std::size_t max_log_lines = 10'000;

 private:
  struct entry {
    handler fn;
    duration timeout;
    int failures_left = 0;
    std::string failure_message;
    int timeouts_left = 0;
    std::vector<log_line> log;
  };
  void append_log(entry& e, const std::string& request_id, std::string message);
  runtime& rt_;
  std::map<std::string, entry> functions_;
};

}  // namespace emu::functions
