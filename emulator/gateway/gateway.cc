#include "emulator/gateway/gateway.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "emulator/core/digest.h"
#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/core/text.h"

namespace emu::gateway {
namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower((unsigned char)x) == std::tolower((unsigned char)y);
         });
}

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    if (j > i) out.push_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Text for JSON: invalid UTF-8 bytes become U+FFFD (JSON strings must be UTF-8).
std::string utf8_text(const std::string& s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return s;  // ASCII, as nearly every header is: nothing to check byte by byte
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    if (ok && n == 2) ok = c >= 0xC2;
    if (ok && n == 3) {
      unsigned char d = s[i + 1];
      ok = !(c == 0xE0 && d < 0xA0) && !(c == 0xED && d >= 0xA0);
    }
    if (ok && n == 4) {
      unsigned char d = s[i + 1];
      ok = c <= 0xF4 && !(c == 0xF0 && d < 0x90) && !(c == 0xF4 && d >= 0x90);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s, i, n);
    i += n;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// A deterministic short id ([a-z0-9]) from a name, as API Gateway's 10-character API ids and
// 6-character resource ids look.
std::string short_id(const std::string& name, std::size_t len) {
  static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uint64_t h = fnv1a64(name);
  std::string out;
  for (std::size_t i = 0; i < len; ++i) {
    out += digits[h % 36];
    h = h / 36 + (h % 7919) * 1000003ULL;
  }
  return out;
}

bool valid_trace_root(const std::string& r) {
  if (r.size() != 35 || r.compare(0, 2, "1-") != 0 || r[10] != '-') return false;
  for (std::size_t i = 2; i < r.size(); ++i)
    if (i != 10 && !std::isxdigit((unsigned char)r[i])) return false;
  return true;
}

}  // namespace

std::string clf_time(instant t) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t s = std::time_t(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

const std::string* http_request::header(std::string_view name) const {
  const std::string* found = nullptr;
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) found = &v;
  return found;
}

std::string http_response::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) return v;
  return "";
}

service::service(runtime& rt, const system_def& def, std::vector<std::string> stages, integration run)
    : rt_(rt), def_(def), g_(def.gateway), run_(std::move(run)) {
  for (const auto& r : g_.routes) routes_.push_back({&r, split_path(r.path)});
  for (const auto& s : stages) stages_[s] = stage_state{s, api_id(s), {}, {}};
}

std::string service::api_id(const std::string& stage) const { return short_id(def_.name + "/" + stage, 10); }

bool service::serves(const std::string& path) const {
  if (!g_.defined || path.size() < 2 || path[0] != '/') return false;
  std::size_t end = path.find('/', 1);
  return stages_.count(path.substr(1, end == std::string::npos ? std::string::npos : end - 1)) > 0;
}

const std::deque<access_entry>& service::access_log(const std::string& stage) const {
  static const std::deque<access_entry> none;
  auto it = stages_.find(stage);
  return it == stages_.end() ? none : it->second.log;
}

json service::metrics() const {
  json out = json::object();
  for (const auto& [name, st] : stages_) out[name] = st.counts;
  return out;
}

namespace {

// Whether `segs` fits the route's template, collecting path parameters; `{name+}` takes the
// rest of the path (one segment or more).
bool fits(const std::vector<std::string>& tmpl, const std::vector<std::string>& segs, json& params) {
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    const std::string& s = tmpl[i];
    bool param = s.size() > 2 && s.front() == '{' && s.back() == '}';
    if (i >= segs.size()) return false;
    if (param && s[s.size() - 2] == '+') {
      std::string rest;
      for (std::size_t k = i; k < segs.size(); ++k) rest += (k == i ? "" : "/") + segs[k];
      params[s.substr(1, s.size() - 3)] = utf8_text(rest);
      return true;
    }
    if (param)
      params[s.substr(1, s.size() - 2)] = utf8_text(segs[i]);
    else if (s != segs[i])
      return false;
  }
  return segs.size() == tmpl.size();
}

}  // namespace

