// Scenario steps and expectations of the EventBridge component: `events.put`,
// `expect: {events}`, `expect: {invocations}`, and the `!pattern` matcher tag — and
// `expect: {stream}`, which counts a table's stream records with the same patterns.
#include "emulator/bus/pattern.h"
#include "emulator/core/error.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {
namespace {

bus::pattern compile_pattern(const YAML::Node& n, const std::string& file, const std::string& path) {
  try {
    return bus::pattern::compile(yaml_to_json(n, file, path));
  } catch (const bus::pattern_error& e) {
    throw load_error(file, n.Mark(), path, std::string("not a valid EventBridge pattern: ") + e.what());
  }
}

// count / min / max of an `events` or `invocations` expectation.
struct count_spec {
  std::optional<long long> count, min, max;
  std::string describe() const {
    if (count) return "exactly " + std::to_string(*count);
    if (min && max) return "between " + std::to_string(*min) + " and " + std::to_string(*max);
    if (max) return "at most " + std::to_string(*max);
    return "at least " + std::to_string(min.value_or(1));
  }
  bool holds(long long n) const {
    if (count) return n == *count;
    if (min && n < *min) return false;
    if (max && n > *max) return false;
    return min || max || n >= 1;
  }
};

count_spec read_counts(const YAML::Node& n, const std::string& file, const std::string& path) {
  count_spec c;
  for (const char* k : {"count", "min", "max"}) {
    if (!n[k]) continue;
    json v = n[k].IsScalar() ? plain_scalar(n[k].Scalar()) : json();
    if (!v.is_number_integer() || v.get<long long>() < 0)
      throw load_error(file, n[k].Mark(), path + "." + k, "must be a whole number ≥ 0");
    (std::string(k) == "count" ? c.count : std::string(k) == "min" ? c.min : c.max) = v.get<long long>();
  }
  if (c.count && (c.min || c.max)) throw load_error(file, n.Mark(), path, "count excludes min and max");
  return c;
}

// A `match:` pattern, compiled at load time unless it holds ${templates}; then it is
// validated at load time and compiled again after expansion when it is checked.
struct match_spec {
  json source;
  std::optional<bus::pattern> compiled;
  bool templated = false;

  std::optional<bus::pattern> get(const match_env& env) const {
    if (!templated) return compiled;
    return bus::pattern::compile(
        transform_strings(source, [&](const std::string& t) { return env.resolve ? env.resolve(t) : json(t); }));
  }
};

match_spec read_match(const YAML::Node& n, const std::string& file, const std::string& path) {
  match_spec m;
  m.compiled = compile_pattern(n, file, path);
  m.source = m.compiled->source();
  m.templated = dump_lossy(m.source).find("${") != std::string::npos;  // lossy: a search must never throw
  return m;
}

// `events` and `invocations`: how many of a subject's items (a bus's events, a function's
// input events) match a pattern.
struct counted_check {
  std::string subject;  // the bus or the function, stage-less
  std::optional<match_spec> match;
  count_spec counts;
};

std::shared_ptr<const void> read_counted(const YAML::Node& spec, const std::string& file, const std::string& path,
                                         const char* subject_key) {
  require_keys(spec, file, path, {subject_key, "match", "count", "min", "max"}, {subject_key});
  auto c = std::make_shared<counted_check>();
  c->subject = spec[subject_key].Scalar();
  if (spec["match"]) c->match = read_match(spec["match"], file, path + ".match");
  c->counts = read_counts(spec, file, path);
  return c;
}

std::string summary(const json& v) {
  std::string s = v.dump();
  return s.size() > 200 ? s.substr(0, 200) + "…" : s;
}

std::vector<mismatch> verdict(const count_spec& c, const std::vector<const json*>& seen, std::size_t hits,
                              const std::string& what) {
  if (c.holds(long(hits))) return {};
  std::string list;
  for (std::size_t i = 0; i < seen.size() && i < 10; ++i) list += "\n      " + summary(*seen[i]);
  if (seen.size() > 10) list += "\n      … and " + std::to_string(seen.size() - 10) + " more";
  return {{"$", "expected " + c.describe() + " " + what + ", got " + std::to_string(hits) + " (of " +
                    std::to_string(seen.size()) + " seen" + (seen.empty() ? ")" : "):" + list)}};
}

struct metrics_check {
  std::string name;
  std::shared_ptr<const expected> value;
};

// "bus/BUS/METRIC" or "rule/BUS/RULE/METRIC" (BUS stage-less; it may itself hold slashes, rule
// names cannot) → the value in bus::service::metrics(), or null when there is none.
json metric_value(world& w, const std::string& name) {
  json all = w.bus().metrics();
  auto last = name.rfind('/');
  if (last == std::string::npos) return nullptr;
  std::string metric = name.substr(last + 1), rest = name.substr(0, last);
  if (rest.rfind("bus/", 0) == 0) {
    std::string bus = w.qualified(rest.substr(4));
    return all.contains(bus) && all[bus].contains(metric) ? all[bus][metric] : json(nullptr);
  }
  if (rest.rfind("rule/", 0) == 0) {
    auto slash = rest.rfind('/');
    if (slash <= 4) return nullptr;
    std::string bus = w.qualified(rest.substr(5, slash - 5)), rule = rest.substr(slash + 1);
    if (!all.contains(bus) || !all[bus]["rules"].contains(rule)) return nullptr;
    const json& r = all[bus]["rules"][rule];
    return r.contains(metric) ? r[metric] : json(nullptr);
  }
  return nullptr;
}

}  // namespace

