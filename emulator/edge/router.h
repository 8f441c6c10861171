// The edge router: one table from request to component, independent of any HTTP library, so
// dispatch and error rendering are testable without sockets (server.cc adapts cpp-httplib).
//
// Dispatch order: `/_emu/…` admin paths; `X-Amz-Target: <Prefix>.<Operation>` (JSON 1.0/1.1
// APIs); `/{stage}/…` (API Gateway of that stage); a form or query-string `Action=` (query
// protocol, XML replies). The APIs come as descriptors (emulator/core/api.h). Each protocol has one catch ladder that
// renders emu::aws_error in its own dialect: JSON `{"__type", "message"}` or query XML `<ErrorResponse>`. Anything not
// an aws_error becomes InternalServerError (500); the process never dies on a request. Registration happens before
// serving; `handle` is then const and may run on many threads (the handlers themselves are called under the caller's
// lock, see realtime_driver::exclusive).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/api.h"
#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/edge/access.h"
#include "emulator/edge/message.h"

namespace emu::edge {

using path_handler = std::function<response(const request& req)>;

// Request bodies are capped at this size unless `serve --max-body` says otherwise.
inline constexpr std::size_t default_max_body_bytes = 16 * 1024 * 1024;
// JSON request bodies nest at most this deep. A DynamoDB document nests 32 levels, each two JSON
// levels deep ({"M": {…}}), inside the request around it; DynamoDB refuses deeper documents (it
// reads 100 levels and more) in its own words, which needs them parsed.
inline constexpr int max_json_depth = 256;

class router {
 public:
  router(runtime& rt, std::vector<std::string> stages) : rt_(rt), stages_(std::move(stages)) {}

  // An AWS API (emulator/core/api.h): by its X-Amz-Target prefix and, if it has a query
  // dialect, by Action=.
  void add_api(api a);
  // Handles `/{stage}/…` for every configured stage.
  void set_stage_handler(path_handler h) { stage_handler_ = std::move(h); }
  // An admin endpoint at `path` (which starts with /_emu/). A path ending in `/*` matches
  // everything below it.
  void add_admin(const std::string& method, const std::string& path, path_handler h);

  // A REST API (Lambda's): every request whose path starts with `prefix` (e.g. "/2015-03-31/")
  // and that names no X-Amz-Target or Action.
  void add_rest(const std::string& prefix, path_handler h) { rest_.emplace_back(prefix, std::move(h)); }

  // Who may call (emulator/edge/access.h); loopback hosts and origins only until set.
  void set_access(access_policy p) { access_ = std::move(p); }

  response handle(const request& req) const;
  // Runs the operation's api_prepare, if it has one, on req.parsed_json: without the world lock
  // (the API table does not change once serving; the function touches only its input).
  void prepare(const request& req) const;
  // Called with every request and its final answer (not a long poll's interim ones), under the
  // caller's lock: serve --record writes them down.
  void set_observer(std::function<void(const request&, const response&)> f) { observer_ = std::move(f); }
  const std::vector<std::string>& stages() const { return stages_; }

 private:
  response route(const request& req) const;
  response handle_json(const request& req, const std::string& target) const;
  static api_call call_of(const request& req);
  response handle_query(const request& req, const params& form) const;
  response handle_admin(const request& req) const;
  response dispatch(const request& req, bool admin) const;

  runtime& rt_;
  std::vector<std::string> stages_;
  access_policy access_;
  std::map<std::string, api> apis_;  // by target prefix
  path_handler stage_handler_;
  std::vector<std::pair<std::string, path_handler>> rest_;
  std::map<std::pair<std::string, std::string>, path_handler> admin_;
  std::function<void(const request&, const response&)> observer_;
};

// Splits "a=1&b=%20x" into decoded pairs ('+' is a space). Malformed escapes are kept verbatim.
params parse_form(const std::string& text);
std::string url_decode(const std::string& text);
// Parses a JSON request body with the depth limit; throws aws_error SerializationException.
json parse_json_body(const std::string& body);
// A JSON error response in the AWS JSON protocol's shape.
response json_error(int status, const std::string& type, const std::string& message,
                    json_protocol p = json_protocol::v1_0, const json& details = json());

}  // namespace emu::edge
