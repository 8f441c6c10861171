#include "emulator/scenario/steps.h"

#include <unistd.h>

#include <cstdio>
#include <thread>

#include "emulator/core/digest.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/edge/server.h"

namespace emu::scenario {

struct world::callback_endpoint {
  realtime_driver driver;
  edge::router router;
  std::unique_ptr<edge::http_server> server;
  std::thread thread;
  std::unique_lock<std::mutex> held;

  explicit callback_endpoint(world& w)
      : driver(w.rt->sched(), [](const std::string&) {}), router(*w.rt, std::vector<std::string>{w.stage}) {
    w.system->add_apis_to(router);
    edge::server_options opts;
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.max_threads = 64;
    server = std::make_unique<edge::http_server>(router, driver, w.rt->log(), opts);
    server->bind();
    held = driver.hold();
    thread = std::thread([this] { server->run(); });
    w.system->host_user_code(driver, "http://127.0.0.1:" + std::to_string(server->port()));
  }
  ~callback_endpoint() {
    held.unlock();  // requests in progress finish; then the server stops
    server->stop();
    thread.join();
  }
};

world::world(const system_def& def, std::string stage_name, instant start, std::uint64_t seed,
             const std::string& postgres, const std::string& scenario_file)
    : rt(nullptr), sys(def), stage(std::move(stage_name)), file(scenario_file), system(nullptr) {
  own_rt_ = runtime::make_virtual(start, seed, log_level::off, nullptr);
  rt = own_rt_.get();
  rt->log().keep_in_memory(true);
  system::outbox_options o;
  if (!postgres.empty()) {
    // A schema per scenario and process: concurrent runs (ctest -j, --jobs) never share rows.
    std::uint64_t h = fnv1a64(scenario_file);
    char name[64];
    std::snprintf(name, sizeof name, "emu_%d_%012llx_", int(getpid()), (unsigned long long)(h & 0xffffffffffffULL));
    o.postgres_url = postgres;
    o.schema_prefix = name;
    o.drop_schemas = true;
  }
  own_system_ = std::make_unique<emu::system::instance>(*rt, def, std::vector<std::string>{stage}, "", o);
  system = own_system_.get();
  if (!system->functions().user_functions().empty()) callback_ = std::make_unique<callback_endpoint>(*this);
  trace_start = rt->trace().last_seq();
}

world::world(runtime& borrowed_rt, const system_def& def, std::string stage_name, emu::system::instance& borrowed,
             std::uint64_t trace_start_seq, const std::string& scenario_file)
    : rt(&borrowed_rt),
      sys(def),
      stage(std::move(stage_name)),
      file(scenario_file),
      system(&borrowed),
      trace_start(trace_start_seq) {}

world::~world() {
  if (callback_) system->functions().shutdown();
  callback_.reset();
}

void require_keys(const YAML::Node& n, const std::string& file, const std::string& path,
                  std::initializer_list<const char*> allowed, std::initializer_list<const char*> required) {
  if (!n.IsMap()) throw load_error(file, n.Mark(), path, "must be a map");
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    bool ok = false;
    std::string list;
    for (const char* a : allowed) ok = ok || k == a, list += (list.empty() ? "" : ", ") + std::string(a);
    if (!ok) throw load_error(file, kv.first.Mark(), path + "." + k, "unknown key (expected one of: " + list + ")");
  }
  for (const char* r : required)
    if (!n[r]) throw load_error(file, n.Mark(), path + "." + r, "is required");
}

namespace {

duration need_duration(const YAML::Node& n, const std::string& file, const std::string& path) {
  if (!n.IsScalar()) throw load_error(file, n.Mark(), path, "must be a duration such as 250ms, 30s, 5m or 1h");
  auto d = parse_duration(n.Scalar());
  if (!d) throw load_error(file, n.Mark(), path, "'" + n.Scalar() + "' is not a duration (use 250ms, 30s, 5m or 1h)");
  return *d;
}

json clock_result(world& w, std::size_t ran) {
  return {{"now", iso8601_ms(w.rt->clock().now())}, {"tasks_run", ran}, {"pending", w.rt->sched().pending()}};
}

// `trace: [ {...}, … ]`: the expected entries appear in this order among the scenario's trace
// entries (others may come between).
std::vector<mismatch> check_trace(world& w, const void* compiled, const match_env& env) {
  const auto& want = *static_cast<const expected*>(compiled);
  std::vector<json> entries;
  for (const auto& e : w.rt->trace().since(w.trace_start)) entries.push_back(to_json(e));
  std::vector<mismatch> out;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < want.items.size(); ++i) {
    bool found = false;
    for (std::size_t j = pos; j < entries.size() && !found; ++j) {
      std::vector<mismatch> tmp;
      match(*want.items[i], &entries[j], "$", env, tmp);
      if (tmp.empty()) found = true, pos = j + 1;
    }
    if (!found) {
      std::string seen;
      for (std::size_t j = pos; j < entries.size() && j < pos + 20; ++j)
        seen += "\n      #" + dump_lossy(entries[j]["seq"]) + " " + entries[j]["kind"].get<std::string>() + " " +
                dump_lossy(entries[j]["data"]).substr(0, 160);
      if (seen.empty()) seen = " none";
      out.push_back({"$[" + std::to_string(i) + "]",
                     "no trace entry (after the ones matched so far) matches expected entry " + std::to_string(i) +
                         " (line " + std::to_string(want.items[i]->line) + "); entries seen:" + seen});
      break;
    }
  }
  return out;
}

}  // namespace

