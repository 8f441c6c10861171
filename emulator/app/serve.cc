// `bellyfed-emu serve`: flags → runtime → system instance → router → HTTP server, until SIGINT
// or SIGTERM.
#include "emulator/app/serve.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "emulator/app/admin_routes.h"
#include "emulator/app/dashboard.h"
#include "emulator/app/drive.h"
#include "emulator/core/args.h"
#include "emulator/core/error.h"
#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/edge/admin.h"
#include "emulator/edge/server.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/recorder.h"
#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

namespace emu::app {
namespace {

const char* const serve_help = R"(usage: bellyfed-emu serve [options]

Serves the emulated system on one HTTP port: AWS APIs by X-Amz-Target (JSON 1.0/1.1) or
Action= (query protocol), the Lambda API at /2015-03-31/... and /2019-09-25/..., API Gateway
stages at /{stage}/..., and the admin API at /_emu/...
(GET /_emu/health, /_emu/stages, /_emu/traces?since=N&limit=N&trace_id=T&kind=K&order=newest, /_emu/clock,
/_emu/events?bus=NAME, /_emu/metrics, /_emu/logs?function=NAME|access=STAGE, /_emu/outbox?stage=S;
POST /_emu/{stage}/actions/{name} for Server Actions, and POST /_emu/clock, /_emu/reset,
/_emu/fixtures, /_emu/faults, /_emu/steps, /_emu/checks, /_emu/ids to drive it: docs/ADMIN.md).
Time is the wall clock unless --clock virtual; ids come from a seeded generator. Stops cleanly on
SIGINT or SIGTERM.

options:
  --host HOST          address to bind (default 127.0.0.1; anything else exposes the emulator,
                       and serve warns). Requests must name a loopback host (localhost,
                       127.0.0.1, [::1]) or HOST in their Host header; any, if HOST is 0.0.0.0 or ::
  --allow-origin ORIGIN
                       a web origin (https://app.example.com) whose pages may call the AWS APIs,
                       Server Actions and /_emu endpoints; repeatable, * allows every origin.
                       Loopback origins and the gateway's CORS origins are always allowed; other
                       origins get 403 (a page on another site must not drive the emulator)
  --port N             port (default 4566; 0 picks a free one and prints it)
  --stages LIST        comma-separated stages to serve (default dev); each must be in the system
  --data-dir DIR       where stores persist (created if missing); in memory when absent. Each
                       start on it draws ids from a new seed, so ids never repeat across restarts
  --postgres URL       keep the outbox store in this PostgreSQL (one schema per stage,
                       bellyfed_<stage>) instead of SQLite, e.g. postgresql://app@127.0.0.1/bellyfed
  --system FILE        system definition (default: the built-in BellyFed one)
  --max-body BYTES     largest request body accepted (default 16777216); larger gets 413
  --sqs-max-message-bytes N
                       default MaximumMessageSize of queues created through the API (default
                       262144; AWS now allows up to 1048576)
  --seed N             seed for generated ids (default 0)
  --clock MODE         real (default: the wall clock) or virtual (time stands still at the start
                       and moves only by POST /_emu/clock; work runs only as it is advanced, as in run)
  --start TIME         the clock's start, ISO 8601 (default: now for real, 2024-12-01T00:00:00Z for
                       virtual)
  --fixtures FILE      a fixture file (the scenario format: tables:, rows:) written at start and
                       again by every POST /_emu/reset; repeatable
  --init FILE          a scenario whose fixtures and steps run once at start, before /_emu/health
                       answers ok (a failing step stops serve, exit 4)
  --record FILE        write every request from outside (gateway, AWS APIs, Lambda Invoke, Server
                       Actions, faults) as a scenario that `run FILE` replays in virtual time, with
                       what was answered as expectations; written step by step, closed on
                       SIGINT/SIGTERM
  --trace-capacity N   trace entries kept for /_emu/traces, the oldest dropped first (default
                       10000, at most 1000000; about 0.5 KB each)
  --log-level LEVEL    debug, info, warn, error or off (default info); debug adds routing
                       decisions, deliveries, retries and invocations
  --log-file FILE      append JSON log lines to FILE instead of stderr
  -h, --help           this text
)";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto next = s.find(sep, pos);
    if (next == std::string::npos) next = s.size();
    if (next > pos) out.push_back(s.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

}  // namespace

int serve_command(const std::vector<std::string>& argv) {
  parsed_args a;
  try {
    a = parse_args(argv, {{"host", true},
                          {"allow-origin", true},
                          {"port", true},
                          {"stages", true},
                          {"data-dir", true},
                          {"postgres", true},
                          {"system", true},
                          {"max-body", true},
                          {"seed", true},
                          {"log-level", true},
                          {"sqs-max-message-bytes", true},
                          {"trace-capacity", true},
                          {"clock", true},
                          {"start", true},
                          {"fixtures", true},
                          {"init", true},
                          {"record", true},
                          {"log-file", true}});
    if (!a.positional.empty()) throw std::invalid_argument("unexpected argument " + a.positional[0]);
  } catch (const std::invalid_argument& e) {
    std::cerr << "bellyfed-emu serve: " << e.what() << "\n";
    return 1;
  }
  if (a.has("help")) {
    std::cout << serve_help;
    return 0;
  }
  auto usage = [](const std::string& m) {
    std::cerr << "bellyfed-emu serve: " << m << "\n";
    return 1;
  };
  edge::server_options opts;
  opts.host = a.value("host", "127.0.0.1");
  long long port = -1, max_body = 0, seed = 0, sqs_max = 262144, trace_capacity = 10000;
  try {
    port = std::stoll(a.value("port", "4566"));
    max_body = std::stoll(a.value("max-body", std::to_string(edge::default_max_body_bytes)));
    sqs_max = std::stoll(a.value("sqs-max-message-bytes", "262144"));
    seed = std::stoll(a.value("seed", "0"));
    trace_capacity = std::stoll(a.value("trace-capacity", "10000"));
  } catch (...) {
    return usage("--port, --max-body, --seed, --trace-capacity and --sqs-max-message-bytes take whole numbers");
  }
  if (trace_capacity < 1 || trace_capacity > 1000000) return usage("--trace-capacity must be 1 to 1000000");
  if (port < 0 || port > 65535) return usage("--port must be 0 to 65535");
  if (max_body < 1 || max_body > (1LL << 31)) return usage("--max-body must be 1 to 2147483648 bytes");
  if (sqs_max < 1024 || sqs_max > 1048576)
    return usage("--sqs-max-message-bytes must be 1024 to 1048576 (AWS's range)");
  if (seed < 0) return usage("--seed must be 0 or more");
  std::string clock_mode = a.value("clock", "real");
  if (clock_mode != "real" && clock_mode != "virtual") return usage("--clock must be real or virtual");
  std::optional<instant> start;
  if (a.has("start")) {
    start = parse_iso8601(a.value("start"));
    if (!start) return usage("--start must be an ISO 8601 time such as 2024-12-01T12:00:00Z");
  } else if (clock_mode == "virtual") {
    start = scenario::default_start();
  }
  opts.port = int(port);
  opts.max_body_bytes = std::size_t(max_body);
  auto level = parse_log_level(a.value("log-level", "info"));
  if (!level) return usage("--log-level must be debug, info, warn, error or off");

  system_def sys;
  try {
    sys = system::load(a.value("system"));
  } catch (const load_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  auto stages = split(a.value("stages", "dev"), ',');
  if (stages.empty()) return usage("--stages needs at least one stage");
  for (const auto& s : stages)
    if (std::find(sys.stages.begin(), sys.stages.end(), s) == sys.stages.end())
      return usage("unknown stage '" + s + "' (the system defines: " + [&] {
        std::string l;
        for (const auto& x : sys.stages) l += (l.empty() ? "" : ", ") + x;
        return l;
      }() + ")");
  if (a.has("data-dir")) {
    std::error_code ec;
    std::filesystem::create_directories(a.value("data-dir"), ec);
    if (ec) return usage("cannot create --data-dir " + a.value("data-dir") + ": " + ec.message());
    // Ids must not repeat across restarts on the same stores (a new restaurant's id would clash
    // with one stored by the run before): each start on the directory counts itself, and every
    // start after the first draws ids from another seed. The same directory state, seed and
    // requests still give the same ids.
    std::uint64_t starts = 0;
    std::string counter = a.value("data-dir") + "/starts";
    if (std::ifstream in(counter); in) in >> starts;
    {
      std::ofstream out(counter + ".tmp", std::ios::trunc);
      out << starts + 1 << "\n";
      if (!out.flush()) return usage("cannot write " + counter + ".tmp in --data-dir");
    }
    std::filesystem::rename(counter + ".tmp", counter, ec);
    if (ec) return usage("cannot write " + counter + ": " + ec.message());
    if (starts > 0) seed = (long long)((std::uint64_t(seed) ^ (starts * 0x9E3779B97F4A7C15ULL)) >> 1);
  }

  // Blocks of 256 KiB and more (request and answer bodies, admin dumps) come from mmap and go
  // back to the system when freed. By default glibc raises this threshold after each such free,
  // up to 32 MiB, so big bodies land in the per-thread heaps and stay there: a few admin dumps
  // on a few connections left serve hundreds of MB larger for good.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);

  // Every open connection holds a descriptor: allow as many as the hard limit does.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // Block the stop signals in every thread; one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto rt = runtime::make_real(std::uint64_t(seed), *level, &std::cerr, std::size_t(trace_capacity));
  if (a.has("log-file")) {
    try {
      rt->log().log_to_file(a.value("log-file"));
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  realtime_driver driver(rt->sched(), [&](const std::string& m) {
    rt->log().error("scheduler", "task failed", {{"error", m}});
  });
  if (auto* c = rt->served_clock()) {
    if (start) c->reset_to(*start);
    c->set_virtual(clock_mode == "virtual");
  }
  // What --fixtures and --init name is read before anything starts: a bad file is exit 2.
  scenario::registry reg;
  std::vector<std::vector<scenario::fixture_items>> fixtures;
  std::optional<scenario::scenario> init;
  try {
    for (const auto& f : a.values("fixtures"))
      fixtures.push_back(scenario::read_fixture_document(load_yaml_file(f), f, sys));
    if (a.has("init")) init = scenario::load_scenario(a.value("init"), reg, sys);
  } catch (const load_error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (init && std::find(stages.begin(), stages.end(), init->stage) == stages.end())
    return usage("--init " + a.value("init") + " runs in stage " + init->stage + ", which is not served");
  std::unique_ptr<served_system> system;
  try {
    served_options so;
    so.stages = stages;
    so.data_dir = a.value("data-dir");
    so.outbox.postgres_url = a.value("postgres");
    // Rows may come from other writers (a real app on the same PostgreSQL or SQLite file); an
    // in-memory store has none, and then its relays poll only when there is work, as in run.
    so.outbox.poll_always = !so.data_dir.empty() || !so.outbox.postgres_url.empty();
    so.sqs_max_message_bytes = std::size_t(sqs_max);
    so.seed = std::uint64_t(seed);
    system = std::make_unique<served_system>(*rt, sys, so);
    for (auto& f : fixtures) system->add_start_fixtures(std::move(f), stages.front());
  } catch (const aws_error& e) {
    std::cerr << "bellyfed-emu serve: " << e.message() << "\n";
    return 2;
  } catch (const std::exception& e) {  // the outbox store cannot be opened
    std::cerr << "bellyfed-emu serve: " << e.what() << "\n";
    return 3;
  }
  // A request's released memory goes with its answer, after the lock (router::handle); what a
  // task run (deliveries, schedules, mappings) leaves is freed at the end of its section.
  rt->keep_released(true);
  driver.set_commit([&] {
    system->get().commit();
    rt->take_released();
  });
  edge::router router(*rt, stages);
  edge::access_policy access;
  std::string host = edge::host_name(opts.host);
  access.any_host = host == "0.0.0.0" || host == "::" || host.empty();
  access.hosts.push_back(host);
  for (const auto& o : sys.gateway.cors_origins)
    if (o != "*") access.origins.push_back(o);  // "*" lets any page read the gateway, not drive the emulator
  for (const auto& o : a.values("allow-origin")) {
    if (o != "*" && !edge::is_origin(o))
      return usage("--allow-origin '" + o + "' is not an origin such as https://app.example.com (or *)");
    access.origins.push_back(o);
  }
  router.set_access(access);
  auto current = [&system]() -> system::instance& { return system->get(); };
  system->get().add_apis_to(router, current);
  // API Gateway: /{stage}/… for every served stage.
  router.set_stage_handler([&](const edge::request& req) {
    gateway::http_request g{req.method, req.path, req.query, req.header_list, req.body, req.remote_addr};
    gateway::http_response out = system->get().gateway().handle(g);
    edge::response r;
    r.status = out.status;
    for (auto& [k, v] : out.headers) {
      if (strcasecmp(k.c_str(), "content-type") == 0)
        r.content_type = v;
      else
        r.headers.emplace_back(k, v);
    }
    r.body = std::move(out.body);
    return r;
  });
  add_system_routes(router, current, stages);
  add_dashboard_routes(router, current);
  system->add_routes(router);
  std::string notice = system::not_runnable_notice(sys);
  // serve --record: every request from outside, as scenario steps (a file that cannot be
  // written is exit 3 now, not a surprise later).
  std::unique_ptr<scenario::recorder> recording;
  if (a.has("record")) {
    scenario::recorder_options ro;
    ro.path = a.value("record");
    ro.stage = stages.front();
    ro.stages = stages;
    ro.seed = std::uint64_t(seed);
    ro.start = rt->clock().now();
    ro.api_key = sys.gateway.key_for(stages.front());
    ro.find_api = [&system](const std::string& name) -> const api* {
      for (const auto& x : system->get().apis())
        if (x.target_prefix == name || x.name == name) return &x;
      return nullptr;
    };
    try {
      recording = std::make_unique<scenario::recorder>(ro);
    } catch (const std::exception& e) {
      std::cerr << "bellyfed-emu serve: " << e.what() << "\n";
      return 3;
    }
    router.set_observer([&recording, &rt, file = ro.path](const edge::request& req, const edge::response& res) {
      bool failed_before = !recording->failure().empty();
      recording->record(req, res, rt->clock().now());
      if (!failed_before && !recording->failure().empty())
        rt->log().error("serve", "recording stopped", {{"file", file}, {"error", recording->failure()}});
    });
  }
  std::atomic<bool> ready{!init};
  edge::add_admin_endpoints(router, *rt,
                            {EMU_VERSION, stages, system::not_runnable(sys), [&ready] { return ready.load(); }});
  edge::http_server server(router, driver, rt->log(), opts);
  try {
    server.bind();
  } catch (const std::exception& e) {
    std::cerr << "bellyfed-emu serve: " << e.what() << "\n";
    return 3;
  }
  // User code runs with the world lock released, and its SDK calls come back to this port.
  {
    std::string back = access.any_host                       ? (host == "::" ? "[::1]" : "127.0.0.1")
                       : host.find(':') != std::string::npos ? "[" + host + "]"
                                                             : host;
    system->host_user_code(driver, "http://" + back + ":" + std::to_string(server.port()));
  }
  if (!notice.empty()) rt->log().warn("serve", "functions that cannot run", {{"message", notice}});
  if (!edge::is_loopback_name(host))
    rt->log().warn(
        "serve", "not loopback",
        {{"host", opts.host}, {"message", "the emulator is reachable from other machines: it has no authentication"}});
  driver.start();
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) rt->log().info("serve", "stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    system->get().functions().shutdown();  // invocations in progress end now, not at their timeout
    server.stop();
  });
  rt->log().info("serve", "listening",
                 {{"host", opts.host},
                  {"port", server.port()},
                  {"stages", stages},
                  {"version", EMU_VERSION},
                  {"not_emulated", notice}});
  std::cout << "bellyfed-emu " << EMU_VERSION << " listening on http://" << opts.host << ":" << server.port()
            << " (stages: " << a.value("stages", "dev") << ")" << std::endl;
  // serve --init: its steps run once the server answers (user code calls back to it), before
  // /_emu/health says ok. A step that fails stops serve.
  int status = 0;
  std::thread initializer;
  if (init)
    initializer = std::thread([&] {
      // Outside the emulated world: the server's own start, which a stop must not overtake.
      while (!server.running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      auto outcome = driver.exclusive([&] { return system->run_init(*init); });
      if (outcome.result == scenario::status::passed) {
        rt->log().info("serve", "init done", {{"file", init->file}, {"steps", outcome.steps.size()}});
        ready = true;
        return;
      }
      for (const auto& st : outcome.steps)
        for (const auto& d : st.details) std::cerr << "bellyfed-emu serve: --init " << d << "\n";
      status = outcome.result == scenario::status::failed ? 4 : 3;
      server.stop();
    });
  server.run();
  if (initializer.joinable()) initializer.join();
  // If the server stopped for another reason, release the signal thread.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  driver.stop();
  if (recording) {
    std::size_t steps = recording->close();
    rt->log().info("serve", "recording closed", {{"file", a.value("record")}, {"steps", steps}});
    if (!recording->failure().empty()) std::cerr << "bellyfed-emu serve: " << recording->failure() << "\n";
  }
  return status;
}

}  // namespace emu::app
