#include "emulator/scenario/recorder.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <stdexcept>
#include <utility>

#include "emulator/core/time_format.h"
#include "emulator/edge/router.h"

namespace emu::scenario {
namespace {

// Markers for the matcher tags in the JSON a step is built as; the writer turns them into tags.
const std::string tag_uuid = "\x01uuid", tag_iso = "\x01iso8601", tag_any = "\x01any", tag_regex = "\x01regex:";

// A queue URL names the serve's host and port, which a replay does not have: the queue's name
// matters. "" if `s` is not one of this serve's queue URLs.
std::string queue_of_url(const std::string& s, const std::string& host) {
  for (const char* scheme : {"http://", "https://"}) {
    std::string prefix = scheme + host + "/";
    if (host.empty() || s.rfind(prefix, 0) != 0) continue;
    std::string rest = s.substr(prefix.size());
    auto slash = rest.find('/');
    if (slash != 12 || rest.find('/', slash + 1) != std::string::npos || rest.size() == 13) return "";
    return rest.substr(slash + 1);
  }
  return "";
}

// Answers above this size are expected by status only: a replay file stays readable.
constexpr std::size_t max_expected_bytes = 64 * 1024;
// Generated ids captured per answer, at most.
constexpr int max_captures_per_step = 20;

// Every string of every answer is looked at: plain loops, not regular expressions.
bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    char c = s[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_time(const std::string& s) {
  return s.size() >= 20 && s.size() <= 35 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && parse_iso8601(s).has_value();
}

std::string path_key(const std::string& base, const std::string& key) {
  bool ident = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
  for (char c : key) ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (ident) return base + "." + key;
  std::string quoted;
  for (char c : key) quoted += c == '\'' ? std::string("\\'") : std::string(1, c);
  return base + "['" + quoted + "']";
}

// Flow YAML written directly (a JSON string's escapes are YAML's too), with the matcher tags:
// yaml-cpp's emitter cost a third of the gateway flow's throughput under --record.
void emit(std::string& out, const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == tag_uuid || s == tag_iso || s == tag_any) {
      out += "!" + s.substr(1) + " ~";
      return;
    }
    if (s.rfind(tag_regex, 0) == 0) {
      out += "!regex " + dump_lossy(json(s.substr(tag_regex.size())));
      return;
    }
    out += dump_lossy(v);  // quoted: "3" stays a string, and nothing reads as a tag
  } else if (v.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      if (!std::exchange(first, false)) out += ", ";
      out += dump_lossy(json(k));
      out += ": ";
      emit(out, x);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& x : v) {
      if (!std::exchange(first, false)) out += ", ";
      emit(out, x);
    }
    out += ']';
  } else if (v.is_null()) {
    out += '~';
  } else {
    out += v.dump();  // numbers and booleans as JSON writes them
  }
}

std::string error_code_of_xml(const std::string& body) {
  auto a = body.find("<Code>"), b = body.find("</Code>");
  return a == std::string::npos || b == std::string::npos || b < a ? "" : body.substr(a + 6, b - a - 6);
}

json parse_or_text(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  return j.is_discarded() ? json(body) : j;
}

}  // namespace

recorder::recorder(recorder_options o) : o_(std::move(o)), last_(o_.start) {
  out_.open(o_.path, std::ios::out | std::ios::trunc);
  if (!out_) throw std::runtime_error("--record " + o_.path + ": cannot create the file");
  write("# Recorded by bellyfed-emu serve --record. Replay: bellyfed-emu run " + o_.path + "\n" +
        "scenario: " + json("session recorded " + iso8601_ms(o_.start)).dump() + "\n" + "stage: " + o_.stage + "\n" +
        "clock: " + iso8601_ms(o_.start) + "\n" + "seed: " + std::to_string(o_.seed) + "\n" +
        "steps:\n- name: \"recording starts\"\n  settle: {}\n");
  if (!failure_.empty()) throw std::runtime_error(failure_);
}

recorder::~recorder() { close(); }

std::size_t recorder::close() {
  if (!closed_) {
    closed_ = true;
    out_.flush();
    out_.close();
  }
  return steps_;
}

void recorder::write(const std::string& text) {
  if (!failure_.empty() || closed_) return;
  out_ << text;
  out_.flush();
  if (!out_) failure_ = "--record " + o_.path + ": writing failed (disk full or removed?); recording stopped";
}

