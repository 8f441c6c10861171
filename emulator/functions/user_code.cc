#include "emulator/functions/user_code.h"

#include <httplib.h>

#include "emulator/core/error.h"
#include "emulator/core/json.h"

namespace emu::functions {

extern const std::string_view node_bootstrap;
extern const std::string_view python_bootstrap;

std::vector<std::string> bootstrap_command(const std::string& runtime) {
  if (runtime == "nodejs") return {"node", "--input-type=module", "-e", std::string(node_bootstrap)};
  if (runtime == "python") return {"python3", "-c", std::string(python_bootstrap)};
  return {};
}

std::vector<std::string> lambda_environment(const environment_inputs& in) {
  std::vector<std::pair<std::string, std::string>> vars = {
      {"PATH",
       [] {
         const char* p = std::getenv("PATH");
         return std::string(p ? p : "/usr/local/bin:/usr/bin:/bin");
       }()},
      {"LANG", "en_US.UTF-8"},
      {"TZ", ":UTC"},
      {"AWS_REGION", in.region},
      {"AWS_DEFAULT_REGION", in.region},
      {"AWS_LAMBDA_FUNCTION_NAME", in.function_name},
      {"AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"},
      {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(in.memory_mb)},
      {"AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"},
      {"AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + in.function_name},
      {"AWS_LAMBDA_LOG_STREAM_NAME", "$LATEST/" + in.function_name},
      {"AWS_ACCESS_KEY_ID", in.access_key_id},
      {"AWS_SECRET_ACCESS_KEY", "bellyfed-emu-secret"},
      {"AWS_SESSION_TOKEN", "bellyfed-emu-session"},
      {"AWS_ENDPOINT_URL", in.endpoint_url},
      {"PYTHONUNBUFFERED", "1"},
  };
  if (const char* home = std::getenv("HOME")) vars.emplace_back("HOME", home);
  if (!in.handler.empty()) vars.emplace_back("_HANDLER", in.handler);
  if (!in.task_root.empty()) vars.emplace_back("LAMBDA_TASK_ROOT", in.task_root);
  if (!in.execution_env.empty()) vars.emplace_back("AWS_EXECUTION_ENV", in.execution_env);
  // The definition's variables come last and win, as a function's configuration does.
  for (const auto& [k, v] : in.extra) {
    bool replaced = false;
    for (auto& [name, value] : vars)
      if (name == k) value = v, replaced = true;
    if (!replaced) vars.emplace_back(k, v);
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : vars)
    if (!v.empty()) out.push_back(k + "=" + v);
  return out;
}

user_function::~user_function() {
  std::lock_guard lock(mu_);
  pool_.clear();
}

void user_function::shutdown() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  for (auto& s : pool_)
    if (s->env) s->env->shutdown();
}

std::size_t user_function::environments() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& s : pool_)
    if (s->env && s->env->usable()) ++n;
  return n;
}

namespace {

aws_error throttled() { return aws_error("TooManyRequestsException", "Rate Exceeded.", 429); }

}  // namespace

