#include "emulator/functions/environment.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <climits>
#include <cstdio>

#include <httplib.h>

#include "emulator/core/json.h"

namespace emu::functions {
namespace {

const char* const api_prefix = "/2018-06-01/runtime";

void answer_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  res.set_content(json{{"errorMessage", message}, {"errorType", type}}.dump(), "application/json");
}

void answer_accepted(httplib::Response& res) {
  res.status = 202;
  res.set_content(R"({"status":"OK"})", "application/json");
}

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", double(d.count()) / 1000.0);
  return buf;
}

// What an answer over Lambda's limit becomes (announced by Content-Length, or read).
invocation_outcome response_too_large() {
  invocation_outcome o;
  o.error_type = "Function.ResponseSizeTooLarge";
  o.error_message = "Response payload size exceeded maximum allowed payload size (6291556 bytes).";
  o.body = json{{"errorMessage", o.error_message}, {"errorType", o.error_type}}.dump();
  return o;
}

// The error document a runtime posted: kept as is when it is a JSON object, else built from the
// Lambda-Runtime-Function-Error-Type header (the Runtime API's rule for unreadable payloads).
json error_document(const std::string& body, const std::string& header_type) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_object() && !doc.is_discarded()) return doc;
  std::string type = header_type.empty() ? "Unhandled" : header_type;
  return json{{"errorMessage", body.empty() ? type : body.substr(0, 4096)}, {"errorType", type}};
}

}  // namespace

std::string timed_out_message(std::chrono::milliseconds d) {
  return "Task timed out after " + seconds_text(d) + " seconds";
}

invocation_outcome service_error(const invocation_request& req, std::string type, const std::string& message) {
  invocation_outcome o;
  o.error_type = std::move(type);
  o.error_message = "RequestId: " + req.request_id + " Error: " + message;
  o.body = json{{"errorType", o.error_type}, {"errorMessage", o.error_message}}.dump();
  return o;
}

struct environment::endpoint {
  httplib::Server server;
  std::thread thread;
  int port = 0;

  ~endpoint() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
};

