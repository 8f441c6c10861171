#include "emulator/edge/server.h"

#include <atomic>
#include <thread>

#include <httplib.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>

#include <strings.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
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

// One connection's bytes, kept across the requests on it. cpp-httplib's own stream lives for
// one request and drops what it read past that request's end, so of pipelined requests only the
// first was answered. This stream also bounds the time one request may take to arrive (headers
// and body), which the per-read timeout alone does not: a client sending a byte every few
// seconds would hold its connection forever.
//
// System calls are a good part of a small request's cost, so reads and writes try the socket
// first and poll only when it is not ready, the peer's and own addresses are looked up once per
// connection, and a response's head is held back to go out with the first part of its body
// (cpp-httplib writes the two separately: two packets, and the client woken twice).
class connection_stream : public httplib::Stream {
 public:
  using clock = std::chrono::steady_clock;

  connection_stream(socket_t sock, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock), read_timeout_ms_(read_timeout_ms), write_timeout_ms_(write_timeout_ms) {}

  bool has_buffered() const { return off_ < len_; }
  // The next request must have arrived in full by `deadline`.
  void start_request(clock::time_point deadline) { deadline_ = deadline; }
  // After a request whose framing could not be trusted: its body was not read, so nothing
  // after it on this connection can be parsed.
  void poison() { poisoned_ = true; }
  bool poisoned() const { return poisoned_; }

  // Sends a held response head. Everything that waits on the client, or ends, calls it first.
  bool flush() const {
    if (held_.empty()) return true;
    bool ok = send_all(held_.data(), held_.size());
    held_.clear();
    return ok;
  }

  bool is_readable() const override { return flush() && (has_buffered() || wait(POLLIN, read_wait_ms())); }
  bool is_writable() const override { return flush() && wait(POLLOUT, write_timeout_ms_); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (!has_buffered()) {
      if (!flush()) return -1;
      ssize_t n = receive();
      if (n <= 0) return n;
      off_ = 0;
      len_ = std::size_t(n);
    }
    std::size_t n = std::min(size, len_ - off_);
    std::memcpy(ptr, buf_ + off_, n);
    off_ += n;
    wrote_ = false;
    return ssize_t(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    // The first write after a request was read is its response's head: held for the body.
    if (!wrote_ && held_.empty() && size < max_held && std::string_view(ptr, size).starts_with("HTTP/1.")) {
      wrote_ = true;
      held_.assign(ptr, size);
      return ssize_t(size);
    }
    wrote_ = true;
    if (!held_.empty() && size < max_held) {  // one send for head and body
      held_.append(ptr, size);
      return flush() ? ssize_t(size) : -1;
    }
    return flush() && send_all(ptr, size) ? ssize_t(size) : -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_) remote_ = address(::getpeername);
    ip = remote_->first;
    port = remote_->second;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_) local_ = address(::getsockname);
    ip = local_->first;
    port = local_->second;
  }
  socket_t socket() const override { return sock_; }

 private:
  static constexpr std::size_t max_held = 64 * 1024;

  int read_wait_ms() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock::now()).count();
    return int(std::clamp<long long>(left, 0, read_timeout_ms_));
  }

  bool wait(short events, int timeout_ms) const {
    pollfd p{sock_, events, 0};
    int r;
    do r = ::poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r > 0 && !(p.revents & POLLNVAL);
  }

  // What is there to read, waiting (within the request's time) only if nothing is.
  ssize_t receive() {
    for (;;) {
      ssize_t n = ::recv(sock_, buf_, sizeof buf_, MSG_DONTWAIT);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (!wait(POLLIN, read_wait_ms())) return -1;  // nothing came in time
    }
  }

  // All of it, waiting for room (up to the write timeout each time) only when the socket is full.
  bool send_all(const char* ptr, std::size_t size) const {
    while (size > 0) {
      ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        ptr += n;
        size -= std::size_t(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait(POLLOUT, write_timeout_ms_)) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  template <class F>
  std::pair<std::string, int> address(F get) const {
    sockaddr_storage a{};
    socklen_t n = sizeof a;
    if (get(sock_, reinterpret_cast<sockaddr*>(&a), &n) != 0) return {"", 0};
    char text[INET6_ADDRSTRLEN] = {};
    int port = 0;
    if (a.ss_family == AF_INET) {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&a);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      port = ntohs(v4->sin_port);
    } else if (a.ss_family == AF_INET6) {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&a);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      port = ntohs(v6->sin6_port);
    }
    return {text, port};
  }

  socket_t sock_;
  int read_timeout_ms_, write_timeout_ms_;
  clock::time_point deadline_ = clock::time_point::max();
  bool poisoned_ = false;
  bool wrote_ = false;  // since the last read
  mutable std::string held_;
  mutable std::optional<std::pair<std::string, int>> remote_, local_;
  char buf_[16384];
  std::size_t off_ = 0, len_ = 0;
};

