#include "emulator/scenario/target.h"

#include <strings.h>

#include <cstdlib>
#include <map>

#include <httplib.h>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/sigv4.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {
namespace {

// The steps a client makes from outside; everything else needs the emulator's admin API.
bool external_step(const std::string& kind) { return kind == "http" || kind == "aws"; }

struct wire_api {
  const char* target_prefix;
  const char* content_type;
};

const wire_api* wire_api_of(const std::string& service) {
  static const wire_api events{"AWSEvents", "application/x-amz-json-1.1"};
  static const wire_api dynamodb{"DynamoDB_20120810", "application/x-amz-json-1.0"};
  static const wire_api sqs{"AmazonSQS", "application/x-amz-json-1.0"};
  if (service == "events") return &events;
  if (service == "dynamodb") return &dynamodb;
  if (service == "sqs") return &sqs;
  return nullptr;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string region_of_environment() { return env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1")); }

// Where a service's API is: the emulator itself, else AWS_ENDPOINT_URL_<SERVICE>,
// AWS_ENDPOINT_URL or the service's regional endpoint (the SDKs' order).
std::string aws_endpoint(const std::string& service) {
  std::string upper = service;
  for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "EVENTS") upper = "EVENTBRIDGE";
  std::string url = env_or(("AWS_ENDPOINT_URL_" + upper).c_str(), env_or("AWS_ENDPOINT_URL", ""));
  if (!url.empty()) return url;
  return "https://" + service + "." + region_of_environment() + ".amazonaws.com";
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  return url.substr(start, url.find('/', start) - start);
}

}  // namespace

struct remote_target::impl {
  std::unique_ptr<httplib::Client> client;
  std::map<std::string, std::unique_ptr<httplib::Client>> aws_clients;  // by endpoint (not an emulator)

  httplib::Client& aws_client(const std::string& endpoint) {
    auto& c = aws_clients[endpoint];
    if (!c) {
      c = std::make_unique<httplib::Client>(endpoint);
      c->set_connection_timeout(10);
      c->set_read_timeout(60);
      c->set_tcp_nodelay(true);
    }
    return *c;
  }

  // One admin call: the answer's JSON, or std::runtime_error with what the serve said.
  json admin(const std::string& method, const std::string& path, const std::string& body = "") {
    httplib::Result res = method == "GET" ? client->Get(path) : client->Post(path, body, "application/json");
    if (!res) throw std::runtime_error(method + " " + path + ": no answer (" + httplib::to_string(res.error()) + ")");
    json out = json::parse(res->body, nullptr, false);
    if (res->status != 200) {
      std::string why = out.is_object() ? out.value("message", res->body) : res->body;
      throw std::runtime_error(method + " " + path + " answered " + std::to_string(res->status) + ": " + why);
    }
    if (out.is_discarded()) throw std::runtime_error(method + " " + path + " answered something that is not JSON");
    return out;
  }
};

remote_target::remote_target(const std::string& url) : impl_(std::make_unique<impl>()), url_(url) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  if (url_.rfind("http://", 0) != 0 && url_.rfind("https://", 0) != 0)
    throw std::runtime_error("--target " + url + " is not an http:// or https:// URL");
  impl_->client = std::make_unique<httplib::Client>(url_);
  impl_->client->set_connection_timeout(5);
  impl_->client->set_read_timeout(300);  // a step may advance through much work
  impl_->client->set_keep_alive(true);
  impl_->client->set_tcp_nodelay(true);  // a request is headers then body: no 40 ms wait between
}

remote_target::~remote_target() = default;

void remote_target::probe() {
  httplib::Result res = impl_->client->Get("/_emu/health");
  if (!res) throw std::runtime_error("--target " + url_ + " does not answer (" + httplib::to_string(res.error()) + ")");
  json h = json::parse(res->body, nullptr, false);
  emulator_ = res->status == 200 && h.is_object() && h.value("status", "") == "ok" && h.contains("stages");
}

std::string remote_target::refusal(const scenario& s) const {
  if (emulator_) return "";
  bool signs = false;
  for (const auto& st : s.steps) signs = signs || st.kind == "aws";
  auto creds = aws_credentials::from_environment();
  if (signs && (creds.access_key_id.empty() || creds.secret_access_key.empty()))
    return s.file + ": aws steps against " + url_ +
           " are signed with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), which are not set";
  if (!s.fixtures.empty())
    return s.file + ": fixtures need a bellyfed-emu target (" + url_ + " is not one: it runs only http and aws steps)";
  for (const auto& st : s.steps)
    if (!external_step(st.kind))
      return s.file + ":" + std::to_string(st.line) + ": step " + std::to_string(st.index) + " \"" + st.name + "\" (" +
             st.kind + ") needs a bellyfed-emu target (" + url_ + " is not one: it runs only http and aws steps)";
  return "";
}