const service::route* service::match(const std::string& method, const std::vector<std::string>& segs, json& params,
                                     std::vector<std::string>& methods) const {
  const route* found = nullptr;
  std::vector<std::string> present;
  for (const auto& r : routes_) {
    json p = json::object();
    if (!fits(r.segments, segs, p)) continue;
    present.push_back(r.def->method);
    if (!found && (r.def->method == method || r.def->method == "ANY")) {
      found = &r;
      params = std::move(p);
    }
  }
  methods.clear();
  if (present.empty()) return found;
  auto has = [&](const char* m) { return std::find(present.begin(), present.end(), m) != present.end(); };
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
    if (has(m) || has("ANY")) methods.push_back(m);
  methods.push_back("OPTIONS");
  return found;
}

bool service::take(bucket& b, double rate, double burst, instant now) {
  if (b.tokens < 0) b.tokens = burst, b.last = now;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) b.tokens = std::min(burst, b.tokens + elapsed * rate);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

// AWS WAF's rate-based rule: requests from one IP in the trailing window, including this one.
// At most `limit` times are kept per IP, so memory is bounded by limit × active IPs.
bool service::waf_allows(const std::string& ip, instant now) {
  auto& times = waf_[ip];
  while (!times.empty() && times.front() <= now - g_.waf_window) times.pop_front();
  if (int(times.size()) >= *g_.waf_limit) return false;
  times.push_back(now);
  if (waf_.size() > 100'000)  // forget idle clients
    for (auto it = waf_.begin(); it != waf_.end();)
      it = it->second.empty() || it->second.back() <= now - g_.waf_window ? waf_.erase(it) : std::next(it);
  return true;
}

// Quota periods start at 00:00 UTC: each day, each Monday (ISO weeks), each 1st of the month.
std::int64_t service::quota_period_start(const usage_plan_def& plan, instant now) const {
  std::int64_t days = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count() / 24;
  if (plan.quota_period == "DAY") return days;
  if (plan.quota_period == "WEEK") return days - (days + 3) % 7;  // 1970-01-01 was a Thursday
  std::time_t s = std::time_t(days * 86400);
  std::tm tm{};
  gmtime_r(&s, &tm);
  return days - (tm.tm_mday - 1);
}

void service::add_cors(const http_request& req, http_response& res, bool preflight,
                       const std::vector<std::string>& methods) const {
  const std::string* given = req.header("Origin");
  std::string origin = given ? *given : "";
  if (g_.cors_origins.empty()) return;
  res.headers.push_back({"Vary", "Origin"});
  bool allowed = std::find(g_.cors_origins.begin(), g_.cors_origins.end(), "*") != g_.cors_origins.end() ||
                 std::find(g_.cors_origins.begin(), g_.cors_origins.end(), origin) != g_.cors_origins.end();
  if (origin.empty() || !allowed) return;
  auto set = [&](const std::string& k, const std::string& v) {
    for (auto& [hk, hv] : res.headers)
      if (iequal(hk, k)) return;  // the function set it
    res.headers.push_back({k, v});
  };
  set("Access-Control-Allow-Origin", origin);
  if (!preflight) return;
  std::string m, h;
  for (const auto& x : methods) m += (m.empty() ? "" : ",") + x;
  for (const auto& x : g_.cors_headers) h += (h.empty() ? "" : ",") + x;
  for (const char* must : {"Content-Type", "X-Api-Key"})
    if (std::none_of(g_.cors_headers.begin(), g_.cors_headers.end(),
                     [&](const std::string& x) { return iequal(x, must); }))
      h += (h.empty() ? "" : ",") + std::string(must);
  set("Access-Control-Allow-Methods", m);
  set("Access-Control-Allow-Headers", h);
  set("Access-Control-Max-Age", "600");
}

json service::proxy_event(const http_request& req, const stage_state& st, const route& rt, const std::string& rel_path,
                          const json& path_params, const api_key_def* key, const std::string& request_id,
                          const std::string& trace_id, instant now) const {
  json headers = json::object(), multi_headers = json::object();
  for (const auto& [k, v] : req.headers) {
    std::string name = utf8_text(k), value = utf8_text(v);
    headers[name] = value;
    multi_headers[name].push_back(value);
  }
  // API Gateway adds the trace header it propagates.
  if (!req.header("X-Amzn-Trace-Id")) {
    headers["X-Amzn-Trace-Id"] = "Root=" + trace_id;
    multi_headers["X-Amzn-Trace-Id"] = json::array({"Root=" + trace_id});
  }
  json query = json::object(), multi_query = json::object();
  for (const auto& [k, v] : req.query) {
    std::string name = utf8_text(k), value = utf8_text(v);
    query[name] = value;  // the last value wins
    multi_query[name].push_back(value);
  }
  auto or_null = [](json& j) { return j.empty() ? json() : std::move(j); };
  const std::string* agent = req.header("User-Agent");
  std::string ua = agent ? utf8_text(*agent) : "";
  json identity = {{"accessKey", nullptr},
                   {"accountId", nullptr},
                   {"apiKey", key ? json(key->value) : json()},
                   {"apiKeyId", key ? json(short_id("key/" + key->name, 10)) : json()},
                   {"caller", nullptr},
                   {"cognitoAuthenticationProvider", nullptr},
                   {"cognitoAuthenticationType", nullptr},
                   {"cognitoIdentityId", nullptr},
                   {"cognitoIdentityPoolId", nullptr},
                   {"principalOrgId", nullptr},
                   {"sourceIp", req.source_ip},
                   {"user", nullptr},
                   {"userAgent", ua.empty() ? json() : json(ua)},
                   {"userArn", nullptr}};
  json ctx = {
      {"accountId", def_.account},
      {"apiId", st.api_id},
      {"domainName", st.api_id + ".execute-api." + def_.region + ".amazonaws.com"},
      {"domainPrefix", st.api_id},
      {"extendedRequestId", short_id(request_id, 16)},
      {"httpMethod", req.method},
      {"identity", std::move(identity)},
      {"path", "/" + st.name + rel_path},
      {"protocol", "HTTP/1.1"},
      {"requestId", request_id},
      {"requestTime", clf_time(now)},
      {"requestTimeEpoch", std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()},
      {"resourceId", short_id(rt.def->method + " " + rt.def->path, 6)},
      {"resourcePath", rt.def->path},
      {"stage", st.name}};
  json body;
  bool base64 = false;
  if (!req.body.empty()) {
    if (utf8_text(req.body) == req.body)
      body = req.body;
    else
      body = base64_encode(req.body), base64 = true;  // binary: as with a matching binaryMediaTypes entry
  }
  return {{"resource", rt.def->path},
          {"path", rel_path},
          {"httpMethod", req.method},
          {"headers", or_null(headers)},
          {"multiValueHeaders", or_null(multi_headers)},
          {"queryStringParameters", or_null(query)},
          {"multiValueQueryStringParameters", or_null(multi_query)},
          {"pathParameters", path_params.empty() ? json() : path_params},
          {"stageVariables", nullptr},
          {"requestContext", std::move(ctx)},
          {"body", std::move(body)},
          {"isBase64Encoded", base64}};
}

// The Lambda proxy response: {statusCode, headers, multiValueHeaders, body, isBase64Encoded}
// and nothing else; anything malformed throws (the caller answers 502).
http_response service::from_proxy_response(const json& r) const {
  auto bad = [](const std::string& why) { throw std::runtime_error("Malformed Lambda proxy response: " + why); };
  if (!r.is_object()) bad("the function returned " + std::string(r.type_name()) + ", not an object");
  for (const auto& [k, v] : r.items())
    if (k != "statusCode" && k != "headers" && k != "multiValueHeaders" && k != "body" && k != "isBase64Encoded")
      bad("unexpected key '" + k + "'");
  http_response out;
  if (!r.contains("statusCode") || !r["statusCode"].is_number_integer()) bad("statusCode must be a whole number");
  out.status = r["statusCode"].get<int>();
  if (out.status < 100 || out.status > 599) bad("statusCode " + std::to_string(out.status) + " is not an HTTP status");
  auto scalar = [&](const json& v, const std::string& where) -> std::string {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean()) return v.dump();
    bad(where + " must be a string");
    return "";
  };
  std::map<std::string, std::vector<std::string>> merged;  // lower-case name → values
  std::map<std::string, std::string> spelled;
  if (r.contains("headers") && !r["headers"].is_null()) {
    if (!r["headers"].is_object()) bad("headers must be an object");
    for (const auto& [k, v] : r["headers"].items())
      merged[lower(k)] = {scalar(v, "headers." + k)}, spelled[lower(k)] = k;
  }
  if (r.contains("multiValueHeaders") && !r["multiValueHeaders"].is_null()) {
    if (!r["multiValueHeaders"].is_object()) bad("multiValueHeaders must be an object");
    for (const auto& [k, v] : r["multiValueHeaders"].items()) {
      if (!v.is_array()) bad("multiValueHeaders." + k + " must be a list");
      std::vector<std::string> values;
      for (const auto& x : v) values.push_back(scalar(x, "multiValueHeaders." + k));
      merged[lower(k)] = values, spelled[lower(k)] = k;  // multi-value entries win
    }
  }
  for (const auto& [k, values] : merged)
    for (const auto& v : values) {
      if (v.find_first_of("\r\n") != std::string::npos) bad("header " + spelled[k] + " contains a line break");
      out.headers.push_back({spelled[k], v});
    }
  bool base64 = false;
  if (r.contains("isBase64Encoded") && !r["isBase64Encoded"].is_null()) {
    if (!r["isBase64Encoded"].is_boolean()) bad("isBase64Encoded must be true or false");
    base64 = r["isBase64Encoded"].get<bool>();
  }
  if (r.contains("body") && !r["body"].is_null()) {
    if (!r["body"].is_string()) bad("body must be a string");
    out.body = r["body"].get<std::string>();
    if (base64) {
      auto decoded = base64_decode(out.body);
      if (!decoded) bad("body is not base64 although isBase64Encoded is true");
      out.body = *decoded;
    }
  }
  if (out.header("Content-Type").empty()) out.headers.push_back({"Content-Type", "application/json"});
  return out;
}