environment::environment(environment_options opts, process_guard* guard) : opts_(std::move(opts)) {
  if (pipe2(stop_fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe: cannot create");
  endpoint_ = std::make_unique<endpoint>();
  auto& svr = endpoint_->server;
  svr.new_task_queue = [] { return new httplib::ThreadPool(4); };
  svr.set_tcp_nodelay(true);  // else Nagle and delayed ACKs add 40 ms to each exchange
  svr.set_keep_alive_max_count(INT_MAX);
  svr.set_keep_alive_timeout(3600);
  svr.set_payload_max_length(64 * 1024 * 1024);
  // A response declared larger than Lambda allows fails the invocation before it is read.
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "POST" || !req.path.ends_with("/response")) return httplib::Server::HandlerResponse::Unhandled;
    auto len = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (len <= max_response_bytes) return httplib::Server::HandlerResponse::Unhandled;
    std::lock_guard lock(mu_);
    std::string id = req.path.substr(std::strlen(api_prefix) + 12);
    id = id.substr(0, id.find('/'));
    if (id == current_id_) {
      answer_ = response_too_large();
      current_id_.clear();
      cv_.notify_all();
    }
    answer_error(res, 413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes).");
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.Get(std::string(api_prefix) + "/invocation/next", [this](const httplib::Request&, httplib::Response& res) {
    std::unique_lock lock(mu_);
    if (!initialized_) {
      initialized_ = true;
      init_ms_ = started_.elapsed_ms();
      cv_.notify_all();
    }
    if (!current_id_.empty())
      return answer_error(res, 403, "InvalidStateTransition",
                          "State transition from Running to Ready failed for runtime. Error: invocation " +
                              current_id_ + " has not been answered");
    cv_.wait(lock, [&] { return pending_.has_value() || stopping_ || dead_; });
    if (stopping_ || dead_)
      return answer_error(res, 500, "Runtime.Stopping", "The execution environment is shutting down");
    invocation_request r = std::move(*pending_);
    pending_.reset();
    current_id_ = r.request_id;
    delivered_.emplace();
    res.set_header("Lambda-Runtime-Aws-Request-Id", r.request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(wall_unix_ms() + r.timeout.count()));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", r.function_arn);
    if (!r.trace_header.empty()) res.set_header("Lambda-Runtime-Trace-Id", r.trace_header);
    res.set_content(std::move(r.payload), "application/json");
  });
  svr.Post(std::string(api_prefix) + R"(/invocation/([^/]+)/(response|error))", [this](const httplib::Request& req,
                                                                                       httplib::Response& res) {
    std::lock_guard lock(mu_);
    const std::string id = req.matches[1], what = req.matches[2];
    // An unknown id, or one already answered (a runtime answering twice).
    if (id != current_id_) return answer_error(res, 400, "InvalidRequestID", "Invalid request ID");
    invocation_outcome o;
    if (what == "response") {
      if (req.body.size() > max_response_bytes) {
        o = response_too_large();
        answer_error(res, 413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291556 bytes).");
      } else {
        o.ok = true;
        o.body = req.body;
        answer_accepted(res);
      }
    } else {
      json doc = error_document(req.body, req.get_header_value("Lambda-Runtime-Function-Error-Type"));
      o.error_type = doc.value("errorType", json("Unhandled")).is_string()
                         ? doc.value("errorType", std::string("Unhandled"))
                         : "Unhandled";
      auto m = doc.find("errorMessage");
      o.error_message = m != doc.end() && m->is_string() ? m->get<std::string>() : o.error_type;
      o.body = doc.dump();
      answer_accepted(res);
    }
    answer_ = std::move(o);
    current_id_.clear();
    cv_.notify_all();
  });
  svr.Post(std::string(api_prefix) + "/init/error", [this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    if (initialized_)
      return answer_error(res, 403, "InvalidStateTransition",
                          "State transition from Ready to InitError failed for runtime. Error: init has finished");
    json doc = error_document(req.body, req.get_header_value("Lambda-Runtime-Function-Error-Type"));
    init_error_type_ = doc.value("errorType", json("Runtime.Unknown")).is_string()
                           ? doc.value("errorType", std::string("Runtime.Unknown"))
                           : "Runtime.Unknown";
    init_error_body_ = doc.dump();
    dead_ = true;
    cv_.notify_all();
    answer_accepted(res);
  });
  endpoint_->port = svr.bind_to_any_port("127.0.0.1");
  if (endpoint_->port <= 0) {
    endpoint_.reset();
    close(stop_fds_[0]), close(stop_fds_[1]);
    throw std::runtime_error("cannot bind a Runtime API endpoint on 127.0.0.1");
  }
  endpoint_->thread = std::thread([this] { endpoint_->server.listen_after_bind(); });
  spawn_spec spec = opts_.spawn;
  spec.env.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(endpoint_->port));
  try {
    child_ = std::make_unique<child_process>(spec, guard);
  } catch (...) {
    endpoint_.reset();
    close(stop_fds_[0]), close(stop_fds_[1]);
    throw;
  }
  reader_ = std::thread([this] { read_output(); });
  watcher_ = std::thread([this] { watch_exit(); });
}

environment::~environment() {
  shutdown();
  [[maybe_unused]] auto n = write(stop_fds_[1], "x", 1);
  endpoint_.reset();
  watcher_.join();
  reader_.join();
  child_.reset();
  close(stop_fds_[0]);
  close(stop_fds_[1]);
}

void environment::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = dead_ = true;
  }
  cv_.notify_all();
  child_->kill_group();
}

bool environment::usable() const {
  std::lock_guard lock(mu_);
  return !dead_ && !exited_;
}

void environment::watch_exit() {
  std::string how = child_->wait_exit();
  std::lock_guard lock(mu_);
  exited_ = how;
  dead_ = true;
  cv_.notify_all();
}

