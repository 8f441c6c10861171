#include "emulator/edge/router.h"

#include <charconv>
#include <optional>

#include "emulator/core/error.h"
#include "emulator/core/text.h"

namespace emu::edge {

std::string url_decode(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

params parse_form(const std::string& text) {
  params out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t amp = text.find('&', pos);
    if (amp == std::string::npos) amp = text.size();
    std::string part = text.substr(pos, amp - pos);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      if (eq == std::string::npos)
        out.emplace_back(url_decode(part), "");
      else
        out.emplace_back(url_decode(part.substr(0, eq)), url_decode(part.substr(eq + 1)));
    }
    pos = amp + 1;
  }
  return out;
}

json parse_json_body(const std::string& body) {
  if (body.empty()) return json::object();
  // The fast parser reads what nlohmann's reads; when it refuses, nlohmann's says why.
  if (json fast = parse_client_json(body, max_json_depth); !fast.is_discarded()) return fast;
  try {
    return json::parse(body, [](int depth, json::parse_event_t ev, json&) {
      if ((ev == json::parse_event_t::object_start || ev == json::parse_event_t::array_start) &&
          depth >= max_json_depth)
        throw aws_error::serialization("The request body nests deeper than " + std::to_string(max_json_depth) +
                                       " levels");
      return true;
    });
  } catch (const json::exception& e) {
    throw aws_error::serialization(std::string("Could not parse the request body as JSON: ") + e.what());
  }
}

response json_error(int status, const std::string& type, const std::string& message, json_protocol p,
                    const json& details) {
  response r;
  r.status = status;
  r.content_type = p == json_protocol::v1_0 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
  r.headers.emplace_back("x-amzn-ErrorType", type);
  json body = {{"__type", type}, {"message", message}};
  if (details.is_object())
    for (const auto& [k, v] : details.items()) body[k] = v;
  r.body = dump_lossy(body);
  return r;
}

void router::add_api(api a) {
  std::string prefix = a.target_prefix;
  apis_[prefix] = std::move(a);
}

void router::add_admin(const std::string& method, const std::string& path, path_handler h) {
  admin_[{method, path}] = std::move(h);
}

response router::handle(const request& req) const {
  response r = route(req);
  if (observer_ && !r.wait_until) observer_(req, r);
  r.released = rt_.take_released();
  return r;
}

response router::route(const request& req) const {
  // /metrics is where Prometheus looks by default; it is serve's too.
  bool admin = req.path == "/_emu" || req.path.rfind("/_emu/", 0) == 0 || req.path == "/metrics";
  // API Gateway: the first path segment is the stage, for requests without X-Amz-Target (before
  // Action=, which a form posted to a route may carry too).
  std::string first =
      req.path.substr(1, req.path.find('/', 1) == std::string::npos ? std::string::npos : req.path.find('/', 1) - 1);
  bool stage = !admin && stage_handler_ && req.header("x-amz-target").empty() &&
               std::find(stages_.begin(), stages_.end(), first) != stages_.end();
  if (auto no = refuse(access_, req, !stage)) return *no;
  if (stage) return stage_handler_(req);
  if (auto pre = preflight(access_, req)) return *pre;
  response r = dispatch(req, admin);
  add_cors(access_, req, r);
  return r;
}

namespace {

// The trace context a call names in X-Amzn-Trace-Id ("Root=…;Parent=…"): user code's SDKs send
// the _X_AMZN_TRACE_ID of its invocation, whose Parent is the invocation's trace entry, so its
// calls join the invocation's trace. A Parent the trace has not reached yet is ignored.
trace_context context_of(const std::string& header, std::uint64_t last_seq) {
  trace_context c;
  std::size_t at = 0;
  while (at < header.size()) {
    std::size_t end = std::min(header.find(';', at), header.size());
    std::string_view field(header.data() + at, end - at);
    at = end + 1;
    if (field.starts_with("Root=") && field.size() <= 5 + 128) {
      c.trace_id = std::string(field.substr(5));
    } else if (field.starts_with("Parent=") && field.size() == 7 + 16) {
      std::uint64_t seq = 0;
      auto [p, ec] = std::from_chars(field.data() + 7, field.data() + field.size(), seq, 16);
      if (ec == std::errc() && p == field.data() + field.size() && seq <= last_seq) c.cause = seq;
    }
  }
  return c;
}

}  // namespace