invocation_outcome user_function::invoke(const invocation_request& req) {
  if (spec_.kind == "http") return invoke_http(req);
  slot* s = nullptr;
  {
    std::lock_guard lock(mu_);
    // Dead environments go; an idle warm one is reused; else a new one if the limit allows.
    if (stopped_) return service_error(req, "Runtime.ExitError", "Runtime exited with error: the emulator is stopping");
    std::erase_if(pool_, [](const std::unique_ptr<slot>& x) { return !x->busy && (!x->env || !x->env->usable()); });
    for (auto& x : pool_)
      if (!x->busy) {
        s = x.get();
        break;
      }
    if (!s) {
      if (int(pool_.size()) >= spec_.reserved_concurrency) throw throttled();
      pool_.push_back(std::make_unique<slot>());
      s = pool_.back().get();
    }
    s->busy = true;
  }
  struct release {
    user_function& f;
    slot* s;
    ~release() {
      std::lock_guard lock(f.mu_);
      s->busy = false;
    }
  } done{*this, s};
  environment* env = nullptr;
  {
    std::lock_guard lock(mu_);
    env = s->env.get();
  }
  if (!env) {
    environment_options opts;
    opts.spawn.argv = spec_.kind == "exec" ? spec_.argv : bootstrap_command(spec_.kind);
    opts.spawn.env = spec_.env;
    opts.spawn.cwd = spec_.kind == "exec" ? spec_.cwd : spec_.code_dir;
    opts.init_timeout = spec_.init_timeout;
    std::unique_ptr<environment> fresh;
    try {
      fresh = std::make_unique<environment>(std::move(opts), guard_);
    } catch (const std::exception& e) {
      return service_error(req, "Runtime.InvalidEntrypoint", e.what());
    }
    std::lock_guard lock(mu_);
    if (stopped_) fresh->shutdown();
    s->env = std::move(fresh);
    env = s->env.get();
  }
  return env->invoke(req);
}

invocation_outcome user_function::invoke_http(const invocation_request& req) {
  {
    std::lock_guard lock(mu_);
    if (http_busy_ >= spec_.reserved_concurrency) throw throttled();
    ++http_busy_;
  }
  struct release {
    user_function& f;
    ~release() {
      std::lock_guard lock(f.mu_);
      --f.http_busy_;
    }
  } done{*this};
  // http://host:port/path → client and path.
  std::string rest = spec_.url.substr(7);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash), path = slash == std::string::npos ? "/" : rest.substr(slash);
  httplib::Client client("http://" + authority);
  auto secs = req.timeout.count() / 1000, usecs = (req.timeout.count() % 1000) * 1000;
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(5);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  httplib::Headers headers = {{"Lambda-Runtime-Aws-Request-Id", req.request_id},
                              {"Lambda-Runtime-Invoked-Function-Arn", req.function_arn},
                              {"Lambda-Runtime-Deadline-Ms", std::to_string(wall_unix_ms() + req.timeout.count())}};
  if (!req.trace_header.empty()) headers.emplace("Lambda-Runtime-Trace-Id", req.trace_header);
  stopwatch watch;
  auto res = client.Post(path, headers, req.payload, "application/json");
  invocation_outcome o;
  if (!res) {
    if (res.error() == httplib::Error::Read && watch.elapsed_ms() >= double(req.timeout.count())) {
      o = service_error(req, "Sandbox.Timedout", timed_out_message(req.timeout));
      o.timed_out = true;
    } else {
      o = service_error(req, "Runtime.Unavailable",
                        "cannot reach " + spec_.url + ": " + httplib::to_string(res.error()));
    }
  } else if (res->body.size() > max_response_bytes) {
    o = service_error(req, "Function.ResponseSizeTooLarge",
                      "Response payload size exceeded maximum allowed payload size (6291556 bytes).");
  } else {
    json doc = json::parse(res->body, nullptr, false);
    bool error_doc = doc.is_object() && doc.contains("errorType") && doc.contains("errorMessage") &&
                     doc.size() <= 4;  // {errorType, errorMessage, stackTrace|trace, requestId}
    if (res->status < 200 || res->status > 299 || res->has_header("X-Amz-Function-Error") || error_doc) {
      o.error_type = error_doc && doc["errorType"].is_string() ? doc["errorType"].get<std::string>() : "Unhandled";
      o.error_message = error_doc && doc["errorMessage"].is_string()
                            ? doc["errorMessage"].get<std::string>()
                            : spec_.url + " answered " + std::to_string(res->status);
      o.body = error_doc ? res->body : json{{"errorType", o.error_type}, {"errorMessage", o.error_message}}.dump();
    } else {
      o.ok = true;
      o.body = res->body;
    }
  }
  o.duration_ms = watch.elapsed_ms();
  return o;
}

}  // namespace emu::functions
