// A request as the edge sees it and the answer it gives, independent of any HTTP library.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"

namespace emu::edge {

using params = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method = "GET";
  std::string path = "/";
  params query;                                // decoded query-string parameters, in order
  std::map<std::string, std::string> headers;  // keys lower-case
  params header_list;                          // every header as sent (name case kept), in order
  // multipart/form-data bodies arrive parsed (the server's HTTP library reads them): name →
  // value; parts that were file uploads have their name prefixed with "file:".
  params form_parts;
  std::string body;
  std::string remote_addr = "127.0.0.1";
  // Set by the server when it retries a long poll: the poll's deadline (see emu::poll_later).
  std::optional<instant> poll_deadline;
  // An X-Amz-Target request's body as parsed by the server before it took the world lock:
  // parsing needs nothing of the world, and a PutEvents of ten events, parsed under the lock,
  // kept every other request waiting. The router takes it (mutable: the request is otherwise
  // read-only there); a body that did not parse is parsed again there, for its error.
  mutable std::optional<json> parsed_json;
  // What the operation's api_prepare made of parsed_json, also before the lock (router::prepare).
  mutable std::shared_ptr<const void> prepared;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The operation has nothing yet and may wait until this instant (emu::poll_later).
  std::optional<instant> wait_until;
  // A server-sent event stream (text/event-stream) instead of a body: the server calls this
  // under the world lock when the stream opens and again whenever the world has changed, and
  // sends what it returns ("" for nothing new) until the client goes or the server stops.
  std::function<std::string()> stream;
  // Memory the work left to free (runtime::release_later): it goes with the response, after the
  // world lock is released.
  std::vector<std::shared_ptr<const void>> released;
};

}  // namespace emu::edge