// Headers whose framing cannot be trusted: a request smuggled behind them would be read as
// another client's. Returns the reason, or "" if the framing is sound. (RFC 9112 §6.)
std::string framing_error(const httplib::Request& req) {
  for (const auto& [name, value] : req.headers) {
    if (name.empty() || name.find_first_of(" \t") != std::string::npos)
      return "Header field name '" + name + "' contains whitespace";
  }
  auto lengths = req.headers.equal_range("Content-Length");
  std::size_t te_count = req.headers.count("Transfer-Encoding");
  for (auto it = lengths.first; it != lengths.second; ++it) {
    const auto& v = it->second;
    if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
      return "Content-Length '" + v + "' is not a number";
    if (v != lengths.first->second) return "Content-Length is given twice with different values";
  }
  if (te_count > 0 && lengths.first != lengths.second) return "Transfer-Encoding and Content-Length are both given";
  if (te_count > 1) return "Transfer-Encoding is given twice";
  if (te_count == 1 && req.version == "HTTP/1.0") return "Transfer-Encoding is not allowed in HTTP/1.0";
  if (te_count == 1 && ::strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") != 0)
    return "Transfer-Encoding '" + req.get_header_value("Transfer-Encoding") + "' is not supported (only chunked)";
  return "";
}

std::string too_large_body(std::size_t max) {
  return json{{"__type", "RequestEntityTooLarge"},
              {"message", "Request body is larger than " + std::to_string(max) + " bytes"}}
      .dump();
}

// cpp-httplib's server with the connection loop above: requests are parsed, routed and
// answered by cpp-httplib; this only keeps the bytes and the time of each connection.
class connection_server : public httplib::Server {
 public:
  // Reading one request (headers and body) may take this long in all.
  static constexpr auto request_read_limit = std::chrono::seconds(60);

 private:
  bool process_and_close_socket(socket_t sock) override {
    connection_stream strm(sock, int(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000),
                           int(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000));
    bool ok = false;
    for (std::size_t left = keep_alive_max_count_; left > 0 && !strm.poisoned(); --left) {
      if (!strm.has_buffered() && !(strm.flush() && wait_for_request(sock))) break;
      strm.start_request(connection_stream::clock::now() + request_read_limit);
      bool closed = false;
      ok =
          process_request(strm, left == 1 || strm.poisoned(), closed, [&](httplib::Request& req) { setup(req, strm); });
      if (!ok || closed) break;
    }
    strm.flush();
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  // Idle between requests: up to the keep-alive timeout, ending early when the server stops.
  bool wait_for_request(socket_t sock) {
    auto until = connection_stream::clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
    while (svr_sock_ != INVALID_SOCKET) {
      pollfd p{sock, POLLIN, 0};
      int r = ::poll(&p, 1, 100);
      if (r > 0) return !(p.revents & POLLNVAL);
      if (r < 0 && errno != EINTR) return false;
      if (connection_stream::clock::now() >= until) return false;
    }
    return false;
  }

  // Before routing: a request with untrustworthy framing is marked for the pre-routing handler's
  // 400 and ends its connection; a body-carrying method with neither length nor chunking has an
  // empty body (cpp-httplib would read until the client closes).
  static void setup(httplib::Request& req, connection_stream& strm) {
    if (auto why = framing_error(req); !why.empty()) {
      strm.poison();
      req.headers.emplace(framing_marker, why);
    } else if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding") && req.method != "GET" &&
               req.method != "HEAD" && req.method != "OPTIONS") {
      req.headers.emplace("Content-Length", "0");
    }
  }

 public:
  static constexpr const char* framing_marker = "X-Emu-Framing-Error";
};

// Answers at least this large are streamed and their memory returned to the system after.
constexpr std::size_t large_answer_bytes = 1 << 20;

// Server-sent event streams: each holds a connection and its thread for as long as the client
// keeps it, so only this many are open at once (503 past it). Frames go out at most this often
// (a busy import changes the world thousands of times a second; a page needs a few updates), and
// an idle stream sends a comment now and then, which is also how a departed client is noticed.
constexpr int max_event_streams = 16;
constexpr auto event_stream_pace = std::chrono::milliseconds(250);
constexpr auto event_stream_keep_alive = std::chrono::seconds(15);

}  // namespace