json recorder::templated(const json& value) const {
  return transform_strings(value, [&](const std::string& s) -> json {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
        out += "$${";
        ++i;
        continue;
      }
      if (i + 36 <= s.size() && !captured_.empty()) {
        auto it = captured_.find(s.substr(i, 36));
        if (it != captured_.end()) {
          out += "${" + it->second + "}";
          i += 35;
          continue;
        }
      }
      out += s[i];
    }
    if (!o_.api_key.empty() && s == o_.api_key) return "${api_key}";
    if (std::string q = queue_of_url(s, host_); !q.empty()) return q;  // the aws step takes a bare name
    return out;
  });
}

json recorder::expectation(const json& answer, const std::string& path, json& captures) {
  if (answer.is_string()) {
    const auto& s = answer.get_ref<const std::string&>();
    if (is_uuid(s)) {
      // An id an earlier answer generated must come back as that same id.
      if (auto it = captured_.find(s); it != captured_.end() && !captures.contains(it->second))
        return "${" + it->second + "}";
      if (!captured_.count(s) && captures.size() < max_captures_per_step) {
        std::string name = "id_" + std::to_string(captured_.size() + 1);
        captured_[s] = name;
        captures[name] = path;
      }
      return tag_uuid;
    }
    if (is_time(s)) return tag_iso;
    if (std::string q = queue_of_url(s, host_); !q.empty()) return tag_regex + "^https?://[^/]+/[0-9]{12}/" + q + "$";
    if (s.find("${") != std::string::npos) return templated(answer);
    return answer;
  }
  if (answer.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : answer.items()) out[k] = expectation(v, path_key(path, k), captures);
    return out;
  }
  if (answer.is_array()) {
    json out = json::array();
    for (std::size_t i = 0; i < answer.size(); ++i)
      out.push_back(expectation(answer[i], path + "[" + std::to_string(i) + "]", captures));
    return out;
  }
  return answer;
}

void recorder::add_step(json step, instant now, const std::string& note) {
  std::string text;
  if (now > last_) {
    text += "- advance: " + format_duration(now - last_) + "\n";
    last_ = now;
  }
  if (!note.empty()) text += "# " + note + "\n";
  bool first = true;
  for (const auto& [k, v] : step.items()) {
    text += std::exchange(first, false) ? "- " : "  ";
    text += k + ": ";
    emit(text, v);
    text += '\n';
  }
  write(text);
  if (failure_.empty()) ++steps_;
}

