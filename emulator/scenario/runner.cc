#include "emulator/scenario/runner.h"

#include <cstdlib>
#include <map>
#include <regex>

#include "emulator/core/error.h"
#include "emulator/core/jsonpath.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/dynamo/value.h"
#include "emulator/scenario/templates.h"

namespace emu::scenario {
namespace {

struct runtime_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string where(const scenario& s, const step& st) { return s.file + ":" + std::to_string(st.line); }

void add_mismatches(step_outcome& o, const std::vector<mismatch>& ms) {
  for (const auto& m : ms) o.details.push_back(m.path + ": " + m.message);
}

}  // namespace

// Runs one standalone check, with `within` (eventually) and `absent` semantics, in virtual time.
std::vector<mismatch> run_check(world& w, const check& c, const match_env& env) {
  auto& sched = w.rt->sched();
  instant deadline = w.rt->clock().now() + c.within.value_or(duration(0));
  for (;;) {
    auto ms = c.kind->check(w, c.compiled.get(), env);
    if (c.absent && ms.empty())
      return {{"$", "expected nothing to match " +
                        std::string(c.within ? "within " + format_duration(*c.within) : "now") +
                        ", but it matched at " + iso8601_ms(w.rt->clock().now())}};
    if (!c.absent && ms.empty()) return {};
    auto next = sched.next_due();
    if (!c.within || w.rt->clock().now() >= deadline) return c.absent ? std::vector<mismatch>{} : ms;
    if (next && *next <= deadline)
      sched.run_until(*next);
    else
      sched.run_until(deadline);
  }
}

json world_executor::run_step(const step& st, const json& params) { return reg_.step(st.kind)->run(w_, params); }

std::vector<mismatch> world_executor::run_check(const check& c, const match_env& env, const json&) {
  return emu::scenario::run_check(w_, c, env);
}

json world_executor::builtin(const std::string& name) {
  if (name == "now") return iso8601_ms(w_.rt->clock().now());
  return w_.rt->ids().uuid();
}

json world_executor::trace() {
  json out = json::array();
  for (const auto& e : w_.rt->trace().since(w_.trace_start)) out.push_back(to_json(e));
  return out;
}

void load_fixtures(world& w, const std::vector<fixture_items>& fixtures) {
  for (const auto& fx : fixtures) {
    std::string table = w.qualified(fx.table);
    for (std::size_t i = 0; i < fx.items.size(); ++i) {
      try {
        if (fx.outbox_rows) {
          if (!w.system->has_outbox(w.stage)) throw aws_error::validation("the system definition has no outbox");
          try {
            w.system->outbox_store(w.stage).insert_row(fx.table, fx.items[i], w.rt->clock().now());
          } catch (const outbox::sql_error& e) {
            throw aws_error::validation(e.what());
          }
          continue;
        }
        w.system->dynamo().put_item({{"TableName", table}, {"Item", dynamo::item_from_plain(fx.items[i])}});
      } catch (const aws_error& e) {
        throw std::runtime_error(fx.file + ":" + std::to_string(fx.line) + ": " +
                                 (fx.outbox_rows ? "rows." : "tables.") + fx.table + "[" + std::to_string(i) +
                                 "]: " + e.type() + ": " + e.message());
      }
    }
  }
}

namespace {

void fixture_error(scenario_outcome& out, const std::string& message) {
  step_outcome so;
  so.name = so.kind = "fixtures";
  so.ran = true;
  so.result = status::error;
  so.details.push_back(message);
  out.steps.push_back(std::move(so));
  out.result = status::error;
  out.virtual_elapsed = "0s";
}

}  // namespace

scenario_outcome run_scenario(const scenario& s, const system_def& sys, const registry& reg,
                              const std::string& postgres) {
  scenario_outcome out;
  out.file = s.file;
  out.name = s.name;
  out.tags = s.tags;
  world w(sys, s.stage, s.start, s.seed, postgres, s.file);
  try {
    load_fixtures(w, s.fixtures);
  } catch (const std::exception& e) {
    fixture_error(out, e.what());
    return out;
  }
  w.trace_start = w.rt->trace().last_seq();  // fixtures are setup, not part of the trace
  world_executor ex(w, reg);
  run_steps(s, sys, reg, ex, out);
  return out;
}

void run_steps(const scenario& s, const system_def& sys, const registry& reg, executor& ex, scenario_outcome& out) {
  json vars = s.vars;

  int depth = 0;
  lookup_fn lookup;
  lookup = [&](const std::string& name) -> json {
    if (name == "stage") return s.stage;
    if (name == "now" || name == "uuid") return ex.builtin(name);
    if (name.rfind("env:", 0) == 0) {
      const char* v = std::getenv(name.substr(4).c_str());
      if (!v) throw runtime_failure("${" + name + "}: environment variable " + name.substr(4) + " is not set");
      return std::string(v);
    }
    auto it = vars.find(name);
    if (it == vars.end() && name == "api_key" && !sys.gateway.key_for(s.stage).empty())
      return sys.gateway.key_for(s.stage);
    if (it == vars.end()) throw runtime_failure("${" + name + "} is not defined");
    // A var may itself use templates (`bus_arn: "arn:…/bellyfed-${stage}"`); a cycle stops here.
    if (it->is_string() && it->get_ref<const std::string&>().find("${") != std::string::npos) {
      if (++depth > 16) throw runtime_failure("${" + name + "}: vars refer to each other in a cycle");
      json v = expand(it->get<std::string>(), lookup);
      --depth;
      return v;
    }
    return *it;
  };
  match_env env{[&](const std::string& text) { return expand(text, lookup); }, reg.pattern()};

  for (const auto& st : s.steps) {
    step_outcome so;
    so.index = st.index;
    so.line = st.line;
    so.name = st.name;
    so.kind = st.kind;
    so.ran = true;
    try {
      if (st.kind == "expect") {
        // A check that runs elsewhere (run --target) gets the names resolved: a var may use
        // templates (`arn:…/bellyfed-${stage}`). Not ${uuid}: that would draw ids a local run does not.
        json resolved = vars;
        if (ex.remote())
          for (auto& [k, v] : resolved.items())
            if (v.is_string() && v.get_ref<const std::string&>().find("${") != std::string::npos &&
                v.get_ref<const std::string&>().find("${uuid}") == std::string::npos)
              v = lookup(k);
        for (const auto& c : st.checks) add_mismatches(so, ex.run_check(c, env, resolved));
        if (!so.details.empty()) so.result = status::failed;
      } else {
        json params = expand_all(yaml_to_json(st.params, s.file, st.kind), lookup);
        json result;
        try {
          result = ex.run_step(st, params);
        } catch (const aws_error& e) {
          result = {{"error", {{"type", e.type()}, {"message", e.message()}}}};
        } catch (const runtime_failure&) {
          throw;
        } catch (const std::exception& e) {
          // A function's own failure is the function's result, not the runner's.
          if (st.kind == "invoke")
            result = {{"error", {{"type", "Unhandled"}, {"message", e.what()}}}};
          else
            throw;
        }
        if (st.expectation) {
          add_mismatches(so, match(*st.expectation, result, env));
          // An unexpected error explains every missing key better than the keys do.
          if (!so.details.empty() && result.is_object() && result.contains("error") && result.size() == 1)
            so.details.push_back("(the step returned an error: " + dump_lossy(result["error"]) + ")");
        } else if (result.is_object() && result.contains("error") && result.size() == 1) {
          so.details.push_back("the step returned an error and has no expect: " + dump_lossy(result["error"]));
        }
        if (so.details.empty()) {
          for (const auto& [name, path] : st.captures) {
            // An http step's captures read its body unless they name status, headers, body or
            // trace_id.
            bool whole = st.kind != "http" || path.rfind("$.status", 0) == 0 || path.rfind("$.headers", 0) == 0 ||
                         path.rfind("$.body", 0) == 0 || path == "$.trace_id";
            auto v = eval_jsonpath(whole ? result : result.value("body", json()), path);
            if (!v)
              so.details.push_back("capture " + name + ": nothing at " + path + " in " + describe(&result));
            else
              vars[name] = *v;
          }
        }
        if (!so.details.empty()) so.result = status::failed;
      }
    } catch (const std::exception& e) {
      so.result = status::error;
      so.details.push_back(std::string("runtime error: ") + e.what());
    }
    for (auto& d : so.details) d = where(s, st) + ": " + d;
    out.steps.push_back(so);
    if (so.result != status::passed) {
      out.result = so.result;
      break;
    }
  }
  out.trace = ex.trace();
  out.virtual_elapsed = format_duration(ex.now() - s.start);
}

json normalise_trace(const json& trace) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::map<std::string, std::string> ids, times;
  return transform_strings(trace, [&](const std::string& s) -> json {
    if (std::regex_match(s, uuid)) return ids.emplace(s, "<id:" + std::to_string(ids.size() + 1) + ">").first->second;
    if (parse_iso8601(s)) return times.emplace(s, "<time:" + std::to_string(times.size() + 1) + ">").first->second;
    return s;
  });
}

}  // namespace emu::scenario
