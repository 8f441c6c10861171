// API Gateway in scenarios: the `http` step sends one request through the scenario stage's
// gateway (keys, throttles, CORS, WAF and the request/reply chain all apply) and returns
// {status, headers, body}, the body parsed when it is JSON. Paths are stage-relative.
#include <strings.h>

#include <cctype>

#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {
namespace {

std::string scalar_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string form_encode(const json& form) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const auto& [k, v] : form.items()) {
    if (!out.empty()) out += '&';
    for (const std::string& part : {k, std::string("="), scalar_text(v)}) {
      if (part == "=") {
        out += '=';
        continue;
      }
      for (unsigned char c : part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
          out += char(c);
        else if (c == ' ')
          out += '+';
        else
          out += '%', out += hex[c >> 4], out += hex[c & 15];
      }
    }
  }
  return out;
}

}  // namespace

gateway::http_request gateway_request(const json& p, const std::string& stage) {
  gateway::http_request req;
  req.method = p.value("method", "GET");
  req.path = "/" + stage + p["path"].get<std::string>();
  if (auto q = req.path.find('?'); q != std::string::npos)
    throw aws_error::validation("http: put query parameters under query:, not in path");
  json query = p.value("query", json::object()), headers = p.value("headers", json::object());
  for (const auto& [k, v] : query.items()) {
    if (v.is_array())
      for (const auto& x : v) req.query.emplace_back(k, scalar_text(x));
    else
      req.query.emplace_back(k, scalar_text(v));
  }
  bool has_type = false;
  for (const auto& [k, v] : headers.items()) {
    req.headers.emplace_back(k, scalar_text(v));
    has_type = has_type || strcasecmp(k.c_str(), "content-type") == 0;
  }
  if (p.contains("json")) {
    req.body = p["json"].dump();
    if (!has_type) req.headers.emplace_back("Content-Type", "application/json");
  } else if (p.contains("form")) {
    req.body = form_encode(p["form"]);
    if (!has_type) req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else if (p.contains("body")) {
    req.body = scalar_text(p["body"]);
  }
  req.source_ip = p.value("source_ip", "127.0.0.1");
  return req;
}

json gateway_result(const gateway::http_response& res, const json* statuses) {
  json out_headers = json::object();
  for (const auto& [k, v] : res.headers) out_headers[k] = v;
  json body = json::parse(res.body, nullptr, false);
  if (body.is_discarded()) body = res.body;
  json out = {{"status", res.status}, {"headers", out_headers}, {"body", body}};
  // The trace id the answer carries (its X-Amzn-Trace-Id root), as events and traces name it.
  for (const auto& [k, v] : res.headers)
    if (strcasecmp(k.c_str(), "x-amzn-trace-id") == 0)
      if (std::string root = trace_root(v); !root.empty()) out["trace_id"] = root;
  if (statuses) out["statuses"] = *statuses;
  return out;
}

void add_gateway_steps(registry& reg) {
  reg.add_step(
      {"http",
       "a request through the stage's API Gateway: {method, path, query, headers, body | json | form, source_ip, "
       "repeat}; the result is {status, headers, body} (with repeat: N, the last answer's, plus statuses: {code: "
       "count})",
       [](const YAML::Node& p, const std::string& file, const std::string& path) {
         require_keys(p, file, path,
                      {"method", "path", "query", "headers", "body", "json", "form", "source_ip", "repeat"}, {"path"});
         if (p["repeat"]) {
           int n = 0;
           try {
             n = p["repeat"].as<int>();
           } catch (const YAML::Exception&) {}
           if (n < 1 || n > 10000)
             throw load_error(file, p["repeat"].Mark(), path + ".repeat", "must be a whole number from 1 to 10000");
         }
         int bodies = (p["body"] ? 1 : 0) + (p["json"] ? 1 : 0) + (p["form"] ? 1 : 0);
         if (bodies > 1) throw load_error(file, p.Mark(), path, "give at most one of body, json and form");
         if (!p["path"].IsScalar() || p["path"].Scalar().empty() || p["path"].Scalar()[0] != '/')
           throw load_error(file, p["path"].Mark(), path + ".path",
                            "must be a stage-relative path such as /restaurants");
         for (const char* k : {"query", "headers", "form"})
           if (p[k] && !p[k].IsMap()) throw load_error(file, p[k].Mark(), path + "." + k, "must be a map");
       },
       [](world& w, const json& p) -> json {
         if (!w.sys.gateway.defined) throw aws_error::validation("http: the system definition has no gateway section");
         gateway::http_request req = gateway_request(p, w.stage);
         // repeat: the same request N times at the same instant (bursts, WAF limits).
         int repeat = p.value("repeat", 1);
         json statuses = json::object();
         gateway::http_response res;
         for (int i = 0; i < repeat; ++i) {
           res = w.system->gateway().handle(req);
           json& n = statuses[std::to_string(res.status)];
           n = n.is_null() ? 1 : n.get<int>() + 1;
         }
         json out = gateway_result(res, p.contains("repeat") ? &statuses : nullptr);
         return out;
       }});
}

}  // namespace emu::scenario