response router::dispatch(const request& req, bool admin) const {
  if (admin) return handle_admin(req);
  std::optional<trace_scope> scope;
  if (std::string h = req.header("x-amzn-trace-id"); !h.empty())
    scope.emplace(rt_.trace(), context_of(h, rt_.trace().last_seq()));

  std::string target = req.header("x-amz-target");
  if (!target.empty()) return handle_json(req, target);

  // Query protocol: Action= in a form body (POST) or in the query string (GET).
  bool form = req.header("content-type").rfind("application/x-www-form-urlencoded", 0) == 0;
  params p = form ? parse_form(req.body) : params{};
  if (!form || p.empty()) p = req.query;
  for (const auto& [k, v] : p)
    if (k == "Action") return handle_query(req, p);

  for (const auto& [prefix, h] : rest_) {
    if (!req.path.starts_with(prefix)) continue;
    // The REST API renders its own errors; anything that still escapes is a 500, never a crash.
    try {
      return h(req);
    } catch (const aws_error& e) {
      return json_error(e.http_status(), e.type(), e.message());
    } catch (const std::exception& e) {
      return json_error(500, "ServiceException", std::string("internal error: ") + e.what());
    }
  }

  if (req.method == "POST" && req.path == "/")
    return json_error(400, "UnknownOperationException",
                      "The request has neither an X-Amz-Target header nor an Action parameter");
  response r;
  r.status = 404;
  std::string stages;
  for (const auto& s : stages_) stages += (stages.empty() ? "/" : ", /") + s + "/…";
  r.body = dump_lossy(json{{"message", "No route for " + req.method + " " + req.path +
                                           ". This server answers AWS API calls (X-Amz-Target or Action=), "
                                           "the API Gateway stages " +
                                           stages + " and /_emu/health"}});
  return r;
}

namespace {
// "DynamoDB_20120810.GetItem" → the API's target prefix and the operation; no prefix without a dot.
std::pair<std::string, std::string> split_target(const std::string& target) {
  auto dot = target.rfind('.');
  if (dot == std::string::npos) return {"", target};
  return {target.substr(0, dot), target.substr(dot + 1)};
}
}  // namespace

void router::prepare(const request& req) const {
  if (!req.parsed_json) return;
  auto [prefix, op] = split_target(req.header("x-amz-target"));
  auto svc = apis_.find(prefix);
  if (svc == apis_.end()) return;
  auto p = svc->second.prepare.find(op);
  if (p == svc->second.prepare.end()) return;
  try {
    req.prepared = p->second(*req.parsed_json);
  } catch (const std::exception&) {
    // The operation does the work itself, under the lock, and answers any error there.
  }
}

api_call router::call_of(const request& req) {
  api_call call{req.header("host"), req.poll_deadline, {}, nullptr};
  // SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request, …".
  std::string auth = req.header("authorization");
  if (auto pos = auth.find("Credential="); pos != std::string::npos) {
    auto end = auth.find_first_of("/, ", pos + 11);
    call.access_key = auth.substr(pos + 11, end == std::string::npos ? std::string::npos : end - pos - 11);
  }
  return call;
}

response router::handle_json(const request& req, const std::string& target) const {
  auto [prefix, op] = split_target(target);
  auto svc = apis_.find(prefix);
  json_protocol proto = json_protocol::v1_0;
  if (svc == apis_.end()) {
    // An AWS service this emulator does not have (yet): answer in JSON as AWS would for an
    // operation it does not know, and say which.
    return json_error(
        400, "UnknownOperationException",
        "Operation " + target + " is not supported: service '" + prefix + "' is not emulated by bellyfed-emu");
  }
  proto = svc->second.protocol;
  const api& service = svc->second;
  std::string request_id = rt_.ids().uuid();
  auto finish = [&](response r) {
    r.headers.emplace_back("x-amzn-RequestId", request_id);
    if (service.crc32_header) r.headers.emplace_back("x-amz-crc32", std::to_string(crc32(r.body)));
    return r;
  };
  auto fail = [&](const aws_error& e) {
    auto special = service.error_type_prefixes.find(e.type());
    const std::string& tp = special != service.error_type_prefixes.end() ? special->second : service.error_type_prefix;
    response r = json_error(e.http_status(), tp + e.type(), e.message(), proto, e.details());
    if (e.has_query_code())
      r.headers.emplace_back("x-amzn-query-error", e.query_code() + (e.http_status() >= 500 ? ";Receiver" : ";Sender"));
    return finish(std::move(r));
  };
  try {
    response r;
    r.content_type = proto == json_protocol::v1_0 ? "application/x-amz-json-1.0" : "application/x-amz-json-1.1";
    api_call call = call_of(req);
    auto text = service.text_operations.find(op);
    auto it = service.operations.find(op);
    if (text == service.text_operations.end() && it == service.operations.end())
      throw aws_error::unknown_operation("Operation " + op + " is not supported by this emulator's " + prefix + " API");
    json input;
    if (req.parsed_json) {
      input = std::move(*req.parsed_json);
      req.parsed_json.reset();
    } else {
      input = parse_json_body(req.body);
    }
    call.prepared = std::move(req.prepared);
    if (service.authorize) service.authorize(op, input, call);
    if (text != service.text_operations.end()) {
      r.body = text->second(std::move(input), call);
      return finish(std::move(r));
    }
    json out = it->second(std::move(input), call);
    r.body = dump_lossy(out);
    return finish(std::move(r));
  } catch (const poll_later& wait) {
    response r;
    r.wait_until = wait.until;
    return r;
  } catch (const aws_error& e) {
    return fail(e);
  } catch (const json::exception& e) {
    // A member of an unexpected JSON type that an operation did not check itself.
    return fail(aws_error::serialization(std::string("Unexpected value type in payload: ") + e.what()));
  } catch (const std::exception& e) {
    rt_.log().error("edge", "internal error", {{"target", target}, {"error", e.what()}});
    return fail(aws_error::internal(std::string("Internal error: ") + e.what()));
  }
}

