#include "emulator/app/drive.h"

#include <algorithm>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/edge/router.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/templates.h"

namespace emu::app {
namespace {

edge::response answer(const json& body) {
  edge::response r;
  r.body = dump_lossy(body);
  return r;
}

// Admin bodies are YAML (JSON is YAML too): the shapes are the scenario format's.
YAML::Node body_yaml(const edge::request& req, const char* what) {
  try {
    return parse_yaml(req.body.empty() ? std::string("{}") : req.body, what);
  } catch (const load_error& e) {
    throw aws_error::validation(e.what());
  }
}

json body_json(const edge::request& req, const char* what) {
  YAML::Node n = body_yaml(req, what);
  try {
    json j = yaml_to_json(n, what, "");
    if (!j.is_object()) throw aws_error::validation(std::string(what) + ": the body must be a JSON or YAML map");
    return j;
  } catch (const load_error& e) {
    throw aws_error::validation(e.what());
  }
}

void only_keys(const json& body, std::initializer_list<const char*> allowed, const char* what) {
  for (const auto& [k, v] : body.items()) {
    bool ok = false;
    std::string list;
    for (const char* a : allowed) ok = ok || k == a, list += (list.empty() ? "" : ", ") + std::string(a);
    if (!ok) throw aws_error::validation(std::string(what) + ": unknown field '" + k + "' (expected: " + list + ")");
  }
}

// How far one request may move the clock: a year of virtual time runs every task due in it under
// the world lock, so a typo (100000d) must not freeze serve.
constexpr duration max_move = std::chrono::hours(24 * 366);

duration need_duration(const json& v, const std::string& field) {
  auto d = v.is_string() ? parse_duration(v.get<std::string>()) : std::nullopt;
  if (!d || d->count() < 0)
    throw aws_error::validation(field + ": must be a duration such as 250ms, 30s, 5m or 1h, got " + v.dump());
  if (*d > max_move) throw aws_error::validation(field + ": at most 366d at a time, got " + v.dump());
  return *d;
}

instant need_time(const json& v, const std::string& field) {
  auto t = v.is_string() ? parse_iso8601(v.get<std::string>()) : std::nullopt;
  if (!t)
    throw aws_error::validation(field + ": must be an ISO 8601 time such as 2024-12-01T12:00:00Z, got " + v.dump());
  return *t;
}

bool need_mode(const json& v, const std::string& field) {
  if (v == "virtual") return true;
  if (v == "real") return false;
  throw aws_error::validation(field + ": must be \"virtual\" or \"real\", got " + v.dump());
}

}  // namespace

served_system::served_system(runtime& rt, const system_def& def, served_options opts)
    : rt_(rt), def_(def), opts_(std::move(opts)) {
  default_stage_ = opts_.stages.front();
  build();
}

served_system::~served_system() = default;

void served_system::build() {
  instance_ = std::make_unique<system::instance>(rt_, def_, opts_.stages, opts_.data_dir, opts_.outbox);
  instance_->sqs().max_message_bytes = opts_.sqs_max_message_bytes;
  if (driver_) instance_->host_user_code(*driver_, endpoint_url_);
}

void served_system::host_user_code(realtime_driver& driver, const std::string& endpoint_url) {
  driver_ = &driver;
  endpoint_url_ = endpoint_url;
  instance_->host_user_code(driver, endpoint_url);
}

void served_system::add_start_fixtures(std::vector<scenario::fixture_items> fixtures, const std::string& stage) {
  auto w = view(stage);
  scenario::load_fixtures(*w, fixtures);
  start_fixtures_.emplace_back(stage, std::move(fixtures));
  trace_start_ = rt_.trace().last_seq();
}

std::unique_ptr<scenario::world> served_system::view(const std::string& stage, const std::string& file) {
  return std::make_unique<scenario::world>(rt_, def_, stage, *instance_, trace_start_, file);
}

std::string served_system::stage_of(const edge::request& req) const {
  std::string stage = default_stage_;
  for (const auto& [k, v] : req.query)
    if (k == "stage") stage = v;
  if (std::find(opts_.stages.begin(), opts_.stages.end(), stage) == opts_.stages.end())
    throw aws_error::resource_not_found("Stage " + stage + " is not served");
  return stage;
}

scenario::scenario_outcome served_system::run_init(const scenario::scenario& s) {
  scenario::scenario_outcome out;
  out.file = s.file;
  out.name = s.name;
  auto w = view(s.stage, s.file);
  try {
    scenario::load_fixtures(*w, s.fixtures);
  } catch (const std::exception& e) {
    out.result = scenario::status::error;
    scenario::step_outcome so;
    so.name = so.kind = "fixtures";
    so.ran = true;
    so.result = scenario::status::error;
    so.details.push_back(e.what());
    out.steps.push_back(so);
    return out;
  }
  scenario::world_executor ex(*w, reg_);
  scenario::run_steps(s, def_, reg_, ex, out);
  return out;
}

json served_system::reset(const json& body) {
  only_keys(body, {"seed", "clock", "mode", "stage"}, "reset");
  if (!opts_.data_dir.empty() || !opts_.outbox.postgres_url.empty())
    throw aws_error("ValidationException",
                    "reset: this serve keeps its stores in --data-dir or --postgres, and a reset would erase them; "
                    "reset works on in-memory stores (restart serve on an empty directory instead)");
  if (std::size_t n = instance_->functions().in_flight())
    throw aws_error(
        "ConflictException",
        "reset: " + std::to_string(n) + " invocation(s) of user code are in progress; try again when they end", 409);
  std::uint64_t seed = opts_.seed;
  if (body.contains("seed")) {
    if (!body["seed"].is_number_integer() || body["seed"].get<long long>() < 0)
      throw aws_error::validation("seed: must be a whole number ≥ 0, got " + body["seed"].dump());
    seed = body["seed"].get<std::uint64_t>();
  }
  std::optional<instant> at;
  if (body.contains("clock")) at = need_time(body["clock"], "clock");
  std::optional<bool> virt;
  if (body.contains("mode")) virt = need_mode(body["mode"], "mode");
  std::string stage = default_stage_;
  if (body.contains("stage")) {
    if (!body["stage"].is_string() ||
        std::find(opts_.stages.begin(), opts_.stages.end(), body["stage"].get<std::string>()) == opts_.stages.end())
      throw aws_error::validation("stage: must be a served stage, got " + body["stage"].dump());
    stage = body["stage"].get<std::string>();
  }

  // The old world goes first: its processes, its scheduled work, then its components.
  instance_->functions().shutdown();
  rt_.sched().clear();
  instance_.reset();
  rt_.sched().clear();  // anything its destructors scheduled
  if (auto* c = rt_.served_clock()) {
    if (virt) c->set_virtual(*virt);
    if (at) c->reset_to(*at);
  }
  rt_.ids().reseed(seed);
  build();
  default_stage_ = stage;
  for (const auto& [st, fx] : start_fixtures_) {
    auto w = view(st);
    scenario::load_fixtures(*w, fx);
  }
  trace_start_ = rt_.trace().last_seq();
  rt_.log().info("serve", "reset", {{"seed", seed}, {"now", iso8601_ms(rt_.clock().now())}});
  return {{"now", iso8601_ms(rt_.clock().now())},
          {"virtual", rt_.clock().is_virtual()},
          {"seed", seed},
          {"stage", default_stage_},
          {"trace_start", trace_start_}};
}

json served_system::move_clock(const json& body) {
  only_keys(body, {"advance", "set", "mode"}, "clock");
  if (body.empty()) throw aws_error::validation("clock: give advance, set or mode");
  serve_clock* c = rt_.served_clock();
  if (!c) throw aws_error::validation("clock: this clock cannot be moved");
  std::optional<bool> virt;
  std::optional<duration> by;
  std::optional<instant> to;
  if (body.contains("mode")) virt = need_mode(body["mode"], "mode");
  if (body.contains("advance")) by = need_duration(body["advance"], "advance");
  if (body.contains("set")) to = need_time(body["set"], "set");
  if (by && to) throw aws_error::validation("clock: give advance or set, not both");
  if (to && *to < rt_.clock().now())
    throw aws_error::validation("set: " + iso8601_ms(*to) + " is before now (" + iso8601_ms(rt_.clock().now()) +
                                "); time never goes back (POST /_emu/reset starts over)");
  if (to && *to - rt_.clock().now() > max_move)
    throw aws_error::validation("set: at most 366d ahead of now (" + iso8601_ms(rt_.clock().now()) + ")");
  if (virt) c->set_virtual(*virt);
  std::size_t ran = 0;
  if (by) to = rt_.clock().now() + *by;
  if (to) {
    if (c->is_virtual()) {
      ran = rt_.sched().run_until(*to);  // the work due on the way runs at its own instant
    } else {
      c->set(*to);
      ran = rt_.sched().run_until_idle();
    }
  }
  return {{"now", iso8601_ms(rt_.clock().now())},
          {"virtual", rt_.clock().is_virtual()},
          {"tasks_run", ran},
          {"pending", rt_.sched().pending()}};
}

void served_system::add_routes(edge::router& router) {
  router.add_admin("POST", "/_emu/clock",
                   [this](const edge::request& req) { return answer(move_clock(body_json(req, "clock"))); });
  router.add_admin("POST", "/_emu/reset",
                   [this](const edge::request& req) { return answer(reset(body_json(req, "reset"))); });
  router.add_admin("POST", "/_emu/ids", [this](const edge::request&) { return answer({{"uuid", rt_.ids().uuid()}}); });
  router.add_admin("POST", "/_emu/fixtures", [this](const edge::request& req) {
    std::string stage = stage_of(req);
    std::vector<scenario::fixture_items> fx;
    try {
      fx = scenario::read_fixture_document(body_yaml(req, "fixtures"), "fixtures", def_);
    } catch (const load_error& e) {
      throw aws_error::validation(e.what());
    }
    auto w = view(stage);
    try {
      scenario::load_fixtures(*w, fx);
    } catch (const std::runtime_error& e) {
      throw aws_error::validation(e.what());
    }
    trace_start_ = rt_.trace().last_seq();  // fixtures are setup, not part of the trace
    std::size_t n = 0;
    for (const auto& f : fx) n += f.items.size();
    return answer({{"stage", stage}, {"written", n}});
  });
  // A scenario step on the served system: the `fault:` shapes at /_emu/faults, any step kind at
  // /_emu/steps (what run --target sends for the steps that need the emulator's insides).
  auto run_step = [this](const std::string& stage, const std::string& kind, const YAML::Node& params) -> json {
    const scenario::step_kind* k = reg_.step(kind);
    if (!k) {
      std::string names;
      for (const auto& n : reg_.step_names())
        if (n != "expect") names += (names.empty() ? "" : ", ") + n;
      throw aws_error::validation("kind: unknown step kind '" + kind + "' (known: " + names + ")");
    }
    json p;
    try {
      k->validate(params, "steps", kind);
      p = yaml_to_json(params, "steps", kind);
    } catch (const load_error& e) {
      throw aws_error::validation(e.what());
    }
    if (kind == "advance") need_duration(p, "params");
    if (kind == "settle" && p.is_object() && p.contains("max")) need_duration(p["max"], "params.max");
    auto w = view(stage);
    try {
      return k->run(*w, p);
    } catch (const std::logic_error&) {  // advance and settle move time, which only a virtual clock allows
      throw aws_error::validation(kind + ": needs the virtual clock (POST /_emu/clock {\"mode\": \"virtual\"})");
    } catch (const aws_error& e) {
      return {{"error", {{"type", e.type()}, {"message", e.message()}}}};
    } catch (const std::exception& e) {
      if (kind == "invoke") return {{"error", {{"type", "Unhandled"}, {"message", e.what()}}}};
      throw aws_error::validation(kind + ": " + e.what());
    }
  };
  router.add_admin("POST", "/_emu/faults", [this, run_step](const edge::request& req) {
    return answer(run_step(stage_of(req), "fault", body_yaml(req, "faults")));
  });
  router.add_admin("POST", "/_emu/steps", [this, run_step](const edge::request& req) {
    YAML::Node b = body_yaml(req, "steps");
    if (!b.IsMap() || !b["kind"] || !b["kind"].IsScalar())
      throw aws_error::validation("steps: the body is {\"kind\": STEP_KIND, \"params\": …}");
    for (const auto& kv : b)
      if (kv.first.Scalar() != "kind" && kv.first.Scalar() != "params")
        throw aws_error::validation("steps: unknown field '" + kv.first.Scalar() + "' (expected: kind, params)");
    return answer(
        run_step(stage_of(req), b["kind"].Scalar(), b["params"] ? b["params"] : YAML::Node(YAML::NodeType::Map)));
  });
  router.add_admin("POST", "/_emu/checks", [this](const edge::request& req) {
    YAML::Node b = body_yaml(req, "checks");
    if (!b.IsMap() || !b["expect"])
      throw aws_error::validation("checks: the body is {\"expect\": {CHECK: …, within: D}, \"vars\": {…}}");
    json vars = json::object();
    std::vector<scenario::check> checks;
    try {
      for (const auto& kv : b)
        if (kv.first.Scalar() != "expect" && kv.first.Scalar() != "vars")
          throw load_error("checks", kv.first.Mark(), kv.first.Scalar(), "unknown field (expected: expect, vars)");
      if (b["vars"]) vars = yaml_to_json(b["vars"], "checks", "vars");
      if (!vars.is_object()) throw load_error("checks", b["vars"].Mark(), "vars", "must be a map of names to values");
      checks = scenario::compile_checks(b["expect"], reg_, "checks", "expect");
    } catch (const load_error& e) {
      throw aws_error::validation(e.what());
    }
    for (const auto& c : checks)
      if (c.within && *c.within > max_move) throw aws_error::validation("within: at most 366d");
    std::string stage = stage_of(req);
    auto w = view(stage);
    // Templates resolve as in the scenario: its names, then the built-ins.
    scenario::lookup_fn lookup = [&](const std::string& name) -> json {
      if (name == "stage") return stage;
      if (name == "now") return iso8601_ms(rt_.clock().now());
      if (name == "uuid") return rt_.ids().uuid();
      if (vars.contains(name)) return vars[name];
      throw aws_error::validation("${" + name + "} is not defined (send it in vars)");
    };
    scenario::match_env env{[&](const std::string& text) { return scenario::expand(text, lookup); }, reg_.pattern()};
    json results = json::array();
    bool passed = true;
    for (const auto& c : checks) {
      json details = json::array();
      std::vector<scenario::mismatch> found;
      try {
        found = scenario::run_check(*w, c, env);
      } catch (const std::logic_error&) {  // `within` moves time, which only a virtual clock allows
        throw aws_error::validation(c.name +
                                    ": within needs the virtual clock (POST /_emu/clock {\"mode\": \"virtual\"})");
      }
      for (const auto& m : found) details.push_back(m.path + ": " + m.message);
      passed = passed && details.empty();
      results.push_back({{"check", c.name}, {"details", details}});
    }
    return answer({{"passed", passed}, {"checks", results}, {"now", iso8601_ms(rt_.clock().now())}});
  });
}

}  // namespace emu::app