struct http_server::impl {
  router& rt;
  realtime_driver& driver;
  logger& log;
  server_options opts;
  connection_server server;
  int bound_port = -1;
  socket_t listen_fd = INVALID_SOCKET;
  // cpp-httplib's stop() does nothing before listen begins: a stop asked for then would be lost
  // and run() would listen for ever (a scenario's callback endpoint, stopped right after it was
  // started, hung `run` so under load). These make a stop at any moment stick.
  std::atomic<bool> started{false}, finished{false}, stop_requested{false};
  std::atomic<int> open_streams{0};
  std::mutex stop_mu;
  std::condition_variable stop_cv;  // wakes event streams' pacing when the server stops

  // Waits `d`, or less if the server stops.
  void pause(std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mu);
    stop_cv.wait_for(lock, d, [this] { return stop_requested.load(); });
  }

  // An event stream: frames from `next` (under the world lock) whenever the world changes, paced,
  // with keep-alive comments, until the client goes (a write fails) or the server stops.
  void serve_stream(std::function<std::string()> next, httplib::Response& hres) {
    if (++open_streams > max_event_streams) {
      --open_streams;
      hres.status = 503;
      hres.set_header("Retry-After", "5");
      hres.set_content(dump_lossy(json{{"message", "Too many open event streams (at most " +
                                                       std::to_string(max_event_streams) + ")"}}),
                       "application/json");
      return;
    }
    hres.set_header("Cache-Control", "no-store");
    auto last_write = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    hres.set_chunked_content_provider(
        "text/event-stream",
        [this, next = std::move(next), last_write](std::size_t, httplib::DataSink& sink) {
          if (stop_requested) {
            sink.done();
            return true;
          }
          std::uint64_t seen = driver.generation();
          std::string frames;
          try {
            frames = driver.exclusive_quiet(next);
          } catch (const std::exception& e) {
            frames = "event: error\ndata: " + dump_lossy(json{{"message", e.what()}}) + "\n\n";
            sink.write(frames.data(), frames.size());
            sink.done();
            return true;
          }
          auto now = std::chrono::steady_clock::now();
          if (frames.empty() && now - *last_write >= event_stream_keep_alive) frames = ": keep-alive\n\n";
          if (frames.empty()) {
            // Nothing to send yet: the response's head goes out now (the connection holds it
            // back for a body otherwise), so the client knows the stream is open.
            if (!sink.is_writable()) return false;
            driver.wait_for_change(seen, std::chrono::milliseconds(1000));
            return true;
          }
          *last_write = now;
          if (!sink.write(frames.data(), frames.size())) return false;
          pause(event_stream_pace);
          return true;
        },
        [this](bool) { --open_streams; });
  }

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
    if (!req.body.empty() && req.headers.count("x-amz-target")) {
      try {
        req.parsed_json = parse_json_body(req.body);
      } catch (const std::exception&) {
        // Parsed again under the lock, where the error is answered.
      }
      rt.prepare(req);
    }
    response res = driver.exclusive([&] { return rt.handle(req); });
    if (res.stream) {
      serve_stream(std::move(res.stream), hres);
      log_request(req, hres.status, 0);
      return;
    }
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
    std::size_t bytes_out = res.body.size();
    if (bytes_out < large_answer_bytes) {
      hres.set_content(res.body, res.content_type);
    } else {
      // A large answer (an admin dump): written from our copy, and once it is sent the memory
      // is given back to the system. glibc keeps freed memory in per-thread arenas otherwise, and
      // a few dumps on a few connections left serve hundreds of MB larger for good.
      auto answer = std::make_shared<std::string>(std::move(res.body));
      hres.set_content_provider(
          answer->size(), res.content_type,
          [answer](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            return sink.write(answer->data() + offset, length);
          },
          [answer](bool) mutable {
            answer.reset();
            ::malloc_trim(0);
          });
    }
    log_request(req, res.status, bytes_out);
  }

  void log_request(const request& req, int status, std::size_t bytes_out) {
    if (!log.enabled(log_level::info)) return;  // building the line costs more than the request
    json fields = {{"method", req.method},        {"path", req.path},       {"status", status},
                   {"bytes_in", req.body.size()}, {"bytes_out", bytes_out}, {"remote", req.remote_addr}};
    if (auto t = req.header("x-amz-target"); !t.empty()) fields["target"] = t;
    log.info("edge", "request", fields);
  }
};

