// Parsing of the system definition. Cross-reference checks live in system_validate.cc.
#include "emulator/core/system_def.h"

#include <filesystem>
#include <set>

#include "emulator/core/system_reader.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"

namespace emu {
namespace detail {

map_reader::map_reader(const YAML::Node& node, const std::string& file, std::string path,
                       std::initializer_list<const char*> allowed)
    : node_(node), file_(file), path_(std::move(path)) {
  if (!node.IsMap()) fail_at(node, path_, "must be a map");
  for (const auto& kv : node) {
    std::string k = kv.first.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || k == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail_at(kv.first, path_.empty() ? k : path_ + "." + k, "unknown key '" + k + "' (expected one of: " + list + ")");
    }
  }
}

void map_reader::fail(const char* key, const std::string& msg) const {
  YAML::Node n = node_[key];
  fail_at(n ? n : node_, path(key), msg);
}

void map_reader::fail_at(const YAML::Node& n, const std::string& p, const std::string& msg) const {
  throw load_error(file_, n.Mark(), p, msg);
}

std::string map_reader::scalar(const char* key, const char* what) const {
  YAML::Node n = node_[key];
  if (!n.IsScalar()) fail(key, std::string("must be ") + what);
  return n.Scalar();
}

std::string map_reader::str(const char* key, const std::string& def) const {
  return has(key) ? scalar(key, "a string") : def;
}

std::string map_reader::required_str(const char* key) const {
  if (!has(key)) fail_at(node_, path(key), "is required");
  std::string s = scalar(key, "a string");
  if (s.empty()) fail(key, "must not be empty");
  return s;
}

std::optional<std::string> map_reader::opt_str(const char* key) const {
  if (!has(key)) return std::nullopt;
  return scalar(key, "a string");
}

bool map_reader::boolean(const char* key, bool def) const {
  if (!has(key)) return def;
  json v = plain_scalar(scalar(key, "true or false"));
  if (!v.is_boolean()) fail(key, "must be true or false");
  return v.get<bool>();
}

long long map_reader::integer(const char* key, long long def, long long min, long long max) const {
  if (!has(key)) return def;
  json v = plain_scalar(scalar(key, "an integer"));
  if (!v.is_number_integer()) fail(key, "must be an integer");
  long long n = v.get<long long>();
  if (n < min || n > max)
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + std::to_string(n));
  return n;
}

double map_reader::number(const char* key, double def, double min, double max) const {
  if (!has(key)) return def;
  json v = plain_scalar(scalar(key, "a number"));
  if (!v.is_number()) fail(key, "must be a number");
  double d = v.get<double>();
  if (d < min || d > max) fail(key, "must be between " + json(min).dump() + " and " + json(max).dump());
  return d;
}

duration map_reader::dur(const char* key, duration def) const {
  if (!has(key)) return def;
  std::string s = scalar(key, "a duration such as 250ms, 30s, 5m, 1h or 2d");
  auto d = parse_duration(s);
  if (!d) fail(key, "'" + s + "' is not a duration (use 250ms, 30s, 5m, 1h or 2d)");
  return *d;
}

std::vector<std::string> map_reader::str_list(const char* key) const {
  std::vector<std::string> out;
  if (!has(key)) return out;
  YAML::Node n = node_[key];
  if (n.IsScalar()) return {n.Scalar()};
  if (!n.IsSequence()) fail(key, "must be a list of strings");
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) fail_at(n[i], path(key) + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(n[i].Scalar());
  }
  return out;
}

json map_reader::as_json(const char* key) const { return yaml_to_json(node_[key], file_, path(key)); }

void map_reader::each(const char* key, const std::function<void(const YAML::Node&, const std::string&)>& fn) const {
  if (!has(key)) return;
  YAML::Node n = node_[key];
  if (n.IsNull()) return;
  if (!n.IsSequence()) fail(key, "must be a list");
  for (size_t i = 0; i < n.size(); ++i) fn(n[i], path(key) + "[" + std::to_string(i) + "]");
}

}  // namespace detail

