#include "emulator/functions/registry.h"

#include <algorithm>
#include <stdexcept>

#include "emulator/core/error.h"

namespace emu::functions {

registry::registry(runtime& rt) : rt_(rt) {
  add("echo", [](const json& event, const context&) { return event; });
}

// User processes stop before the guard that would kill them if the emulator died.
registry::~registry() { functions_.clear(); }

void registry::add_user(const std::string& name, user_code_spec spec, duration timeout, int memory_mb) {
  entry e;
  e.user = std::make_shared<user_function>(std::move(spec), nullptr);
  e.timeout = timeout;
  e.memory_mb = memory_mb;
  functions_[name] = std::move(e);
}

void registry::set_host(const std::string& guard_exe, const std::string& endpoint_url) {
  if (!guard_exe.empty()) guard_ = std::make_unique<process_guard>(guard_exe);
  for (auto& [n, e] : functions_) {
    if (!e.user) continue;
    user_code_spec spec = e.user->spec();
    // The definition's own AWS_ENDPOINT_URL, if it sets one, wins.
    bool own = std::any_of(spec.env.begin(), spec.env.end(),
                           [](const std::string& v) { return v.starts_with("AWS_ENDPOINT_URL="); });
    if (!own && !endpoint_url.empty()) spec.env.push_back("AWS_ENDPOINT_URL=" + endpoint_url);
    e.user = std::make_shared<user_function>(std::move(spec), guard_.get());
  }
}

std::optional<std::string> registry::take_raw_result(const std::string& request_id) {
  for (auto it = raw_results_.begin(); it != raw_results_.end(); ++it)
    if (it->first == request_id) {
      std::string text = std::move(it->second);
      raw_results_.erase(it);
      return text;
    }
  return std::nullopt;
}

void registry::shutdown() {
  for (auto& [n, e] : functions_)
    if (e.user) e.user->shutdown();
}

std::vector<std::string> registry::user_functions() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : functions_)
    if (e.user) out.push_back(n);
  return out;
}

void registry::outside_lock(const std::function<void()>& f) {
  if (!unlocker_) return f();
  // Others do their work (with their own trace contexts) while the lock is released.
  trace_context mine = rt_.trace().current();
  rt_.trace().set_current({});
  try {
    unlocker_(f);
  } catch (...) {
    rt_.trace().set_current(std::move(mine));
    throw;
  }
  rt_.trace().set_current(std::move(mine));
}

std::uint64_t registry::completions() const {
  std::lock_guard lock(done_mu_);
  return completions_;
}

void registry::wait_completion(std::uint64_t seen) {
  outside_lock([&] {
    std::unique_lock lock(done_mu_);
    done_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return completions_ != seen; });
  });
}

