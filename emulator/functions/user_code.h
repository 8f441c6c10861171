// Functions whose code is the user's: `runtime: nodejs|python` (run with the bootstraps in
// runtimes/, compiled into this binary), `exec:` (any program speaking the Lambda Runtime API)
// and `http:` (a server the user runs; the event is POSTed to it). Each keeps a pool of
// execution environments: started on first use, reused warm, one invocation at a time each,
// more when invocations overlap, up to the function's reserved concurrency.
//
// Thread-safe; `invoke` blocks in real time and is called with the world lock released.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/functions/environment.h"

namespace emu::functions {

struct user_code_spec {
  std::string name;               // the qualified function name, e.g. QueryHandler-dev
  std::string arn;                // arn:aws:lambda:REGION:ACCOUNT:function:NAME
  std::string kind;               // nodejs, python, exec or http
  std::vector<std::string> argv;  // exec
  std::string handler, code_dir;  // nodejs, python (code_dir is absolute)
  std::string url;                // http
  std::string cwd;                // exec: where the command runs
  std::vector<std::string> env;   // NAME=value, the whole environment (see lambda_environment)
  int reserved_concurrency = 10;
  std::chrono::milliseconds init_timeout{10'000};
};

// Lambda's defined runtime environment for a function, plus the definition's own variables.
struct environment_inputs {
  std::string function_name;
  int memory_mb = 128;
  std::string region;
  std::string handler;        // _HANDLER, for nodejs/python
  std::string task_root;      // LAMBDA_TASK_ROOT
  std::string execution_env;  // AWS_EXECUTION_ENV
  std::string endpoint_url;   // AWS_ENDPOINT_URL: the emulator, so the function's SDK calls come back
  std::string access_key_id;  // the function's own credentials
  std::vector<std::pair<std::string, std::string>> extra;  // the definition's `environment`
};
std::vector<std::string> lambda_environment(const environment_inputs& in);

// The argv that runs a shipped runtime's bootstrap ("nodejs" or "python").
std::vector<std::string> bootstrap_command(const std::string& runtime);

class user_function {
 public:
  user_function(user_code_spec spec, process_guard* guard) : spec_(std::move(spec)), guard_(guard) {}
  ~user_function();
  // Runs one invocation. Throws aws_error TooManyRequestsException when every environment the
  // reserved concurrency allows is busy; anything the code does is in the outcome.
  invocation_outcome invoke(const invocation_request& req);
  const user_code_spec& spec() const { return spec_; }
  // Ends every environment; invocations in progress fail. Any thread.
  void shutdown();
  // Environments started and alive now (for tests and /_emu/health).
  std::size_t environments() const;

 private:
  invocation_outcome invoke_http(const invocation_request& req);
  struct slot {
    std::unique_ptr<environment> env;
    bool busy = false;
  };
  user_code_spec spec_;
  process_guard* guard_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<slot>> pool_;
  int http_busy_ = 0;
  bool stopped_ = false;
};

}  // namespace emu::functions
