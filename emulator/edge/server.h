// The one HTTP server of `serve`: cpp-httplib in front of the edge router.
//
// Binds loopback unless told otherwise, caps request bodies (413 above the cap), writes one
// access-log line per request, and runs every request under the real-time driver's lock so the
// emulated system sees one request or task at a time.
#pragma once

#include <memory>
#include <string>

#include "emulator/core/runtime.h"
#include "emulator/edge/router.h"

namespace emu::edge {

struct server_options {
  std::string host = "127.0.0.1";
  int port = 4566;  // 0 picks a free port
  std::size_t max_body_bytes = default_max_body_bytes;
  // cpp-httplib holds a thread for each open connection (idle keep-alive ones too); threads are
  // started as connections come, up to this many, and then connections wait for one.
  int max_threads = 4096;
  int listen_backlog = 4096;  // pending connections the kernel keeps (cpp-httplib's own is 5)
};

class http_server {
 public:
  http_server(router& r, realtime_driver& driver, logger& log, server_options opts);
  ~http_server();
  // Binds the socket; throws std::runtime_error (naming host and port) if it cannot.
  void bind();
  // The bound port (useful with port 0).
  int port() const;
  // Serves until stop() is called (from any thread).
  void run();
  // True while run() listens.
  bool running() const;
  // Stops run(), or keeps a run() not yet listening from starting (safe from any thread, at any
  // time after bind()).
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace emu::edge