namespace {

std::string two_decimals(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

std::string registry::trace_data(const std::string& name, const std::string& request_id) {
  std::string data;
  object_text o(data);
  o.string("function", name);
  if (!request_id.empty()) o.string("request_id", request_id);
  o.close();
  return data;
}

shared_json registry::invoke_user(const std::string& name, entry& fn, const json& event, const context& ctx,
                                  std::uint64_t cause, double& seconds) {
  const std::string& rid = ctx.request_id;
  invocation_request req;
  req.request_id = rid;
  req.payload = event.dump();
  req.function_arn = fn.user->spec().arn;
  // Parent is this invocation's trace entry: the code's own calls (its SDK sends the header)
  // name it as their cause.
  char parent[17];
  std::snprintf(parent, sizeof parent, "%016llx", (unsigned long long)cause);
  req.trace_header = (ctx.trace_id.empty() ? "" : "Root=" + ctx.trace_id + ";") + "Parent=" + parent + ";Sampled=0";
  req.timeout = fn.timeout;
  invocation_outcome out;
  std::optional<aws_error> refused;
  ++in_flight_;
  auto user = fn.user;  // the entry may be replaced (set_host) while the lock is released
  outside_lock([&] {
    try {
      out = user->invoke(req);
    } catch (const aws_error& e) {
      refused = e;
    }
  });
  --in_flight_;
  {
    std::lock_guard lock(done_mu_);
    ++completions_;
  }
  done_cv_.notify_all();
  if (refused) {
    rt_.trace().record("invoke.error", "functions", {{"function", name}, {"error", refused->message()}}, ctx.trace_id,
                       cause);
    throw *refused;
  }
  seconds = out.duration_ms / 1000.0;
  for (auto& line : out.output) append_log(fn, rid, std::move(line));
  if (!out.ok && (out.timed_out || out.error_type.starts_with("Runtime.") || out.error_type.starts_with("Function.")))
    append_log(fn, rid, out.error_message + "\n" + out.error_type);
  append_log(fn, rid, "END RequestId: " + rid);
  long billed = std::max(1L, long(out.duration_ms + 0.999));
  std::string report = "REPORT RequestId: " + rid + "\tDuration: " + two_decimals(out.duration_ms) +
                       " ms\tBilled Duration: " + std::to_string(billed) +
                       " ms\tMemory Size: " + std::to_string(fn.memory_mb) +
                       " MB\tMax Memory Used: " + std::to_string(out.max_memory_mb) + " MB";
  if (out.init_ms) report += "\tInit Duration: " + two_decimals(*out.init_ms) + " ms";
  append_log(fn, rid, report);
  if (out.ok) {
    json result = json::parse(out.body, nullptr, false);
    if (result.is_discarded()) {
      // Not JSON: the bytes, as a string, to the event sources; Invoke answers the bytes as
      // they were (take_raw_result), as Lambda does.
      result = out.body;
      raw_results_.emplace_back(rid, out.body);
      if (raw_results_.size() > 16) raw_results_.erase(raw_results_.begin());
    }
    shared_json shared = share(std::move(result));
    rt_.trace().record_with("invoke.result", "functions", trace_data(name), "result", shared, ctx.trace_id, cause);
    return shared;
  }
  json doc = json::parse(out.body, nullptr, false);
  if (doc.is_discarded()) doc = json{{"errorType", out.error_type}, {"errorMessage", out.error_message}};
  rt_.trace().record("invoke.error", "functions",
                     {{"function", name}, {"error", out.error_message}, {"error_type", out.error_type}}, ctx.trace_id,
                     cause);
  rt_.log().log(log_level::error, "functions", "invocation failed",
                {{"function", name}, {"request_id", rid}, {"error_type", out.error_type}, {"error", out.error_message}},
                ctx.trace_id);
  throw function_error(out.error_type, out.error_message, doc);
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

std::string registry::arn_of(const std::string& name) const { return arn_prefix_ + name; }

json registry::invoke(const std::string& name, const json& event, const std::string& trace_id,
                      const std::string& request_id) {
  return *invoke_shared(name, share(event), trace_id, request_id);
}

shared_json registry::invoke_shared(const std::string& name, shared_json event_ptr, const std::string& trace_id_in,
                                    const std::string& request_id) {
  const json& event = *event_ptr;
  const std::string trace_id = trace_id_in.empty() ? rt_.trace().current().trace_id : trace_id_in;
  auto it = functions_.find(name);
  if (it == functions_.end()) throw aws_error::resource_not_found("Function not found: " + arn_of(name));
  entry& fn = it->second;
  context ctx{request_id.empty() ? rt_.ids().uuid() : request_id, name, trace_id, rt_.clock().now() + fn.timeout,
              nullptr};
  std::string rid = ctx.request_id;
  ctx.log = [this, &fn, rid](const std::string& line) { append_log(fn, rid, line); };
  auto cause =
      rt_.trace().record_with("invoke", "functions", trace_data(name, ctx.request_id), "event", event_ptr, trace_id);
  trace_scope scope(rt_.trace(), {trace_id, cause});  // what the handler does, it does for this invocation
  // Counted when the invocation ends: an error if it throws, a throttle (not an invocation) if
  // user code had no execution environment free.
  struct tally {
    function_stats& s;
    runtime& rt;
    std::int64_t started;
    int uncaught = std::uncaught_exceptions();
    double seconds = -1;  // user code's own duration; else the clock's
    bool throttled = false;
    ~tally() {
      if (throttled) {
        ++s.throttles;
        return;
      }
      ++s.invocations.calls;
      if (std::uncaught_exceptions() > uncaught) ++s.invocations.errors;
      s.invocations.duration.observe(seconds >= 0 ? seconds : seconds_between(started, rt.clock().ticks_ns()));
    }
  } counted{fn.stats, rt_, rt_.clock().ticks_ns()};
  if (rt_.log().enabled(log_level::debug))
    rt_.log().log(log_level::debug, "functions", "invoking",
                  {{"function", name}, {"request_id", rid}, {"kind", fn.user ? "user code" : "built-in"}}, trace_id);
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
      std::string why = timed_out_message(fn.timeout);
      append_log(fn, rid, rid + " " + why);
      finish("timeout");
      rt_.trace().record("invoke.error", "functions", {{"function", name}, {"error", why}}, trace_id, cause);
      timed_out = true;
      throw std::runtime_error(why);
    }
    if (fn.failures_left > 0) {
      --fn.failures_left;
      throw std::runtime_error(fn.failure_message);
    }
    if (fn.user) try {
        return invoke_user(name, fn, event, ctx, cause, counted.seconds);
      } catch (const aws_error& e) {
        counted.throttled = e.type() == "TooManyRequestsException";
        throw;
      }
    shared_json result = share(fn.fn(event, ctx));
    finish("ok");
    rt_.trace().record_with("invoke.result", "functions", trace_data(name), "result", result, trace_id, cause);
    return result;
  } catch (const function_error&) {
    throw;  // user code: logged and traced by invoke_user
  } catch (const std::exception& e) {
    if (timed_out || (fn.user && dynamic_cast<const aws_error*>(&e))) throw;
    append_log(fn, rid, "ERROR Invoke Error " + json{{"errorType", "Error"}, {"errorMessage", e.what()}}.dump());
    finish("error");
    rt_.trace().record("invoke.error", "functions", {{"function", name}, {"error", e.what()}}, trace_id, cause);
    rt_.log().log(log_level::error, "functions", "invocation failed",
                  {{"function", name}, {"request_id", ctx.request_id}, {"error", e.what()}}, trace_id);
    throw;
  }
}

}  // namespace emu::functions