http_server::http_server(router& r, realtime_driver& driver, logger& log, server_options opts)
    : impl_(new impl{r, driver, log, std::move(opts), {}, -1, INVALID_SOCKET, {false}, {false}, {false}, {0}, {}, {}}) {
  auto& s = impl_->server;
  s.set_payload_max_length(impl_->opts.max_body_bytes);
  // Small request/response exchanges: without TCP_NODELAY, Nagle's algorithm and delayed ACKs
  // add ~40 ms per keep-alive request. SDKs reuse connections, so do not close them every 5.
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(10000);
  std::size_t threads = std::size_t(impl_->opts.max_threads);
  s.new_task_queue = [threads] { return new elastic_pool(threads); };
  // The listening socket, so bind() can widen its backlog (cpp-httplib listens with 5).
  // SO_REUSEADDR lets serve restart on its port at once (past TIME_WAIT); cpp-httplib's default
  // SO_REUSEPORT is left off: with it a second serve on the same port would listen too, and the
  // kernel would split the requests between the two.
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
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
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    auto why = req.get_header_value(connection_server::framing_marker);
    if (why.empty()) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 400;
    res.set_header("Connection", "close");
    res.set_content(dump_lossy(json{{"__type", "BadRequest"}, {"message", why}}), "application/json");
    impl_->log.info("edge", "request",
                    {{"method", req.method}, {"path", req.path}, {"status", 400}, {"remote", req.remote_addr}});
    return httplib::Server::HandlerResponse::Handled;
  });
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

void http_server::run() {
  impl_->started = true;
  if (!impl_->stop_requested) impl_->server.listen_after_bind();
  impl_->finished = true;
}

bool http_server::running() const { return impl_->server.is_running(); }

void http_server::stop() {
  {
    std::lock_guard lock(impl_->stop_mu);
    impl_->stop_requested = true;
  }
  impl_->stop_cv.notify_all();
  if (!impl_->started) return;  // run() will see the request and not listen
  // run() has begun: it listens in a moment (or has seen the request and returned).
  while (!impl_->server.is_running() && !impl_->finished) std::this_thread::yield();
  if (impl_->server.is_running()) impl_->server.stop();
}

}  // namespace emu::edge