http_response service::handle(const http_request& req) {
  instant now = rt_.clock().now();
  const std::int64_t started_ns = rt_.clock().ticks_ns();
  std::size_t slash = req.path.find('/', 1);
  stage_state& st = stages_.at(req.path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1));
  std::string rel_path = slash == std::string::npos ? "/" : req.path.substr(slash);
  std::string request_id = rt_.ids().uuid();
  std::string resource_path = "-", trace_id, api_key_value;
  http_response res;
  std::vector<std::string> methods;
  bool preflight = false;
  // gateway.request opens the request's trace (before its integration runs, for a request that
  // reaches one); gateway.response closes it, caused by the entry whose result answered.
  std::uint64_t received = 0, answered_by = 0;
  auto record_request = [&](const std::string& trace) {
    return rt_.trace().record("gateway.request", "gateway",
                              {{"stage", st.name},
                               {"method", req.method},
                               {"path", rel_path},
                               {"resource", resource_path},
                               {"request_id", request_id}},
                              trace);
  };

  // The gateway's own answers (API Gateway's "gateway responses").
  auto refuse = [&](int status, const std::string& message, const std::string& response_type,
                    const std::string& error_type) {
    res.status = status;
    res.headers = {{"Content-Type", "application/json"}, {"x-amzn-ErrorType", error_type}};
    res.body = json{{"message", message}}.dump();
    st.counts[response_type]++;
  };

  [&] {
    if (int(req.body.size()) > g_.max_body_bytes)
      return refuse(413, "Request Too Long", "REQUEST_TOO_LARGE", "RequestTooLongException");
    if (g_.waf_limit && !waf_allows(req.source_ip, now))
      return refuse(403, "Forbidden", "WAF_FILTERED", "ForbiddenException");

    json params;
    const route* rt = match(req.method, split_path(rel_path), params, methods);
    bool path_known = !methods.empty();
    if (!rt && path_known && req.method == "OPTIONS" &&
        !g_.cors_origins.empty()) {  // CORS preflight (MOCK integration)
      preflight = true;
      res.status = 200;
      res.headers = {{"Content-Type", "application/json"}};
      st.counts["PREFLIGHT"]++;
      return;
    }
    if (!rt)
      return refuse(403, "Missing Authentication Token", "MISSING_AUTHENTICATION_TOKEN",
                    "MissingAuthenticationTokenException");
    resource_path = rt->def->path;

    const api_key_def* key = nullptr;
    if (const std::string* v = req.header("x-api-key")) api_key_value = *v;
    for (const auto& k : g_.api_keys)
      if (!api_key_value.empty() && k.value == api_key_value) key = &k;
    const usage_plan_def* plan = nullptr;
    if (key)
      for (const auto& u : g_.usage_plans)
        if (u.name == key->plan) plan = &u;
    bool key_ok = key && key->enabled && plan && plan->covers(st.name);
    if (rt->def->api_key_required && !key_ok) return refuse(403, "Forbidden", "INVALID_API_KEY", "ForbiddenException");
    if (!key_ok) key = nullptr, plan = nullptr;  // plans only apply to requests with a valid key

    quota_use* quota = nullptr;
    if (plan && plan->quota_limit) {
      quota = &key_quotas_[key->value];
      std::int64_t start = quota_period_start(*plan, now);
      if (quota->period_start != start) *quota = {start, 0};
      if (quota->used >= *plan->quota_limit)
        return refuse(429, "Limit Exceeded", "QUOTA_EXCEEDED", "LimitExceededException");
    }
    // The account's regional throttle (10,000 requests/s, burst 5,000, unless the system raises
    // it), then the plan's.
    if (!take(account_bucket_, g_.account_rate, g_.account_burst, now) ||
        (plan && !take(key_buckets_[key->value], plan->rate, plan->burst, now)))
      return refuse(429, "Too Many Requests", "THROTTLED", "TooManyRequestsException");
    if (quota) quota->used++;

    for (const auto& [k, v] : req.headers)
      if (iequal(k, "X-Amzn-Trace-Id"))
        if (std::string root = trace_root(v); valid_trace_root(root)) trace_id = root;
    if (trace_id.empty()) {
      char epoch[9];
      std::snprintf(
          epoch, sizeof epoch, "%08llx",
          (unsigned long long)std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
      std::string hex = rt_.ids().uuid();
      hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
      trace_id = "1-" + std::string(epoch) + "-" + hex.substr(0, 24);
    }
    json event = proxy_event(req, st, *rt, rel_path, params, key, request_id, trace_id, now);
    std::string function = resource_name(rt->def->function, st.name);
    received = record_request(trace_id);
    trace_scope scope(rt_.trace(), {trace_id, received});
    try {
      res = from_proxy_response(*run_(function, share(std::move(event)), trace_id, answered_by));
      st.counts[std::to_string(res.status / 100) + "XX"]++;
    } catch (const no_reply& e) {
      rt_.log().log(log_level::warn, "gateway", "integration timed out",
                    {{"request_id", request_id}, {"reason", e.what()}}, trace_id);
      refuse(504, "Endpoint request timed out", "INTEGRATION_TIMEOUT", "InternalServerErrorException");
    } catch (const std::exception& e) {
      rt_.log().log(log_level::warn, "gateway", "integration failed",
                    {{"request_id", request_id}, {"function", function}, {"error", e.what()}}, trace_id);
      rt_.trace().record("gateway.error", "gateway",
                         {{"request_id", request_id}, {"function", function}, {"error", e.what()}}, trace_id);
      refuse(502, "Internal server error", "INTEGRATION_FAILURE", "InternalServerErrorException");
    }
  }();

  res.headers.push_back({"x-amzn-RequestId", request_id});
  if (!trace_id.empty()) res.headers.push_back({"X-Amzn-Trace-Id", "Root=" + trace_id});
  add_cors(req, res, preflight, methods);

  // CLF, as the console's "CLF" access-log format: sourceIp caller user [requestTime]
  // "httpMethod resourcePath protocol" status responseLength requestId
  std::string line = req.source_ip + " - - [" + clf_time(now) + "] \"" + req.method + " " + resource_path +
                     " HTTP/1.1\" " + std::to_string(res.status) + " " +
                     (res.body.empty() ? "-" : std::to_string(res.body.size())) + " " + request_id;
  st.log.push_back({now, line});
  if (st.log.size() > max_access_log) st.log.pop_front();
  st.counts["requests"]++;
  route_stats& rs = route_stats_[{st.name, req.method, resource_path}];
  ++rs.statuses[res.status];
  rs.duration.observe(seconds_between(started_ns, rt_.clock().ticks_ns()));
  if (!received) received = record_request(trace_id);
  rt_.trace().record("gateway.response", "gateway",
                     {{"stage", st.name},
                      {"resource", resource_path},
                      {"status", res.status},
                      {"request_id", request_id},
                      {"request", received}},
                     trace_id, answered_by ? answered_by : received);
  return res;
}

}  // namespace emu::gateway