namespace {

class remote_executor final : public executor {
 public:
  remote_executor(remote_target::impl& t, bool emulator, const system_def& sys, std::string stage, std::string base)
      : t_(t), emulator_(emulator), sys_(sys), stage_(std::move(stage)), base_(std::move(base)) {}
  std::uint64_t trace_start = 0;
  bool remote() const override { return true; }

  json run_step(const step& st, const json& params) override {
    if (st.kind == "http" && !params.contains("source_ip")) return http(params);
    if (st.kind == "aws") return aws(params);
    // The rest runs inside the serve (a source_ip is not something a client can send).
    return t_.admin("POST", "/_emu/steps?stage=" + stage_, json{{"kind", st.kind}, {"params", params}}.dump());
  }

  std::vector<mismatch> run_check(const check& c, const match_env&, const json& vars) override {
    std::string expect = "{" + c.name + ": " + yaml_text(c.source);
    if (c.within) expect += ", within: " + format_duration(*c.within);
    if (c.absent) expect += ", absent: true";
    expect += "}";
    json r = t_.admin("POST", "/_emu/checks?stage=" + stage_, "expect: " + expect + "\nvars: " + vars.dump() + "\n");
    std::vector<mismatch> out;
    for (const auto& ch : r.value("checks", json::array()))
      for (const auto& d : ch.value("details", json::array())) {
        std::string text = d.get<std::string>();
        auto colon = text.find(": ");
        if (colon == std::string::npos)
          out.push_back({"$", text});
        else
          out.push_back({text.substr(0, colon), text.substr(colon + 2)});
      }
    return out;
  }

  json builtin(const std::string& name) override {
    if (name == "now") return iso8601_ms(now());
    return t_.admin("POST", "/_emu/ids").value("uuid", "");
  }

  json trace() override {
    if (!emulator_) return json::array();
    json all = json::array();
    std::uint64_t since = trace_start;
    for (;;) {  // page by page
      json page = t_.admin("GET", "/_emu/traces?since=" + std::to_string(since) + "&limit=10000");
      json entries = page.value("traces", json::array());
      for (auto& e : entries) all.push_back(e);
      if (entries.size() < 10000) break;
      since = entries.back().value("seq", since);
    }
    return all;
  }

  instant now() override {
    if (!emulator_) return instant{};
    auto t = parse_iso8601(t_.admin("GET", "/_emu/clock").value("now", ""));
    return t ? *t : instant{};
  }

 private:
  // Through the stage's API Gateway, as a browser or curl would call it.
  json http(const json& params) {
    gateway::http_request req = gateway_request(params, stage_);
    httplib::Headers headers;
    std::string type;
    for (const auto& [k, v] : req.headers) {
      if (strcasecmp(k.c_str(), "content-type") == 0)
        type = v;
      else
        headers.emplace(k, v);
    }
    std::string path = req.path;
    for (std::size_t i = 0; i < req.query.size(); ++i)
      path +=
          (i == 0 ? "?" : "&") + uri_encode(req.query[i].first, false) + "=" + uri_encode(req.query[i].second, false);
    int repeat = params.value("repeat", 1);
    json statuses = json::object();
    gateway::http_response res;
    for (int i = 0; i < repeat; ++i) {
      httplib::Request r;
      r.method = req.method;
      r.path = path;
      r.headers = headers;
      if (!req.body.empty() || !type.empty()) {
        r.body = req.body;
        r.set_header("Content-Type", type.empty() ? "text/plain" : type);
      }
      httplib::Result got = t_.client->send(r);
      if (!got)
        throw std::runtime_error(req.method + " " + base_ + path + ": no answer (" + httplib::to_string(got.error()) +
                                 ")");
      res.status = got->status;
      res.body = got->body;
      res.headers.clear();
      for (const auto& [k, v] : got->headers) {
        // What the HTTP connection adds, not the gateway.
        if (strcasecmp(k.c_str(), "connection") == 0 || strcasecmp(k.c_str(), "keep-alive") == 0 ||
            strcasecmp(k.c_str(), "content-length") == 0)
          continue;
        res.headers.emplace_back(k, v);
      }
      json& n = statuses[std::to_string(res.status)];
      n = n.is_null() ? 1 : n.get<int>() + 1;
    }
    return gateway_result(res, params.contains("repeat") ? &statuses : nullptr);
  }

