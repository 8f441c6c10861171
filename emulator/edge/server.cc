#include "emulator/edge/server.h"

#include <httplib.h>

#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace emu::edge {
namespace {

// A pool that grows to the connections it serves. cpp-httplib runs each connection on one
// pool thread for as long as it stays open, so with a fixed pool a few idle keep-alive or slow
// clients hold every thread and the rest wait. Here a thread is started whenever no idle one
// is left for a new connection (up to `max`; past that, connections wait in line), and threads
// are kept for the connections after.
class elastic_pool : public httplib::TaskQueue {
 public:
  explicit elastic_pool(std::size_t max) : max_(max) {}
  ~elastic_pool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(fn));
    if (!stop_ && jobs_.size() > idle_ && threads_.size() < max_) threads_.emplace_back([this] { work(); });
    cv_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      stop_ = true;  // from here on threads_ does not change
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      --idle_;
      if (jobs_.empty()) return;  // stopping, nothing left to run
      auto fn = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      fn();
      lock.lock();
    }
  }

  std::size_t max_, idle_ = 0;
  bool stop_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
};

std::string too_large_body(std::size_t max) {
  return json{{"__type", "RequestEntityTooLarge"},
              {"message", "Request body is larger than " + std::to_string(max) + " bytes"}}
      .dump();
}

}  // namespace

struct http_server::impl {
  router& rt;
  realtime_driver& driver;
  logger& log;
  server_options opts;
  httplib::Server server;
  int bound_port = -1;
  socket_t listen_fd = INVALID_SOCKET;

  // `body` and `parts`: the request's body as read by with_body (or cpp-httplib, for methods
  // without one), multipart/form-data parts by name ("file:" before uploads' names).
  void handle(const httplib::Request& hreq, std::string body, params parts, httplib::Response& hres) {
    request req;
    req.method = hreq.method;
    req.path = hreq.path;
    auto q = hreq.target.find('?');
    if (q != std::string::npos) req.query = parse_form(hreq.target.substr(q + 1));
    for (const auto& [k, v] : hreq.headers) {
      // cpp-httplib files the peer's and its own address as headers; they were not sent.
      if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") continue;
      req.header_list.emplace_back(k, v);
      std::string lower = k;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
      req.headers[lower] = v;
    }
    req.body = std::move(body);
    req.form_parts = std::move(parts);
    req.remote_addr = hreq.remote_addr;
    response res = driver.exclusive([&] { return rt.handle(req); });
    // A long poll with nothing to answer yet: wait outside the world lock until something
    // changes, then ask again; past the deadline the operation answers what it has.
    std::uint64_t seen = driver.generation();
    while (res.wait_until) {
      req.poll_deadline = res.wait_until;
      driver.wait_for_change(seen, *res.wait_until);
      // Retries that find nothing change nothing, so they do not wake other pollers.
      res = driver.exclusive_quiet([&] {
        seen = driver.generation();
        return rt.handle(req);
      });
    }
    hres.status = res.status;
    for (const auto& [k, v] : res.headers) hres.set_header(k, v);
    hres.set_content(res.body, res.content_type);
    if (!log.enabled(log_level::info)) return;  // building the line costs more than the request
    json fields = {{"method", req.method},         {"path", req.path},
                   {"status", res.status},         {"bytes_in", req.body.size()},
                   {"bytes_out", res.body.size()}, {"remote", req.remote_addr}};
    if (auto t = req.header("x-amz-target"); !t.empty()) fields["target"] = t;
    log.info("edge", "request", fields);
  }
};

http_server::http_server(router& r, realtime_driver& driver, logger& log, server_options opts)
    : impl_(new impl{r, driver, log, std::move(opts), {}, -1}) {
  auto& s = impl_->server;
  s.set_payload_max_length(impl_->opts.max_body_bytes);
  // Small request/response exchanges: without TCP_NODELAY, Nagle's algorithm and delayed ACKs
  // add ~40 ms per keep-alive request. SDKs reuse connections, so do not close them every 5.
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(10000);
  std::size_t threads = std::size_t(impl_->opts.max_threads);
  s.new_task_queue = [threads] { return new elastic_pool(threads); };
  // The listening socket, so bind() can widen its backlog (cpp-httplib listens with 5).
  s.set_socket_options([this](socket_t sock) {
    httplib::default_socket_options(sock);
    impl_->listen_fd = sock;
  });
  auto h = [this](const httplib::Request& req, httplib::Response& res) {
    params parts;
    for (const auto& [name, part] : req.files)
      parts.emplace_back(part.filename.empty() ? name : "file:" + name, part.content);
    impl_->handle(req, req.body, std::move(parts), res);
  };
  // Bodies of POST, PUT and PATCH are read here, not by cpp-httplib: its own reading refuses
  // urlencoded forms over 8 KiB (a limit compiled into Debian's library), which SQS query-protocol
  // messages and Server Action forms pass. The body cap applies to every body, chunked ones too.
  auto with_body = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& read) {
    std::string body;
    params parts;
    bool too_large = false;
    std::size_t max = impl_->opts.max_body_bytes, total = 0;
    auto take = [&](std::string& into, const char* data, std::size_t n) {
      if ((total += n) > max) return !(too_large = true);
      into.append(data, n);
      return true;
    };
    bool ok = req.is_multipart_form_data()
                  ? read(
                        [&](const httplib::MultipartFormData& f) {
                          parts.emplace_back(f.filename.empty() ? f.name : "file:" + f.name, "");
                          return true;
                        },
                        [&](const char* data, std::size_t n) { return take(parts.back().second, data, n); })
                  : read([&](const char* data, std::size_t n) { return take(body, data, n); });
    if (!ok) {
      too_large = too_large || res.status == 413;  // cpp-httplib's own check of Content-Length
      res.status = too_large ? 413 : 400;
      res.set_content(too_large ? too_large_body(max) : R"({"message":"The request body could not be read"})",
                      "application/json");
      return;
    }
    impl_->handle(req, std::move(body), std::move(parts), res);
  };
  s.Get(".*", h);
  s.Post(".*", with_body);
  s.Put(".*", with_body);
  s.Delete(".*", h);
  s.Patch(".*", with_body);
  s.Options(".*", h);
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    // cpp-httplib answers oversized bodies (413) and unreadable requests itself; give them a body.
    if (res.status == 413) {
      res.set_content(too_large_body(impl_->opts.max_body_bytes), "application/json");
    } else if (res.body.empty()) {
      res.set_content(dump_lossy(json{{"message", "HTTP " + std::to_string(res.status)}}), "application/json");
    }
    impl_->log.info("edge", "request",
                    {{"method", req.method}, {"path", req.path}, {"status", res.status}, {"remote", req.remote_addr}});
  });
}

http_server::~http_server() { stop(); }

void http_server::bind() {
  auto& o = impl_->opts;
  if (o.port == 0)
    impl_->bound_port = impl_->server.bind_to_any_port(o.host);
  else
    impl_->bound_port = impl_->server.bind_to_port(o.host, o.port) ? o.port : -1;
  if (impl_->bound_port < 0)
    throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                             " (is another server using the port? try --port)");
  // Listening again only changes the backlog: a burst of new connections is not refused.
  if (impl_->listen_fd != INVALID_SOCKET) ::listen(impl_->listen_fd, o.listen_backlog);
}

int http_server::port() const { return impl_->bound_port; }

void http_server::run() { impl_->server.listen_after_bind(); }

void http_server::stop() {
  if (impl_->server.is_running()) impl_->server.stop();
}

}  // namespace emu::edge