void recorder::record(const edge::request& req, const edge::response& res, instant now) {
  if (closed_ || !failure_.empty()) return;
  host_ = req.header("host");
  // Calls user code makes with its function's credentials are the system's own work.
  std::string auth = req.header("authorization");
  if (auth.find("Credential=ASIAEMU") != std::string::npos) return;
  if (req.method == "OPTIONS") return;
  json answer = res.body.size() > max_expected_bytes ? json() : parse_or_text(res.body);
  bool big = res.body.size() > max_expected_bytes;
  json captures = json::object();
  auto finish = [&](json step, const char* capture_base) {
    if (!captures.empty()) {
      json c = json::object();
      for (auto& [name, p] : captures.items()) c[name] = std::string(capture_base) + p.get<std::string>().substr(1);
      step["capture"] = c;
    }
    add_step(std::move(step), now);
  };

  // API Gateway: /{stage}/…
  std::string first = req.path.size() > 1 ? req.path.substr(1, req.path.find('/', 1) - 1) : "";
  std::string target = req.header("x-amz-target");
  bool gateway = target.empty() && std::find(o_.stages.begin(), o_.stages.end(), first) != o_.stages.end();
  if (gateway) {
    if (first != o_.stage) {
      write("# not recorded: " + req.method + " " + req.path + " (stage " + first + "; this recording is of " +
            o_.stage + ")\n");
      return;
    }
    json p = {{"method", req.method}, {"path", req.path.substr(1 + first.size())}};
    if (p["path"] == "") p["path"] = "/";
    if (!req.query.empty()) {
      json q = json::object();
      for (const auto& [k, v] : req.query) {
        if (!q.contains(k))
          q[k] = v;
        else if (q[k].is_array())
          q[k].push_back(v);
        else
          q[k] = json::array({q[k], v});
      }
      p["query"] = q;
    }
    json headers = json::object();
    for (const auto& [k, v] : req.header_list) {
      std::string lower = k;
      for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "x-api-key" || lower == "origin" || lower == "authorization" ||
          (lower == "content-type" && req.header("content-type").find("json") == std::string::npos))
        headers[k] = v;
    }
    if (!headers.empty()) p["headers"] = headers;
    if (!req.body.empty()) {
      json body = json::parse(req.body, nullptr, false);
      if (req.header("content-type").find("json") != std::string::npos && !body.is_discarded())
        p["json"] = body;
      else
        p["body"] = req.body;
    }
    json expect = {{"status", res.status}};
    if (!big) expect["body"] = expectation(answer, "$", captures);
    finish({{"http", templated(p)}, {"expect", expect}}, "$");
    return;
  }

  // The AWS APIs: JSON protocols by X-Amz-Target, the query protocol by Action=.
  if (!target.empty() || (req.method == "POST" && req.path.rfind("/_emu", 0) != 0 &&
                          req.header("content-type").find("x-www-form-urlencoded") != std::string::npos)) {
    std::string service, action;
    json params;
    bool query = target.empty();
    if (!query) {
      auto dot = target.rfind('.');
      const api* a = o_.find_api ? o_.find_api(target.substr(0, dot)) : nullptr;
      if (!a || dot == std::string::npos) return;
      service = a->name;
      action = target.substr(dot + 1);
      params = json::parse(req.body, nullptr, false);
      if (params.is_discarded()) return;  // a body no replay could send
    } else {
      auto form = edge::parse_form(req.body);
      for (const auto& [k, v] : form)
        if (k == "Action") action = v;
      const api* a = o_.find_api ? o_.find_api("sqs") : nullptr;
      if (!a || !a->query || action.empty()) return;
      service = a->name;
      try {
        params = a->query->decode(form, req.path, {});
      } catch (const std::exception&) {
        return;
      }
      params.erase("Action");  // the protocol's own fields, not the operation's
      params.erase("Version");
    }
    json step = {{"aws", templated(json{{"service", service}, {"action", action}, {"params", params}})}};
    if (res.status >= 300) {
      std::string type = query ? error_code_of_xml(res.body) : answer.value("__type", std::string());
      if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
      if (auto dot = type.rfind('.'); query && dot != std::string::npos) type = type.substr(dot + 1);
      step["expect"] = {{"error", {{"type", type}}}};
    } else if (!query && !big) {
      step["expect"] = expectation(answer, "$", captures);
    }
    finish(std::move(step), "$");
    return;
  }

  // Lambda Invoke.
  static const std::regex invoke("/2015-03-31/functions/([^/]+)/invocations");
  std::smatch m;
  if (req.method == "POST" && std::regex_match(req.path, m, invoke)) {
    std::string fn = edge::url_decode(m[1].str());
    json event = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (event.is_discarded()) event = req.body;
    json step = {{"invoke", templated(json{{"function", fn}, {"event", event}})}};
    bool failed = false;
    for (const auto& [k, v] : res.headers) failed = failed || k == "X-Amz-Function-Error";
    if (res.status >= 300 || failed)
      step["expect"] = {{"error", tag_any}};
    else if (!big && req.header("x-amz-invocation-type") != "Event" && req.header("x-amz-invocation-type") != "DryRun")
      step["expect"] = expectation(answer, "$", captures);
    if (req.header("x-amz-invocation-type") == "Event" || req.header("x-amz-invocation-type") == "DryRun") {
      write("# not recorded: a Lambda " + req.header("x-amz-invocation-type") + " invocation of " + fn + "\n");
      return;
    }
    finish(std::move(step), "$");
    return;
  }

  // Server Actions and injected faults.
  std::string actions = "/_emu/" + o_.stage + "/actions/";
  if (req.method == "POST" && req.path.rfind(actions, 0) == 0) {
    json input = json::object();
    if (req.header("content-type").find("x-www-form-urlencoded") != std::string::npos) {
      for (const auto& [k, v] : edge::parse_form(req.body)) input[k] = v;
    } else if (!req.form_parts.empty()) {
      for (const auto& [k, v] : req.form_parts) input[k] = v;
    } else if (!req.body.empty()) {
      input = json::parse(req.body, nullptr, false);
      if (input.is_discarded()) return;
    }
    json step = {{"action", templated(json{{"name", req.path.substr(actions.size())}, {"input", input}})}};
    if (!big) step["expect"] = expectation(answer, "$", captures);
    finish(std::move(step), "$");
    return;
  }
  if (req.method == "POST" && req.path == "/_emu/faults" && res.status == 200) {
    json fault = json::parse(req.body, nullptr, false);
    if (!fault.is_discarded()) add_step({{"fault", fault}}, now);
    return;
  }
  if (req.method == "POST" && req.path == "/_emu/reset" && res.status == 200)
    write("# POST /_emu/reset: the system started over here; a replay goes on from the steps above\n");
}

}  // namespace emu::scenario