  // One AWS JSON-protocol call, answered with the SDK's JSON shapes or {error: {type, message}}.
  json aws(const json& p) {
    std::string service = p.value("service", ""), action = p.value("action", "");
    const wire_api* w = wire_api_of(service);
    if (!w) throw aws_error::validation("aws: unknown service " + service);
    std::string endpoint = emulator_ ? base_ : aws_endpoint(service);
    json params = qualify_aws_params(sys_, stage_, service, p.value("params", json::object()),
                                     [&](const std::string& q) { return queue_url(endpoint, q); });
    // Signed as an SDK signs (any credentials do for an emulator).
    signed_request r;
    r.host = host_of(endpoint);
    r.headers = {{"Content-Type", w->content_type}, {"X-Amz-Target", std::string(w->target_prefix) + "." + action}};
    r.body = params.dump();
    aws_credentials creds = aws_credentials::from_environment();
    if (creds.access_key_id.empty()) creds = {"test", "test", ""};
    sigv4_sign(r, creds, region_of_environment(), service, instant(duration(wall_unix_ms())));
    httplib::Headers headers;
    for (const auto& [k, v] : r.headers)
      if (k != "Content-Type") headers.emplace(k, v);
    httplib::Client& client = emulator_ ? *t_.client : t_.aws_client(endpoint);
    httplib::Result got = client.Post("/", headers, r.body, w->content_type);
    if (!got)
      throw std::runtime_error(service + " " + action + ": no answer (" + httplib::to_string(got.error()) + ")");
    json body = got->body.empty() ? json::object() : json::parse(got->body, nullptr, false);
    if (body.is_discarded())
      throw std::runtime_error(service + " " + action + " answered " + std::to_string(got->status) +
                               " with something that is not JSON");
    if (got->status >= 300) {
      std::string type = body.value("__type", std::string("UnknownError"));
      if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
      std::string message = body.value("message", body.value("Message", std::string()));
      throw aws_error(type, message, got->status);
    }
    return body;
  }

  // A bare queue name's URL: the emulator's own form, or AWS's (GetQueueUrl) elsewhere.
  std::string queue_url(const std::string& endpoint, const std::string& name) {
    if (emulator_) return endpoint + "/000000000000/" + name;
    json r = aws({{"service", "sqs"}, {"action", "GetQueueUrl"}, {"params", {{"QueueName", name}}}});
    return r.value("QueueUrl", name);
  }

  remote_target::impl& t_;
  bool emulator_;
  const system_def& sys_;
  std::string stage_;
  std::string base_;
};

}  // namespace

scenario_outcome remote_target::run(const scenario& s, const system_def& sys, const registry& reg) {
  scenario_outcome out;
  out.file = s.file;
  out.name = s.name;
  out.tags = s.tags;
  remote_executor ex(*impl_, emulator_, sys, s.stage, url_);
  if (emulator_) {
    try {
      json r = impl_->admin(
          "POST", "/_emu/reset",
          json{{"seed", s.seed}, {"clock", iso8601_ms(s.start)}, {"mode", "virtual"}, {"stage", s.stage}}.dump());
      json doc = json::object();
      for (const auto& f : s.fixtures) {
        json& list = doc[f.outbox_rows ? "rows" : "tables"][f.table];
        for (const auto& it : f.items) list.push_back(it);
      }
      if (!s.fixtures.empty()) impl_->admin("POST", "/_emu/fixtures?stage=" + s.stage, doc.dump());
      // Fixtures are setup, not part of the trace.
      json clock = impl_->admin("GET", "/_emu/traces?order=newest&limit=1");
      ex.trace_start = r.value("trace_start", std::uint64_t(0));
      if (!clock.value("traces", json::array()).empty())
        ex.trace_start = clock["traces"][0].value("seq", ex.trace_start);
    } catch (const std::exception& e) {
      step_outcome so;
      so.name = so.kind = "reset";
      so.ran = true;
      so.result = status::error;
      so.details.push_back(url_ + ": " + e.what());
      out.steps.push_back(so);
      out.result = status::error;
      out.virtual_elapsed = "0s";
      return out;
    }
  }
  run_steps(s, sys, reg, ex, out);
  return out;
}

}  // namespace emu::scenario