response router::handle_query(const request& req, const params& p) const {
  std::string action;
  for (const auto& [k, v] : p)
    if (k == "Action") action = v;
  std::string request_id = rt_.ids().uuid();
  const api* svc = nullptr;
  for (const auto& [prefix, a] : apis_)
    if (a.query && !svc) svc = &a;
  auto fail = [&](const aws_error& e) {
    response r;
    r.status = e.http_status();
    r.content_type = "text/xml";
    std::string xmlns = svc ? svc->query->xmlns : "http://queue.amazonaws.com/doc/2012-11-05/";
    r.body = "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"" + xmlns + "\"><Error><Type>" +
             (e.http_status() >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + xml_escape(e.query_code()) +
             "</Code><Message>" + xml_escape(e.message()) + "</Message><Detail/></Error><RequestId>" + request_id +
             "</RequestId></ErrorResponse>";
    return r;
  };
  try {
    const api_operation* op = nullptr;
    for (const auto& [prefix, a] : apis_) {
      if (!a.query) continue;
      auto it = a.operations.find(action);
      if (it != a.operations.end()) svc = &a, op = &it->second;
    }
    if (!op) throw aws_error("InvalidAction", "The action " + action + " is not valid for this web service.");
    api_call call = call_of(req);
    json input = svc->query->decode(p, req.path, call);
    if (svc->authorize) svc->authorize(action, input, call);
    json out = (*op)(std::move(input), call);
    response r;
    r.content_type = "text/xml";
    r.body = svc->query->encode(action, out);
    return r;
  } catch (const poll_later& wait) {
    response r;
    r.wait_until = wait.until;
    return r;
  } catch (const aws_error& e) {
    return fail(e);
  } catch (const std::exception& e) {
    rt_.log().error("edge", "internal error", {{"action", action}, {"error", e.what()}});
    return fail(aws_error("InternalError", std::string("Internal error: ") + e.what(), 500));
  }
}

response router::handle_admin(const request& req) const {
  const path_handler* h = nullptr;
  bool other_method = false;
  for (const auto& [key, fn] : admin_) {
    const auto& [method, path] = key;
    bool match = path == req.path || (path.ends_with("/*") && req.path.rfind(path.substr(0, path.size() - 1), 0) == 0);
    if (!match) continue;
    if (method == req.method)
      h = &fn;
    else
      other_method = true;
  }
  response r;
  if (!h) {
    r.status = other_method ? 405 : 404;
    std::string known;
    for (const auto& [key, fn] : admin_) known += (known.empty() ? "" : ", ") + key.first + " " + key.second;
    r.body = dump_lossy(json{{"message", (other_method ? "Method not allowed for " : "No admin endpoint ") +
                                             req.method + " " + req.path + "; available: " + known}});
    return r;
  }
  try {
    return (*h)(req);
  } catch (const aws_error& e) {
    r.status = e.http_status();
    r.body = dump_lossy(json{{"error", e.type()}, {"message", e.message()}});
  } catch (const std::exception& e) {
    r.status = 500;
    r.body = dump_lossy(json{{"error", "InternalServerError"}, {"message", e.what()}});
  }
  return r;
}

}  // namespace emu::edge
