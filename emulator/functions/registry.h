// The function runtime (first cut): named functions invoked with an event and a context,
// each invocation traced. Today it holds the built-in `echo` function, which returns its event;
// the full runtime (system-defined functions, exec/http targets, timeouts, permissions, logs)
// arrives with issue #5. Not thread-safe: callers hold the runtime's world lock.
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
};

// A handler returns the function's result or throws (aws_error or any std::exception) to fail.
using handler = std::function<json(const json& event, const context& ctx)>;

// The built-ins a system definition may name in `builtin:`, and whether this build has them.
struct builtin_info {
  std::string name;
  bool available;
  std::string summary;
};
const std::vector<builtin_info>& builtins();

class registry {
 public:
  explicit registry(runtime& rt);

  void add(const std::string& name, handler h, duration timeout = std::chrono::seconds(3));
  bool has(const std::string& name) const { return functions_.count(name) > 0; }

  // Invokes `name`. Returns the handler's result. Throws aws_error ResourceNotFoundException for
  // an unknown function; a failing handler's error propagates after being traced.
  json invoke(const std::string& name, const json& event, const std::string& trace_id = {});

  // Makes the next `count` invocations of `name` fail with `message` (scenario `fault` step).
  void inject_failures(const std::string& name, int count, const std::string& message);

 private:
  struct entry {
    handler fn;
    duration timeout;
    int failures_left = 0;
    std::string failure_message;
  };
  runtime& rt_;
  std::map<std::string, entry> functions_;
};

}  // namespace emu::functions