void add_bus_steps(registry& reg) {
  reg.add_expect({"metrics", "a metric's value: {name: bus/BUS/METRIC | rule/BUS/RULE/METRIC, value}",
                  [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                    require_keys(spec, file, path, {"name", "value"}, {"name", "value"});
                    std::string n = spec["name"].IsScalar() ? spec["name"].Scalar() : "";
                    if (n.rfind("bus/", 0) != 0 && n.rfind("rule/", 0) != 0)
                      throw load_error(file, spec["name"].Mark(), path + ".name",
                                       "a metric is bus/BUS/(events_in|matched_events) or "
                                       "rule/BUS/RULE/(matched|invocations|failed_invocations|dead_lettered|dropped)");
                    auto c = std::make_shared<metrics_check>();
                    c->name = n;
                    c->value = compile_expected(spec["value"], file, path + ".value");
                    return std::static_pointer_cast<const void>(c);
                  },
                  [](world& w, const void* compiled, const match_env& env) {
                    const auto& c = *static_cast<const metrics_check*>(compiled);
                    json v = metric_value(w, c.name);
                    if (v.is_null()) return std::vector<mismatch>{{"$", "there is no metric " + c.name}};
                    std::vector<mismatch> out;
                    match(*c.value, &v, "$." + c.name, env, out);
                    return out;
                  }});

  reg.set_pattern([](const json& p, const json& value, std::string& error) {
    try {
      return bus::pattern::compile(p).matches(value);
    } catch (const bus::pattern_error& e) {
      error = std::string("invalid EventBridge pattern: ") + e.what();
      return false;
    }
  });

  reg.add_step({"events.put", "PutEvents with one entry: {bus, source, detail-type, detail, resources, time}",
                [](const YAML::Node& p, const std::string& file, const std::string& path) {
                  require_keys(p, file, path, {"bus", "source", "detail-type", "detail", "resources", "time"},
                               {"source", "detail-type", "detail"});
                },
                [](world& w, const json& p) -> json {
                  json entry = {{"Source", p["source"]}, {"DetailType", p["detail-type"]}};
                  const json& d = p["detail"];
                  entry["Detail"] = d.is_string() ? d.get<std::string>() : d.dump();
                  if (p.contains("resources")) entry["Resources"] = p["resources"];
                  if (p.contains("time")) entry["Time"] = p["time"];
                  for (const char* k : {"Source", "DetailType"})
                    if (!entry[k].is_string()) entry[k] = entry[k].dump();
                  json r = w.bus().put_one(w.qualified(p.value("bus", std::string("default"))), entry);
                  if (r.contains("ErrorCode"))
                    return {{"error", {{"type", r["ErrorCode"]}, {"message", r["ErrorMessage"]}}}};
                  return r;
                }});

  reg.add_expect({"events", "events put on a bus: {bus, match, count | min | max}",
                  [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                    return read_counted(spec, file, path, "bus");
                  },
                  [](world& w, const void* compiled, const match_env& env) {
                    const auto& c = *static_cast<const counted_check*>(compiled);
                    auto pattern = c.match ? c.match->get(env) : std::nullopt;
                    std::string bus = w.qualified(c.subject);
                    std::vector<const json*> seen;
                    std::size_t hits = 0;
                    for (const auto& e : w.bus().events(bus)) {
                      seen.push_back(e.event->doc().get());
                      hits += !pattern || pattern->matches(*e.event->doc());
                    }
                    if (!w.bus().has_bus(bus)) return std::vector<mismatch>{{"$", "there is no event bus " + bus}};
                    return verdict(c.counts, seen, hits, "matching event(s) on " + bus);
                  }});

  reg.add_expect({"stream",
                  "a table's DynamoDB stream records (Lambda's record shape): {table, match, count | min | max}",
                  [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                    return read_counted(spec, file, path, "table");
                  },
                  [](world& w, const void* compiled, const match_env& env) {
                    const auto& c = *static_cast<const counted_check*>(compiled);
                    auto pattern = c.match ? c.match->get(env) : std::nullopt;
                    std::string table = w.qualified(c.subject);
                    auto& log = w.system->dynamo().streams();
                    const dynamo::stream_info* s = log.find_arn(w.system->dynamo().stream_arn(table));
                    if (!s) return std::vector<mismatch>{{"$", "table " + table + " has no stream"}};
                    std::vector<json> records;
                    for (const auto& r : log.read(s->id, 0, SIZE_MAX))
                      records.push_back(dynamo::stream_log::lambda_record(r, s->arn));
                    std::vector<const json*> seen;
                    std::size_t hits = 0;
                    for (const auto& r : records) {
                      seen.push_back(&r);
                      hits += !pattern || pattern->matches(r);
                    }
                    return verdict(c.counts, seen, hits, "matching record(s) in the stream of " + table);
                  }});

  reg.add_expect({"invocations", "function invocations and their events: {function, match, count | min | max}",
                  [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                    return read_counted(spec, file, path, "function");
                  },
                  [](world& w, const void* compiled, const match_env& env) {
                    const auto& c = *static_cast<const counted_check*>(compiled);
                    auto pattern = c.match ? c.match->get(env) : std::nullopt;
                    std::string qualified = w.qualified(c.subject);
                    std::vector<json> events;
                    for (const auto& e : w.rt->trace().since(w.trace_start)) {
                      if (e.kind != "invoke") continue;
                      json d = e.data();
                      const std::string& f = d["function"].get_ref<const std::string&>();
                      if (f == c.subject || f == qualified) events.push_back(std::move(d["event"]));
                    }
                    std::vector<const json*> seen;
                    std::size_t hits = 0;
                    for (const auto& ev : events) {
                      seen.push_back(&ev);
                      hits += !pattern || (ev.is_object() && pattern->matches(ev));
                    }
                    return verdict(c.counts, seen, hits, "matching invocation(s) of " + c.subject);
                  }});
}

}  // namespace emu::scenario