namespace {

using detail::map_reader;

key_attr read_key_attr(const map_reader& r, const char* key, bool required) {
  key_attr k;
  if (!r.has(key)) {
    if (required) r.fail(key, "is required");
    return k;
  }
  YAML::Node n = r.get(key);
  if (n.IsScalar()) {
    k.name = n.Scalar();
  } else {
    map_reader kr(n, r.file(), r.path(key), {"name", "type"});
    k.name = kr.required_str("name");
    k.type = kr.str("type", "S");
  }
  if (k.name.empty()) r.fail(key, "must not be empty");
  if (k.type != "S" && k.type != "N" && k.type != "B") r.fail(key, "type must be S, N or B, got '" + k.type + "'");
  return k;
}

table_def read_table(const YAML::Node& n, const std::string& file, const std::string& path) {
  map_reader r(n, file, path, {"name", "hash_key", "range_key", "indexes", "ttl_attribute", "stream"});
  table_def t;
  t.line = r.line();
  t.name = r.required_str("name");
  t.hash = read_key_attr(r, "hash_key", true);
  if (r.has("range_key")) t.range = read_key_attr(r, "range_key", true);
  t.ttl_attribute = r.opt_str("ttl_attribute");
  t.stream = r.opt_str("stream");
  if (t.stream && *t.stream != "KEYS_ONLY" && *t.stream != "NEW_IMAGE" && *t.stream != "OLD_IMAGE" &&
      *t.stream != "NEW_AND_OLD_IMAGES")
    r.fail("stream", "must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES, got '" + *t.stream + "'");
  r.each("indexes", [&](const YAML::Node& in, const std::string& ip) {
    map_reader ir(in, file, ip, {"name", "type", "hash_key", "range_key", "projection", "non_key_attributes"});
    index_def x;
    x.line = ir.line();
    x.name = ir.required_str("name");
    std::string type = ir.str("type", "global");
    if (type != "global" && type != "local") ir.fail("type", "must be global or local, got '" + type + "'");
    x.global = type == "global";
    x.hash = read_key_attr(ir, "hash_key", x.global);
    if (!x.global) {
      if (ir.has("hash_key") && x.hash.name != t.hash.name)
        ir.fail("hash_key", "a local index shares the table's hash key '" + t.hash.name + "'");
      x.hash = t.hash;
      if (!ir.has("range_key")) ir.fail("range_key", "a local index needs a range_key");
    }
    if (ir.has("range_key")) x.range = read_key_attr(ir, "range_key", true);
    x.projection = ir.str("projection", "ALL");
    if (x.projection != "ALL" && x.projection != "KEYS_ONLY" && x.projection != "INCLUDE")
      ir.fail("projection", "must be ALL, KEYS_ONLY or INCLUDE, got '" + x.projection + "'");
    x.non_key_attributes = ir.str_list("non_key_attributes");
    if (x.projection == "INCLUDE" && x.non_key_attributes.empty())
      ir.fail("non_key_attributes", "projection INCLUDE needs non_key_attributes");
    if (x.projection != "INCLUDE" && !x.non_key_attributes.empty())
      ir.fail("non_key_attributes", "only allowed with projection INCLUDE");
    t.indexes.push_back(std::move(x));
  });
  return t;
}

queue_def read_queue(const YAML::Node& n, const std::string& file, const std::string& path) {
  map_reader r(n, file, path,
               {"name", "fifo", "content_based_deduplication", "visibility_timeout", "delay", "retention",
                "receive_wait", "max_message_size", "dead_letter"});
  queue_def q;
  q.line = r.line();
  q.name = r.required_str("name");
  q.fifo = r.boolean("fifo", q.name.size() > 5 && q.name.ends_with(".fifo"));
  q.content_based_deduplication = r.boolean("content_based_deduplication", false);
  q.visibility_timeout = r.dur("visibility_timeout", q.visibility_timeout);
  q.delay = r.dur("delay", q.delay);
  q.retention = r.dur("retention", q.retention);
  q.receive_wait = r.dur("receive_wait", q.receive_wait);
  q.max_message_size = int(r.integer("max_message_size", q.max_message_size, 1024, 262'144));
  // AWS ranges: VisibilityTimeout 0–12 h, DelaySeconds 0–15 min, retention 60 s–14 d, wait 0–20 s.
  using namespace std::chrono;
  if (q.visibility_timeout > hours(12)) r.fail("visibility_timeout", "must be at most 12h");
  if (q.delay > minutes(15)) r.fail("delay", "must be at most 15m");
  if (q.retention < seconds(60) || q.retention > hours(24 * 14)) r.fail("retention", "must be between 60s and 14d");
  if (q.receive_wait > seconds(20)) r.fail("receive_wait", "must be at most 20s");
  if (r.has("dead_letter")) {
    map_reader dr(r.get("dead_letter"), file, r.path("dead_letter"), {"queue", "max_receive_count"});
    q.dlq = dr.required_str("queue");
    q.max_receive_count = int(dr.integer("max_receive_count", 3, 1, 1000));
  }
  return q;
}

target_def read_target(const YAML::Node& n, const std::string& file, const std::string& path) {
  map_reader r(n, file, path,
               {"id", "function", "queue", "bus", "log", "input", "input_path", "input_transformer", "retry",
                "dead_letter_queue"});
  target_def t;
  t.line = r.line();
  t.id = r.required_str("id");
  int kinds = 0;
  for (const char* k : {"function", "queue", "bus", "log"}) {
    if (r.has(k)) {
      ++kinds;
      t.kind = k;
      t.ref = r.required_str(k);
    }
  }
  if (kinds != 1) r.fail_at(n, path, "a target needs exactly one of function, queue, bus or log");
  int inputs = 0;
  if (r.has("input")) ++inputs, t.input = r.as_json("input");
  if (r.has("input_path")) ++inputs, t.input_path = r.required_str("input_path");
  if (r.has("input_transformer")) {
    ++inputs;
    map_reader ir(r.get("input_transformer"), file, r.path("input_transformer"), {"input_paths", "input_template"});
    json paths = ir.has("input_paths") ? ir.as_json("input_paths") : json::object();
    if (!paths.is_object()) ir.fail("input_paths", "must be a map of name to JSONPath");
    if (paths.size() > 100) ir.fail("input_paths", "at most 100 entries");
    t.input_transformer = json{{"InputPathsMap", paths}, {"InputTemplate", ir.required_str("input_template")}};
  }
  if (inputs > 1) r.fail_at(n, path, "only one of input, input_path and input_transformer");
  if (r.has("retry")) {
    map_reader rr(r.get("retry"), file, r.path("retry"), {"maximum_retry_attempts", "maximum_event_age"});
    t.retry.maximum_retry_attempts = int(rr.integer("maximum_retry_attempts", 185, 0, 185));
    t.retry.maximum_event_age = rr.dur("maximum_event_age", t.retry.maximum_event_age);
    using namespace std::chrono;
    if (t.retry.maximum_event_age < seconds(60) || t.retry.maximum_event_age > hours(24))
      rr.fail("maximum_event_age", "must be between 60s and 24h (AWS: 60–86400 seconds)");
  }
  t.dlq = r.opt_str("dead_letter_queue");
  return t;
}

rule_def read_rule(const YAML::Node& n, const std::string& file, const std::string& path) {
  map_reader r(n, file, path, {"name", "bus", "description", "pattern", "enabled", "targets"});
  rule_def rule;
  rule.line = r.line();
  rule.name = r.required_str("name");
  rule.bus = r.str("bus", "default");
  rule.description = r.str("description", "");
  if (!r.has("pattern")) r.fail_at(n, path + ".pattern", "is required");
  rule.pattern = r.as_json("pattern");
  if (!rule.pattern.is_object() || rule.pattern.empty())
    r.fail("pattern", "must be a non-empty map (an EventBridge event pattern)");
  rule.enabled = r.boolean("enabled", true);
  r.each("targets",
         [&](const YAML::Node& tn, const std::string& tp) { rule.targets.push_back(read_target(tn, file, tp)); });
  if (rule.targets.size() > 5) r.fail("targets", "a rule has at most 5 targets");
  return rule;
}

function_def read_function(const YAML::Node& n, const std::string& file, const std::string& path) {
  map_reader r(n, file, path,
               {"name", "title", "builtin", "runtime", "handler", "code", "exec", "http", "timeout", "memory",
                "reserved_concurrency", "async", "dead_letter_queue", "permissions", "environment", "description"});
  function_def f;
  f.line = r.line();
  f.name = r.required_str("name");
  f.title = r.str("title", "");
  if (f.title.size() > 64) r.fail("title", "must be at most 64 characters");
  // Paths in the definition are relative to its own directory (the built-in one: the current one).
  std::filesystem::path base =
      file.starts_with("<built-in>") ? std::filesystem::current_path() : std::filesystem::absolute(file).parent_path();
  f.base_dir = base.lexically_normal().string();
  int kinds = 0;
  if (r.has("builtin")) ++kinds, f.builtin = r.required_str("builtin");
  if (r.has("runtime")) {
    ++kinds;
    f.runtime = r.required_str("runtime");
    if (f.runtime.starts_with("nodejs"))
      f.runtime = "nodejs";
    else if (f.runtime.starts_with("python"))
      f.runtime = "python";
    else
      r.fail("runtime", "must be nodejs or python (or exec: for any other runtime)");
    f.handler = r.required_str("handler");
    auto dot = f.handler.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == f.handler.size())
      r.fail("handler", f.runtime == "nodejs" ? "must be FILE.EXPORT, e.g. index.handler"
                                              : "must be MODULE.FUNCTION, e.g. app.handler");
    f.code = (base / r.required_str("code")).lexically_normal().string();
    while (f.code.size() > 1 && f.code.back() == '/') f.code.pop_back();
  } else {
    for (const char* k : {"handler", "code"})
      if (r.has(k)) r.fail(k, "goes with runtime: nodejs or python");
  }
  if (r.has("exec")) {
    ++kinds;
    f.exec = r.str_list("exec");
    if (f.exec.empty() || f.exec[0].empty()) r.fail("exec", "must name a command");
    if (f.exec[0].find('/') != std::string::npos) f.exec[0] = (base / f.exec[0]).lexically_normal().string();
  }
  if (r.has("http")) {
    ++kinds;
    f.http = r.required_str("http");
    if (!f.http.starts_with("http://") || f.http.size() <= 7 || f.http[7] == '/')
      r.fail("http", "must be an http:// URL, e.g. http://127.0.0.1:9000/invoke");
  }
  if (kinds != 1) r.fail_at(n, path, "a function needs exactly one of builtin, runtime, exec or http");
  f.reserved_concurrency = int(r.integer("reserved_concurrency", 10, 1, 1000));
  if (r.has("async")) {
    map_reader ar(r.get("async"), file, r.path("async"), {"max_retries", "max_event_age", "on_success", "on_failure"});
    f.async_max_retries = int(ar.integer("max_retries", 2, 0, 2));
    f.async_max_event_age = ar.dur("max_event_age", f.async_max_event_age);
    if (f.async_max_event_age < std::chrono::seconds(60) || f.async_max_event_age > std::chrono::hours(6))
      ar.fail("max_event_age", "must be between 60s and 6h (Lambda's range)");
    for (const char* k : {"on_success", "on_failure"}) {
      if (!ar.has(k)) continue;
      map_reader dr(ar.get(k), file, ar.path(k), {"queue", "bus", "function"});
      function_def::destination d;
      for (const char* kind : {"queue", "bus", "function"})
        if (dr.has(kind)) {
          if (!d.kind.empty()) dr.fail(kind, "a destination is exactly one of queue, bus or function");
          d.kind = kind;
          d.ref = dr.required_str(kind);
        }
      if (d.kind.empty()) ar.fail(k, "must name a queue, bus or function");
      (std::string(k) == "on_success" ? f.on_success : f.on_failure) = d;
    }
  }
  if (r.has("dead_letter_queue")) f.dead_letter_queue = r.required_str("dead_letter_queue");
  f.timeout = r.dur("timeout", f.timeout);
  if (f.timeout < std::chrono::seconds(1) || f.timeout > std::chrono::minutes(15))
    r.fail("timeout", "must be between 1s and 15m (Lambda's range)");
  f.memory_mb = int(r.integer("memory", 128, 128, 10240));
  if (r.has("permissions")) {
    map_reader pr(r.get("permissions"), file, r.path("permissions"), {"tables", "queues", "buses", "outbox"});
    f.tables = pr.str_list("tables");
    f.queues = pr.str_list("queues");
    f.buses = pr.str_list("buses");
    f.outbox = pr.boolean("outbox", false);
  }
  if (r.has("environment")) {
    f.environment = r.as_json("environment");
    if (!f.environment.is_object()) r.fail("environment", "must be a map of names to values");
  }
  return f;
}

void read_gateway(const map_reader& top, system_def& def) {
  const std::string& file = top.file();
  map_reader r(top.get("gateway"), file, "gateway",
               {"routes", "api_keys", "usage_plans", "account_throttle", "cors", "waf", "max_body_bytes"});
  gateway_def& g = def.gateway;
  g.defined = true;
  r.each("routes", [&](const YAML::Node& n, const std::string& p) {
    map_reader rr(n, file, p, {"method", "path", "function", "event_type", "api_key_required"});
    route_def rt;
    rt.line = rr.line();
    rt.method = rr.required_str("method");
    static const std::set<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"};
    if (!methods.count(rt.method))
      rr.fail("method", "must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY");
    rt.path = rr.required_str("path");
    if (rt.path[0] != '/') rr.fail("path", "must start with /");
    rt.function = rr.required_str("function");
    rt.event_type = rr.required_str("event_type");
    rt.api_key_required = rr.boolean("api_key_required", true);
    g.routes.push_back(std::move(rt));
  });
  r.each("api_keys", [&](const YAML::Node& n, const std::string& p) {
    map_reader kr(n, file, p, {"name", "value", "plan", "enabled"});
    api_key_def k;
    k.line = kr.line();
    k.name = kr.required_str("name");
    k.value = kr.required_str("value");
    if (k.value.size() < 20 || k.value.size() > 128)
      kr.fail("value", "must be 20 to 128 characters (API Gateway's rule for key values)");
    k.plan = kr.required_str("plan");
    k.enabled = kr.boolean("enabled", true);
    g.api_keys.push_back(std::move(k));
  });
  r.each("usage_plans", [&](const YAML::Node& n, const std::string& p) {
    map_reader ur(n, file, p, {"name", "stages", "rate", "burst", "quota"});
    usage_plan_def u;
    u.line = ur.line();
    u.name = ur.required_str("name");
    u.stages = ur.str_list("stages");
    u.rate = ur.number("rate", u.rate, 0, 1e9);
    u.burst = int(ur.integer("burst", u.burst, 0, 1'000'000'000));
    if (ur.has("quota")) {
      map_reader qr(ur.get("quota"), file, ur.path("quota"), {"limit", "period"});
      u.quota_limit = int(qr.integer("limit", 0, 0, 2'000'000'000));
      u.quota_period = qr.str("period", "DAY");
      if (u.quota_period != "DAY" && u.quota_period != "WEEK" && u.quota_period != "MONTH")
        qr.fail("period", "must be DAY, WEEK or MONTH");
    }
    g.usage_plans.push_back(std::move(u));
  });
  if (r.has("account_throttle")) {
    map_reader tr(r.get("account_throttle"), file, "gateway.account_throttle", {"rate", "burst"});
    g.account_rate = tr.number("rate", g.account_rate, 1, 1e9);
    g.account_burst = int(tr.integer("burst", g.account_burst, 1, 1'000'000'000));
  }
  if (r.has("cors")) {
    map_reader cr(r.get("cors"), file, "gateway.cors", {"origins", "headers"});
    g.cors_origins = cr.str_list("origins");
    g.cors_headers = cr.str_list("headers");
    for (const auto& o : g.cors_origins)
      if (o != "*" && !o.starts_with("http://") && !o.starts_with("https://"))
        cr.fail("origins", "'" + o + "' is not an origin such as https://app.example.com");
  }
  if (r.has("waf")) {
    map_reader wr(r.get("waf"), file, "gateway.waf", {"limit", "window"});
    // AWS WAF rate-based rules: limit ≥ 10 (was 100), windows of 1, 2, 5 or 10 minutes.
    g.waf_limit = int(wr.integer("limit", 2000, 10, 2'000'000'000));
    g.waf_window = wr.dur("window", g.waf_window);
    using namespace std::chrono;
    if (g.waf_window != minutes(1) && g.waf_window != minutes(2) && g.waf_window != minutes(5) &&
        g.waf_window != minutes(10))
      wr.fail("window", "must be 1m, 2m, 5m or 10m (AWS WAF's evaluation windows)");
  }
  g.max_body_bytes = int(r.integer("max_body_bytes", g.max_body_bytes, 1, 10 * 1024 * 1024));
}

void read_outbox(const map_reader& top, system_def& def) {
  map_reader r(top.get("outbox"), top.file(), "outbox",
               {"bus", "poll_interval", "batch_size", "lease", "max_attempts", "backoff_base", "backoff_max",
                "retention", "relays"});
  outbox_def& o = def.outbox;
  o.defined = true;
  o.bus = r.required_str("bus");
  o.poll_interval = r.dur("poll_interval", o.poll_interval);
  o.batch_size = int(r.integer("batch_size", o.batch_size, 1, 10'000));
  o.lease = r.dur("lease", o.lease);
  o.max_attempts = int(r.integer("max_attempts", o.max_attempts, 1, 1000));
  o.backoff_base = r.dur("backoff_base", o.backoff_base);
  o.backoff_max = r.dur("backoff_max", o.backoff_max);
  o.retention = r.dur("retention", o.retention);
  o.relays = int(r.integer("relays", o.relays, 1, 16));
  if (o.poll_interval.count() == 0) r.fail("poll_interval", "must be more than 0");
  if (o.lease.count() == 0) r.fail("lease", "must be more than 0");
}

}  // namespace

void validate_system_def(const system_def& def);  // system_validate.cc

system_def load_system_def(const std::string& yaml_text, const std::string& file) {
  YAML::Node root = parse_yaml(yaml_text, file);
  if (!root || root.IsNull()) throw load_error(file, 1, "the system definition is empty");
  map_reader r(root, file, "",
               {"version", "name", "account", "region", "stages", "tables", "queues", "buses", "rules", "functions",
                "mappings", "gateway", "outbox", "actions", "diagram"});
  system_def def;
  def.file = file;
  if (r.integer("version", 1, 0, 1000) != 1) r.fail("version", "only version 1 is understood");
  def.name = r.str("name", "");
  def.account = r.str("account", def.account);
  def.region = r.str("region", def.region);
  def.stages = r.str_list("stages");
  if (r.has("diagram")) {
    map_reader dr(r.get("diagram"), file, r.path("diagram"), {"gateway_client", "queue_client", "action_client"});
    for (auto [key, field] :
         {std::pair{"gateway_client", &def.gateway_client}, std::pair{"queue_client", &def.queue_client},
          std::pair{"action_client", &def.action_client}}) {
      *field = dr.str(key, *field);
      if (field->empty() || field->size() > 64) dr.fail(key, "must be 1 to 64 characters");
    }
  }
  r.each("tables", [&](const YAML::Node& n, const std::string& p) { def.tables.push_back(read_table(n, file, p)); });
  r.each("queues", [&](const YAML::Node& n, const std::string& p) { def.queues.push_back(read_queue(n, file, p)); });
  r.each("buses", [&](const YAML::Node& n, const std::string& p) {
    map_reader br(n, file, p, {"name"});
    def.buses.push_back({br.required_str("name"), br.line()});
  });
  r.each("rules", [&](const YAML::Node& n, const std::string& p) { def.rules.push_back(read_rule(n, file, p)); });
  r.each("functions",
         [&](const YAML::Node& n, const std::string& p) { def.functions.push_back(read_function(n, file, p)); });
  r.each("mappings", [&](const YAML::Node& n, const std::string& p) {
    map_reader mr(
        n, file, p,
        {"queue", "table", "function", "batch_size", "batching_window", "report_batch_item_failures", "enabled",
         "starting_position", "filter", "bisect_on_error", "max_retries", "max_record_age", "on_failure"});
    mapping_def m;
    m.line = mr.line();
    if (mr.has("queue") == mr.has("table")) mr.fail("queue", "a mapping reads exactly one of queue or table");
    m.function = mr.required_str("function");
    m.batching_window = mr.dur("batching_window", m.batching_window);
    if (m.batching_window > std::chrono::minutes(5)) mr.fail("batching_window", "must be at most 5m");
    m.report_batch_item_failures = mr.boolean("report_batch_item_failures", false);
    m.enabled = mr.boolean("enabled", true);
    if (mr.has("queue")) {
      m.queue = mr.required_str("queue");
      for (const char* k :
           {"starting_position", "filter", "bisect_on_error", "max_retries", "max_record_age", "on_failure"})
        if (mr.has(k)) mr.fail(k, "only for a table's stream");
      m.batch_size = int(mr.integer("batch_size", 10, 1, 10'000));
      if (m.batch_size > 10 && m.batching_window.count() == 0)
        mr.fail("batch_size", "more than 10 needs a batching_window of at least 1s (as in Lambda)");
    } else {
      // Lambda's DynamoDB Streams poller: its ranges and defaults.
      m.table = mr.required_str("table");
      m.batch_size = int(mr.integer("batch_size", 100, 1, 10'000));
      m.starting_position = mr.required_str("starting_position");
      if (m.starting_position != "TRIM_HORIZON" && m.starting_position != "LATEST")
        mr.fail("starting_position", "must be TRIM_HORIZON or LATEST, got '" + m.starting_position + "'");
      if (mr.has("filter")) m.filter = mr.as_json("filter");
      m.bisect_on_error = mr.boolean("bisect_on_error", false);
      m.max_retries = int(mr.integer("max_retries", -1, -1, 10'000));
      if (mr.has("max_record_age")) {
        m.max_record_age = mr.dur("max_record_age", duration(0));
        if (*m.max_record_age < std::chrono::seconds(60) || *m.max_record_age > std::chrono::hours(24 * 7))
          mr.fail("max_record_age", "must be between 60s and 7d (leave it out: until the records expire)");
      }
      if (mr.has("on_failure")) {
        map_reader fr(n["on_failure"], file, p + ".on_failure", {"queue"});
        m.on_failure = fr.required_str("queue");
      }
    }
    def.mappings.push_back(std::move(m));
  });
  if (r.has("gateway")) read_gateway(r, def);
  if (r.has("outbox")) read_outbox(r, def);
  r.each("actions", [&](const YAML::Node& n, const std::string& p) {
    map_reader ar(n, file, p, {"name", "table", "event_type", "aggregate_type", "mode"});
    action_def a;
    a.line = ar.line();
    a.name = ar.required_str("name");
    a.table = ar.required_str("table");
    if (a.table != "restaurants" && a.table != "reviews" && a.table != "import_jobs")
      ar.fail("table", "must be restaurants, reviews or import_jobs (the outbox store's business tables)");
    a.event_type = ar.required_str("event_type");
    a.aggregate_type = ar.str("aggregate_type", a.table);
    std::string mode = ar.str("mode", a.name.rfind("update", 0) == 0 ? "update" : "create");
    if (mode != "create" && mode != "update") ar.fail("mode", "must be create or update");
    a.update = mode == "update";
    if (a.update && a.table != "restaurants") ar.fail("mode", "only restaurants can be updated");
    def.actions.push_back(std::move(a));
  });
  validate_system_def(def);
  return def;
}

const function_def* system_def::find_function(const std::string& n) const {
  for (const auto& f : functions)
    if (f.name == n) return &f;
  return nullptr;
}

std::string resource_name(const std::string& name, const std::string& stage) {
  // FIFO queue names must keep their ".fifo" suffix last.
  if (name.ends_with(".fifo")) return name.substr(0, name.size() - 5) + "-" + stage + ".fifo";
  return name + "-" + stage;
}

}  // namespace emu
