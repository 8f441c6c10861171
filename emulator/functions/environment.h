// One Lambda execution environment for user code: a process speaking the Lambda Runtime API
// (2018-06-01) to an endpoint of its own (AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT), one invocation
// at a time. It is started cold, kept warm between invocations, and declared dead on a crash,
// a timeout or an init error (the pool then starts a new one).
//
// Everything here runs in real time, outside the world lock: the caller releases the lock while
// `invoke` waits, so the function's own SDK calls back into the emulator are served meanwhile.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/functions/process.h"

namespace emu::functions {

// Lambda's largest synchronous response: "Exceeded maximum allowed payload size (6291556 bytes)."
inline constexpr std::size_t max_response_bytes = 6'291'556;

struct invocation_request {
  std::string request_id;
  std::string payload;  // the event, serialized
  std::string function_arn;
  std::string trace_header;  // Lambda-Runtime-Trace-Id, e.g. Root=1-…
  std::chrono::milliseconds timeout{3000};
};

struct invocation_outcome {
  bool ok = false;
  std::string body;        // the response, or the error document {errorType, errorMessage, …}
  std::string error_type;  // errors: errorType (Runtime.ExitError, Sandbox.Timedout, Error, …)
  std::string error_message;
  bool timed_out = false;
  double duration_ms = 0;
  std::optional<double> init_ms;  // set on the invocation that started the environment
  long max_memory_mb = 0;
  std::vector<std::string> output;  // lines the process printed since the last invocation ended
};

// Lambda's words for a timeout of `d`: "Task timed out after 3.00 seconds".
std::string timed_out_message(std::chrono::milliseconds d);
// An error the Lambda service reports itself (a timeout, an exit, a refused answer), worded as
// Lambda words them: errorMessage "RequestId: ID Error: MESSAGE".
invocation_outcome service_error(const invocation_request& req, std::string type, const std::string& message);

struct environment_options {
  spawn_spec spawn;  // without AWS_LAMBDA_RUNTIME_API, which the environment adds
  std::chrono::milliseconds init_timeout{10'000};
  std::size_t max_line_bytes = 256 * 1024;     // a CloudWatch event's limit
  std::size_t max_output_bytes = 1024 * 1024;  // kept per invocation; the rest is counted, dropped
};

class environment {
 public:
  // Starts the endpoint and the process. Throws std::runtime_error when the command cannot run.
  environment(environment_options opts, process_guard* guard);
  ~environment();
  environment(const environment&) = delete;
  environment& operator=(const environment&) = delete;

  // Hands the event to the runtime and waits for its answer, an error, the process's exit or
  // the timeout. Never throws for anything the process does.
  invocation_outcome invoke(const invocation_request& req);
  // False once the environment cannot take another invocation (exited, timed out, init failed).
  bool usable() const;
  // Ends the process now; an invocation in progress fails (Runtime.ExitError). Any thread.
  void shutdown();

 private:
  struct endpoint;
  void read_output();
  void watch_exit();
  std::vector<std::string> take_output();  // under mu_

  environment_options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  // State shared with the endpoint's handlers, the output reader and the exit watcher.
  stopwatch started_;
  bool initialized_ = false;  // the runtime asked for its first event
  std::optional<double> init_ms_;
  bool init_reported_ = false;
  std::optional<invocation_request> pending_;  // handed to the next GET …/next
  std::string current_id_;                     // delivered, not yet answered
  std::optional<stopwatch> delivered_;
  std::optional<invocation_outcome> answer_;
  std::optional<std::string> init_error_body_, init_error_type_;
  std::optional<std::string> exited_;  // "exit status 1", "signal: killed"
  bool dead_ = false;
  bool stopping_ = false;
  std::vector<std::string> output_;
  std::size_t output_bytes_ = 0, dropped_bytes_ = 0;
  bool reader_busy_ = false;  // the reader holds bytes it has not yet added to output_

  std::unique_ptr<endpoint> endpoint_;
  std::unique_ptr<child_process> child_;
  int stop_fds_[2] = {-1, -1};  // wakes the output reader when the environment ends
  std::thread reader_, watcher_;
};

}  // namespace emu::functions