registry::registry() {
  add_step({"advance", "move virtual time forward, running the work that falls due on the way",
            [](const YAML::Node& p, const std::string& file, const std::string& path) { need_duration(p, file, path); },
            [](world& w, const json& p) {
              auto d = parse_duration(p.is_string() ? p.get<std::string>() : "");
              if (!d) throw std::runtime_error("advance: not a duration: " + dump_lossy(p));
              std::size_t ran = w.rt->sched().advance(*d);
              return clock_result(w, ran);
            }});
  add_step({"settle", "run until no work is due now; with max, also future work up to that far ahead",
            [](const YAML::Node& p, const std::string& file, const std::string& path) {
              if (p.IsNull() || (p.IsMap() && p.size() == 0)) return;
              require_keys(p, file, path, {"max"}, {});
              if (p["max"]) need_duration(p["max"], file, path + ".max");
            },
            [](world& w, const json& p) {
              auto& s = w.rt->sched();
              std::size_t ran = s.run_until_idle();
              if (p.is_object() && p.contains("max")) {
                instant limit = w.rt->clock().now() + *parse_duration(p["max"].get<std::string>());
                while (auto next = s.next_due()) {
                  if (*next > limit) break;
                  ran += s.run_until(*next);
                }
              }
              return clock_result(w, ran);
            }});
  add_step({"invoke", "invoke a function directly; the result is its return value or {error}",
            [](const YAML::Node& p, const std::string& file, const std::string& path) {
              require_keys(p, file, path, {"function", "event"}, {"function"});
            },
            [](world& w, const json& p) {
              if (!p["function"].is_string()) throw aws_error::validation("invoke: function must be a string");
              std::string fn = p["function"].get<std::string>();
              if (w.sys.find_function(fn)) fn = w.qualified(fn);  // system functions are named without their stage
              return w.fns().invoke(fn, p.value("event", json::object()));
            }});
  add_step(
      {"fault", "inject a failure: {function: NAME, fail: N, error: TEXT}",
       [](const YAML::Node& p, const std::string& file, const std::string& path) {
         if (p.IsMap() && p["outbox"]) {
           require_keys(p, file, path, {"outbox", "count"}, {"outbox"});
           std::string k = p["outbox"].IsScalar() ? p["outbox"].Scalar() : "";
           if (k != "crash-after-publish" && k != "fail-write")
             throw load_error(
                 file, p["outbox"].Mark(), path + ".outbox",
                 "must be crash-after-publish (the relay publishes a batch, then stops before marking it) or "
                 "fail-write (the next server action fails between its two writes)");
           if (p["count"]) {
             json n = plain_scalar(p["count"].Scalar());
             if (!n.is_number_integer() || n.get<long long>() < 1 || n.get<long long>() > 1000)
               throw load_error(file, p["count"].Mark(), path + ".count", "must be a whole number from 1 to 1000");
           }
           return;
         }
         if (p.IsMap() && p["target"]) {
           require_keys(p, file, path, {"target", "fail"}, {"target", "fail"});
           std::string t = p["target"].IsScalar() ? p["target"].Scalar() : "";
           if (t.find('/') == std::string::npos || t.front() == '/' || t.back() == '/')
             throw load_error(file, p["target"].Mark(), path + ".target",
                              "must be RULE/TARGET_ID, e.g. restaurant-import/dynamodb-import");
         } else {
           require_keys(p, file, path, {"function", "fail", "error", "timeout"}, {"function"});
           if (!p["fail"] == !p["timeout"])
             throw load_error(file, p.Mark(), path, "a function fault takes fail: N (errors) or timeout: N (timeouts)");
         }
         const char* count_key = p["fail"] ? "fail" : "timeout";
         json n = plain_scalar(p[count_key].Scalar());
         if (!n.is_number_integer() || n.get<long long>() < 1 || n.get<long long>() > 1'000'000)
           throw load_error(file, p[count_key].Mark(), path + "." + count_key,
                            "must be a whole number from 1 to 1000000");
       },
       [](world& w, const json& p) {
         if (p.contains("outbox")) {
           int n = p.value("count", 1);
           if (p["outbox"] == "crash-after-publish")
             w.system->crash_after_publish(w.stage, n);
           else
             w.system->fail_next_writes(w.stage, n);
           return json{{"outbox", p["outbox"]}, {"count", n}};
         }
         if (p.contains("target")) {
           std::string t = p["target"].get<std::string>();
           w.bus().inject_target_failures(t.substr(0, t.find('/')), t.substr(t.find('/') + 1), p["fail"].get<int>());
           return json{{"target", t}, {"fail", p["fail"]}};
         }
         // A function of the system definition is named without its stage.
         std::string fn = p["function"].get<std::string>();
         if (w.sys.find_function(fn)) fn = w.qualified(fn);
         if (p.contains("timeout")) {
           w.fns().inject_timeouts(fn, p["timeout"].get<int>());
           return json{{"function", p["function"]}, {"timeout", p["timeout"]}};
         }
         w.fns().inject_failures(fn, p["fail"].get<int>(), p.value("error", std::string("injected failure")));
         return json{{"function", p["function"]}, {"fail", p["fail"]}};
       }});
  add_expect({"trace", "the ordered trace entries since the scenario began, as a subsequence match",
              [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                if (!spec.IsSequence()) throw load_error(file, spec.Mark(), path, "trace takes a list of entries");
                return std::static_pointer_cast<const void>(compile_expected(spec, file, path));
              },
              check_trace});
  add_expect(
      {"logs",
       "lines in a function's log group or the stage's API Gateway access log: {function | gateway: access, contains}",
       [](const YAML::Node& spec, const std::string& file, const std::string& path) {
         require_keys(spec, file, path, {"function", "gateway", "contains"}, {"contains"});
         if (!spec["function"] == !spec["gateway"])
           throw load_error(file, spec.Mark(), path, "give one of function and gateway");
         if (spec["gateway"] && spec["gateway"].Scalar() != "access")
           throw load_error(file, spec["gateway"].Mark(), path + ".gateway", "must be access (the stage's access log)");
         return std::static_pointer_cast<const void>(std::make_shared<std::pair<std::string, std::string>>(
             spec["function"] ? spec["function"].Scalar() : "", spec["contains"].Scalar()));
       },
       [](world& w, const void* compiled, const match_env& env) {
         const auto& [fn_name, text] = *static_cast<const std::pair<std::string, std::string>*>(compiled);
         json want = env.resolve(text);
         std::string needle = want.is_string() ? want.get<std::string>() : want.dump();
         std::vector<std::string> lines;
         std::string group;
         if (fn_name.empty()) {
           group = "the " + w.stage + " access log";
           for (const auto& l : w.system->gateway().access_log(w.stage)) lines.push_back(l.line);
         } else {
           std::string fn = w.sys.find_function(fn_name) ? w.qualified(fn_name) : fn_name;
           group = "/aws/lambda/" + fn;
           for (const auto& l : w.fns().logs(fn)) lines.push_back(l.message);
         }
         for (const auto& l : lines)
           if (l.find(needle) != std::string::npos) return std::vector<mismatch>{};
         std::string seen;
         for (std::size_t i = lines.size() > 8 ? lines.size() - 8 : 0; i < lines.size(); ++i)
           seen += "\n      " + lines[i];
         return std::vector<mismatch>{{"$", "no line of " + group + " contains \"" + needle + "\" (" +
                                                std::to_string(lines.size()) + " lines" +
                                                (seen.empty() ? ")" : "; the last:" + seen + ")")}};
       }});
  add_bus_steps(*this);
  add_aws_steps(*this);
  add_sqs_steps(*this);
  add_gateway_steps(*this);
  add_outbox_steps(*this);
}

const step_kind* registry::step(const std::string& name) const {
  auto it = steps_.find(name);
  return it == steps_.end() ? nullptr : &it->second;
}

const expect_kind* registry::expectation(const std::string& name) const {
  auto it = expects_.find(name);
  return it == expects_.end() ? nullptr : &it->second;
}

std::vector<std::string> registry::step_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : steps_) out.push_back(k);
  out.push_back("expect");
  return out;
}

std::vector<std::string> registry::expect_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : expects_) out.push_back(k);
  return out;
}

}  // namespace emu::scenario