void environment::read_output() {
  std::string partial;
  bool skipping = false;  // the rest of an over-long line
  auto emit = [&](std::string line) {
    std::lock_guard lock(mu_);
    if (output_bytes_ + line.size() > opts_.max_output_bytes) {
      dropped_bytes_ += line.size() + 1;
      return;
    }
    output_bytes_ += line.size();
    output_.push_back(std::move(line));
  };
  char buf[65536];
  for (;;) {
    pollfd fds[2] = {{child_->output_fd(), POLLIN, 0}, {stop_fds_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    {
      std::lock_guard lock(mu_);
      reader_busy_ = true;  // bytes out of the pipe and not yet in output_: invoke waits for them
    }
    ssize_t n = read(child_->output_fd(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::size_t start = 0;
    for (std::size_t i = 0; i < std::size_t(n); ++i) {
      if (buf[i] != '\n') continue;
      if (!skipping) partial.append(buf + start, i - start);
      if (!skipping) emit(std::move(partial));
      partial.clear();
      skipping = false;
      start = i + 1;
    }
    if (!skipping) partial.append(buf + start, std::size_t(n) - start);
    if (partial.size() > opts_.max_line_bytes) {
      partial.resize(opts_.max_line_bytes);
      emit(std::move(partial) + " [truncated]");
      partial.clear();
      skipping = true;
    }
    {
      std::lock_guard lock(mu_);
      reader_busy_ = false;
    }
    cv_.notify_all();
  }
  if (!partial.empty()) emit(std::move(partial));
  {
    std::lock_guard lock(mu_);
    reader_busy_ = false;
  }
  cv_.notify_all();
}

std::vector<std::string> environment::take_output() {
  std::vector<std::string> out = std::move(output_);
  output_.clear();
  if (dropped_bytes_ > 0)
    out.push_back("[bellyfed-emu: " + std::to_string(dropped_bytes_) + " bytes of output dropped; at most " +
                  std::to_string(opts_.max_output_bytes) + " bytes are kept per invocation]");
  output_bytes_ = dropped_bytes_ = 0;
  return out;
}

invocation_outcome environment::invoke(const invocation_request& req) {
  std::unique_lock lock(mu_);
  bool cold = !initialized_;
  pending_ = req;
  answer_.reset();
  cv_.notify_all();
  std::optional<invocation_outcome> out;
  if (cold) {
    cv_.wait_until(lock, started_.after(opts_.init_timeout),
                   [&] { return initialized_ || init_error_body_ || exited_ || stopping_; });
    if (init_error_body_) {
      out.emplace();
      out->error_type = *init_error_type_;
      json doc = json::parse(*init_error_body_, nullptr, false);
      out->error_message = doc.is_object() ? doc.value("errorMessage", *init_error_type_) : *init_error_type_;
      out->body = *init_error_body_;
    } else if (exited_ || stopping_) {
      out = service_error(req, "Runtime.ExitError",
                          "Runtime exited with error: " + (exited_ ? *exited_ : "signal: killed"));
    } else if (!initialized_) {
      out = service_error(req, "Runtime.InitError",
                          "Init phase timed out after " + seconds_text(opts_.init_timeout) +
                              " seconds: the runtime never asked for an event (GET /2018-06-01/"
                              "runtime/invocation/next at AWS_LAMBDA_RUNTIME_API)");
    }
    if (out) dead_ = true;
  }
  if (!out) {
    stopwatch phase;
    cv_.wait_until(lock, phase.after(req.timeout), [&] { return answer_.has_value() || exited_ || stopping_; });
    if (answer_) {
      out = std::move(*answer_);
    } else if (exited_ || stopping_) {
      out = service_error(req, "Runtime.ExitError",
                          "Runtime exited with error: " + (exited_ ? *exited_ : "signal: killed"));
    } else {
      out = service_error(req, "Sandbox.Timedout", timed_out_message(req.timeout));
      out->timed_out = true;
    }
    if (!answer_ || exited_) dead_ = true;
  }
  answer_.reset();
  pending_.reset();
  if (!current_id_.empty() && dead_) current_id_.clear();
  out->duration_ms = delivered_ ? delivered_->elapsed_ms() : 0;
  delivered_.reset();
  if (cold) out->init_ms = init_ms_ ? *init_ms_ : started_.elapsed_ms();
  if (!exited_) out->max_memory_mb = child_->max_memory_mb();
  if (dead_) child_->kill_group();
  // What the process printed before it answered may still sit in the pipe: let the reader
  // take it (bounded, in case something keeps writing).
  for (int i = 0; i < 100; ++i) {
    int pending = 0;
    if (ioctl(child_->output_fd(), FIONREAD, &pending) != 0) break;
    if (pending == 0 && !reader_busy_) break;
    cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
  out->output = take_output();
  return std::move(*out);
}

}  // namespace emu::functions
