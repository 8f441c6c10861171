// API Gateway (REST, v1) in front of Lambda proxy integrations, one API per stage, at
// `/{stage}/…` on serve's port (ARCHITECTURE.md). What AWS does, in AWS's order:
//
//   request size (413) → WAF rate-based rule per client IP (403) → resource and method
//   (403 "Missing Authentication Token"; OPTIONS preflights answered here, without a key) →
//   API key (403 "Forbidden") → usage-plan quota (429 "Limit Exceeded") → account and
//   usage-plan throttles, token buckets (429 "Too Many Requests") → Lambda proxy integration
//   (payload format 1.0) → the function's proxy response, validated (502 "Internal server
//   error" when malformed or the function failed; 504 when nothing answered).
//
// Every limit runs on the runtime's clock, so scenarios see the same behaviour as serve.
// CORS: for an origin the system definition lists, every answer — the integration's and the
// gateway's own 403/429/5xx — carries Access-Control-Allow-Origin and `Vary: Origin` (what the
// DEFAULT_4XX/5XX gateway responses plus a CORS-aware function give you in AWS); other origins
// get no CORS headers. Access logs per stage use API Gateway's CLF format.
// No sockets here: edge adapts HTTP, the scenario runner calls `handle` directly.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "emulator/core/histogram.h"
#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"

namespace emu::gateway {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "GET";
  std::string path = "/";  // with the stage: /dev/restaurants/r-1
  header_list query;       // decoded query-string parameters, in order
  header_list headers;     // as the client sent them (name case kept)
  std::string body;
  std::string source_ip = "127.0.0.1";
  // The last value of a header (names compare case-insensitively), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct http_response {
  int status = 200;
  header_list headers;
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive; "" when absent
};

// Runs a route's integration: invokes `function` (stage-qualified) with the proxy event and
// returns the proxy response. Throws when the function fails; throws `no_reply` when the
// request/reply chain produced no answer. Sets `answered_by` to the trace entry whose result
// became the answer (the reply's invocation result), when it knows it.
// Both documents are shared, not copied: the trace keeps them too.
using integration = std::function<shared_json(const std::string& function, shared_json proxy_event,
                                              const std::string& trace_id, std::uint64_t& answered_by)>;

struct no_reply : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One line of a stage's access log.
struct access_entry {
  instant at;
  std::string line;
};

class service {
 public:
  service(runtime& rt, const system_def& def, std::vector<std::string> stages, integration run);

  // True when the path's first segment is a stage this service serves.
  bool serves(const std::string& path) const;
  http_response handle(const http_request& req);

  const std::deque<access_entry>& access_log(const std::string& stage) const;
  static constexpr std::size_t max_access_log = 10'000;
  // Per stage: requests and answers by status class and by gateway response type.
  json metrics() const;
  // What /metrics says of a route (stage, method, resource path; "-" for requests that matched
  // none): its answers by status and how long they took.
  struct route_stats {
    std::map<int, std::uint64_t> statuses;
    histogram duration;
  };
  using route_key = std::tuple<std::string, std::string, std::string>;
  const std::map<route_key, route_stats>& route_metrics() const { return route_stats_; }
  // The API id of a stage's REST API (deterministic: derived from the system and stage names).
  std::string api_id(const std::string& stage) const;

 private:
  std::map<route_key, route_stats> route_stats_;
  struct route {
    const route_def* def;
    std::vector<std::string> segments;  // "restaurants", "{id}", "{proxy+}"
  };
  struct bucket {
    double tokens = -1;  // -1: not used yet (starts full)
    instant last{};
  };
  struct quota_use {
    std::int64_t period_start = -1;
    std::int64_t used = 0;
  };
  struct stage_state {
    std::string name, api_id;
    std::deque<access_entry> log;
    std::map<std::string, std::int64_t> counts;
  };

  // The route for `method` on the path (nullptr if none), its path parameters, and the methods
  // the path has (GET … HEAD, then OPTIONS; empty when no route has the path).
  const route* match(const std::string& method, const std::vector<std::string>& segments, json& params,
                     std::vector<std::string>& methods) const;
  bool take(bucket& b, double rate, double burst, instant now);
  bool waf_allows(const std::string& ip, instant now);
  std::int64_t quota_period_start(const usage_plan_def& plan, instant now) const;
  json proxy_event(const http_request& req, const stage_state& st, const route& rt, const std::string& rel_path,
                   const json& path_params, const api_key_def* key, const std::string& request_id,
                   const std::string& trace_id, instant now) const;
  http_response from_proxy_response(const json& r) const;
  void add_cors(const http_request& req, http_response& res, bool preflight,
                const std::vector<std::string>& methods) const;

  runtime& rt_;
  const system_def& def_;
  const gateway_def& g_;
  integration run_;
  std::vector<route> routes_;
  std::map<std::string, stage_state> stages_;
  bucket account_bucket_;
  std::map<std::string, bucket> key_buckets_;       // by key value
  std::map<std::string, quota_use> key_quotas_;     // by key value
  std::map<std::string, std::deque<instant>> waf_;  // client IP → request times in the window
};

// "02/May/2021:18:50:01 +0000" ($context.requestTime).
std::string clf_time(instant t);

}  // namespace emu::gateway
