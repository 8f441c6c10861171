// The function runtime: named functions invoked with an event and a context (request id,
// function name, deadline, a log), each invocation traced and logged into the function's
// CloudWatch-style log group (/aws/lambda/NAME: START, the handler's lines, END, REPORT).
// Built-in handlers run in no time, so timeouts happen only when a scenario injects them.
// User code (user_code.h) runs in real time while virtual time stands still: the registry
// releases the world lock around it (set_unlocker), so the code's own calls back into the
// emulator are served, and reports its real durations in REPORT.
// Not thread-safe: callers hold the runtime's world lock.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/core/histogram.h"
#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/functions/user_code.h"

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

// A function error from user code: what() is its errorMessage; `document` is what the runtime
// reported ({errorType, errorMessage, trace|stackTrace}), as Invoke would return it.
class function_error : public std::runtime_error {
 public:
  function_error(std::string type, const std::string& message, json document)
      : std::runtime_error(message), type_(std::move(type)), document_(std::move(document)) {}
  const std::string& type() const { return type_; }
  const json& document() const { return document_; }

 private:
  std::string type_;
  json document_;
};

// Runs a blocking wait with the world lock released (the caller holds it); see set_unlocker.
using unlocker = std::function<void(const std::function<void()>&)>;

// Lambda's asynchronous invocation settings of a function (PutFunctionEventInvokeConfig, and
// `async:` / `dead_letter_queue:` in the system definition). Destinations are ARNs of a queue,
// a bus or a function; empty means none.
struct async_config {
  int max_retries = 2;                                    // 0–2
  duration max_event_age = std::chrono::hours(6);         // 60 s – 6 h
  std::string on_success, on_failure, dead_letter_queue;  // ARNs
};

// Sends an asynchronous invocation's record to a destination or its event to a dead-letter
// queue: (ARN, payload, message attributes {name: {DataType, StringValue}} or {}, trace id).
using async_sender = std::function<void(const std::string& arn, const json& payload, const json& attributes,
                                        const std::string& trace_id)>;
// Told each attempt's outcome: the result, or the error message (the other is null).
using async_observer = std::function<void(const std::string& function, const std::string& trace_id,
                                          const shared_json& result, const std::string* error)>;

// What /metrics says of a function: its invocations (errors among them, with durations) and the
// invocations refused for its reserved concurrency.
struct function_stats {
  call_stats invocations;
  std::uint64_t throttles = 0;
};

class registry {
 public:
  // Has the generic built-in `echo` (returns its event); a system adds its own handlers.
  explicit registry(runtime& rt);

  ~registry();
  void add(const std::string& name, handler h, duration timeout = std::chrono::seconds(3));
  // A function whose code is the user's. Its processes are started on first use.
  void add_user(const std::string& name, user_code_spec spec, duration timeout, int memory_mb);
  // How user code waits without the world lock: serve releases the driver's lock, `run` the
  // lock its callback endpoint serves under. Without one, user code runs with the lock held
  // (its calls back into the emulator would have to wait).
  void set_unlocker(unlocker u) { unlocker_ = std::move(u); }
  // Where user code runs from: `guard_exe` is this program (/proc/self/exe), started as the
  // guard that kills user processes if the emulator dies (empty: none; they are still killed
  // whenever the emulator stops normally); `endpoint_url` becomes their AWS_ENDPOINT_URL. Call
  // before the first invocation.
  void set_host(const std::string& guard_exe, const std::string& endpoint_url);
  // The answer of user-code invocation `request_id` as it came, when it was not JSON (the
  // result invoke returned holds it as a string); once, and only for the latest few.
  std::optional<std::string> take_raw_result(const std::string& request_id);
  // Stops every user process; invocations in progress fail. Safe without the world lock once
  // the functions are set up (serve calls it when told to stop).
  void shutdown();
  // User-code functions (name → the function), for health reports.
  std::vector<std::string> user_functions() const;
  // Invocations of user code running now, and a wait (world lock released) until one ends.
  std::size_t in_flight() const { return in_flight_; }
  std::uint64_t completions() const;
  void wait_completion(std::uint64_t seen);
  bool has(const std::string& name) const { return functions_.count(name) > 0; }
  // Calls fn(name, stats) for each function, by name.
  void visit_stats(const std::function<void(const std::string&, const function_stats&)>& fn) const {
    for (const auto& [n, e] : functions_) fn(n, e.stats);
  }

  // Invokes `name`. Returns the handler's result. Throws aws_error ResourceNotFoundException for
  // an unknown function; a failing handler's error propagates after being traced.
  // `request_id` empty: a new one.
  json invoke(const std::string& name, const json& event, const std::string& trace_id = {},
              const std::string& request_id = {});
  // The same with the event and the result shared (the trace keeps both by reference).
  shared_json invoke_shared(const std::string& name, shared_json event, const std::string& trace_id = {},
                            const std::string& request_id = {});

  // Lambda's asynchronous invocation (Invoke with InvocationType Event; EventBridge targets):
  // queues the event and returns its request id; the invocation runs as a task due now. A
  // function error is retried (after 1 minute, then 2 minutes) up to max_retries while the
  // event is younger than max_event_age; a throttle is retried with backoff (1 s doubling to
  // 5 min) until then. Then the on-failure destination gets the invocation record, else the
  // dead-letter queue gets the event, else it is dropped; a success goes to on-success.
  // Throws ResourceNotFoundException for an unknown function (nothing is queued).
  std::string invoke_async(const std::string& name, shared_json event, const std::string& trace_id = {});
  std::string invoke_async(const std::string& name, const json& event, const std::string& trace_id = {}) {
    return invoke_async(name, share(event), trace_id);
  }
  void set_async_config(const std::string& name, async_config c);
  const async_config& async_config_of(const std::string& name) const;
  void set_async_sender(async_sender s) { async_sender_ = std::move(s); }
  void set_async_observer(async_observer o) { async_observer_ = std::move(o); }
  std::string arn_of(const std::string& name) const;
  void set_arn_prefix(std::string p) { arn_prefix_ = std::move(p); }  // arn:aws:lambda:REGION:ACCOUNT:function:

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
    std::shared_ptr<user_function> user;  // set for user code, instead of fn
    int memory_mb = 128;
    duration timeout;
    int failures_left = 0;
    std::string failure_message;
    int timeouts_left = 0;
    std::vector<log_line> log;
    async_config async;
    function_stats stats;
  };
  struct async_job;
  void run_async(const std::shared_ptr<async_job>& job);
  void async_failed(const async_job& job, const char* condition, const json& response);
  void append_log(entry& e, const std::string& request_id, std::string message);
  // An invocation's trace data: {"function": name} and, when given, "request_id".
  static std::string trace_data(const std::string& name, const std::string& request_id = {});
  // `seconds`: set to the code's own duration, as its REPORT line gives it.
  shared_json invoke_user(const std::string& name, entry& fn, const json& event, const context& ctx,
                          std::uint64_t cause, double& seconds);
  void outside_lock(const std::function<void()>& f);
  runtime& rt_;
  std::map<std::string, entry> functions_;
  unlocker unlocker_;
  async_sender async_sender_;
  async_observer async_observer_;
  std::string arn_prefix_ = "arn:aws:lambda:us-east-1:000000000000:function:";
  std::unique_ptr<process_guard> guard_;
  std::size_t in_flight_ = 0;
  std::vector<std::pair<std::string, std::string>> raw_results_;  // request id → non-JSON answer
  mutable std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::uint64_t completions_ = 0;
};

}  // namespace emu::functions
