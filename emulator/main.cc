// bellyfed-emu: parse the command line, build the runtime and the services, hand over.
#include <pthread.h>
#include <signal.h>
#include <strings.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "emulator/bellyfed/instance.h"
#include "emulator/bellyfed/system.h"
#include "emulator/core/error.h"
#include "emulator/core/args.h"
#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/edge/admin.h"
#include "emulator/edge/server.h"
#include "emulator/scenario/cli.h"
#include "emulator/import_cmd.h"
#include "emulator/outbox_routes.h"
#include "emulator/sqs/query.h"

namespace {

const char* const main_help = R"(usage: bellyfed-emu COMMAND [options]

Runs the BellyFed AWS event-driven system (API Gateway, EventBridge, Lambda, DynamoDB, SQS and a
PostgreSQL outbox) on one machine, offline, in deterministic virtual time.

commands:
  run [PATH ...]     run scenario files (default: scenarios/) and report; see `run --help`
  check [PATH ...]   validate scenario files and system definitions without running them
  serve              serve the AWS APIs, API Gateway stages and /_emu admin on one port
  import FILE        the import script: restaurant records to the import queue (see `import --help`)
  version            print the version
  help               this text

`bellyfed-emu COMMAND --help` explains every option of a command.
)";

const char* const serve_help = R"(usage: bellyfed-emu serve [options]

Serves the emulated system on one HTTP port: AWS APIs by X-Amz-Target (JSON 1.0/1.1) or
Action= (query protocol), API Gateway stages at /{stage}/..., and the admin API at /_emu/...
(GET /_emu/health, /_emu/stages, /_emu/traces?since=N&limit=N, /_emu/clock,
/_emu/events?bus=NAME, /_emu/metrics, /_emu/logs?function=NAME|access=STAGE, /_emu/outbox?stage=S,
POST /_emu/{stage}/actions/{name} for Server Actions). Time is the wall
clock; ids come from a seeded generator. Stops cleanly on SIGINT or SIGTERM.

options:
  --host HOST          address to bind (default 127.0.0.1; anything else exposes the emulator)
  --port N             port (default 4566; 0 picks a free one and prints it)
  --stages LIST        comma-separated stages to serve (default dev); each must be in the system
  --data-dir DIR       where stores persist (created if missing); in memory when absent
  --postgres URL       keep the outbox store in this PostgreSQL (one schema per stage,
                       bellyfed_<stage>) instead of SQLite, e.g. postgresql://app@127.0.0.1/bellyfed
  --system FILE        system definition (default: the built-in BellyFed one)
  --max-body BYTES     largest request body accepted (default 16777216); larger gets 413
  --sqs-max-message-bytes N
                       default MaximumMessageSize of queues created through the API (default
                       262144; AWS now allows up to 1048576)
  --seed N             seed for generated ids (default 0)
  --log-level LEVEL    debug, info, warn, error or off (default info)
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

int serve(const std::vector<std::string>& argv) {
  emu::parsed_args a;
  try {
    a = emu::parse_args(argv, {{"host", true}, {"port", true}, {"stages", true}, {"data-dir", true}, {"postgres", true},
                               {"system", true}, {"max-body", true}, {"seed", true}, {"log-level", true},
                               {"sqs-max-message-bytes", true},
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
  emu::edge::server_options opts;
  opts.host = a.value("host", "127.0.0.1");
  long long port = -1, max_body = 0, seed = 0, sqs_max = 262144;
  try {
    port = std::stoll(a.value("port", "4566"));
    max_body = std::stoll(a.value("max-body", std::to_string(emu::edge::default_max_body_bytes)));
    sqs_max = std::stoll(a.value("sqs-max-message-bytes", "262144"));
    seed = std::stoll(a.value("seed", "0"));
  } catch (...) {
    return usage("--port, --max-body, --seed and --sqs-max-message-bytes take whole numbers");
  }
  if (port < 0 || port > 65535) return usage("--port must be 0 to 65535");
  if (max_body < 1 || max_body > (1LL << 31)) return usage("--max-body must be 1 to 2147483648 bytes");
  if (sqs_max < 1024 || sqs_max > 1048576) return usage("--sqs-max-message-bytes must be 1024 to 1048576 (AWS's range)");
  if (seed < 0) return usage("--seed must be 0 or more");
  opts.port = int(port);
  opts.max_body_bytes = std::size_t(max_body);
  auto level = emu::parse_log_level(a.value("log-level", "info"));
  if (!level) return usage("--log-level must be debug, info, warn, error or off");

  emu::system_def sys;
  try {
    sys = emu::bellyfed::load_system(a.value("system"));
  } catch (const emu::load_error& e) {
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
  }

  // Block the stop signals in every thread; one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto rt = emu::runtime::make_real(std::uint64_t(seed), *level, &std::cerr);
  if (a.has("log-file")) {
    try {
      rt->log().log_to_file(a.value("log-file"));
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  emu::realtime_driver driver(rt->sched(), [&](const std::string& m) { rt->log().error("scheduler", "task failed", {{"error", m}}); });
  std::unique_ptr<emu::bellyfed::instance> system;
  try {
    emu::bellyfed::outbox_options outbox;
    outbox.postgres_url = a.value("postgres");
    outbox.poll_always = true;  // rows may come from other writers (a real app on the same store)
    system = std::make_unique<emu::bellyfed::instance>(*rt, sys, stages, a.value("data-dir"), outbox);
    system->sqs().max_message_bytes = std::size_t(sqs_max);
  } catch (const emu::aws_error& e) {
    std::cerr << "bellyfed-emu serve: " << e.message() << "\n";
    return 2;
  } catch (const std::exception& e) {  // the outbox store cannot be opened
    std::cerr << "bellyfed-emu serve: " << e.what() << "\n";
    return 3;
  }
  emu::edge::router router(*rt, stages);
  emu::edge::json_service events;
  events.target_prefix = "AWSEvents";
  events.protocol = emu::edge::json_protocol::v1_1;
  events.error_type_prefix = "";
  for (const auto& [name, op] : emu::bus::operations())
    events.operations[name] = [&bus = system->bus(), op = op](const emu::json& in, const emu::edge::request&) {
      return (bus.*op)(in);
    };
  router.add_json_service(std::move(events));
  emu::edge::json_service dynamodb;
  dynamodb.target_prefix = "DynamoDB_20120810";
  dynamodb.protocol = emu::edge::json_protocol::v1_0;
  dynamodb.error_type_prefix = "com.amazonaws.dynamodb.v20120810#";
  dynamodb.error_type_prefixes = {{"ValidationException", "com.amazon.coral.validate#"},
                                  {"SerializationException", "com.amazon.coral.service#"},
                                  {"UnknownOperationException", "com.amazon.coral.service#"},
                                  {"InternalServerError", "com.amazon.coral.service#"}};
  dynamodb.crc32_header = true;
  for (const auto& [name, op] : emu::dynamo::operations())
    dynamodb.operations[name] = [&db = system->dynamo(), op = op](const emu::json& in, const emu::edge::request&) {
      return emu::dynamo::guarded([&] { return (db.*op)(in); });
    };
  // Reads answer text so stored items go out verbatim (no parse and re-serialise per item).
  using wire_op = std::string (emu::dynamo::service::*)(emu::json);
  for (auto [name, op] : {std::pair<const char*, wire_op>{"GetItem", &emu::dynamo::service::get_item_wire},
                          {"Query", &emu::dynamo::service::query_wire}, {"Scan", &emu::dynamo::service::scan_wire}})
    dynamodb.text_operations[name] = [&db = system->dynamo(), op = op](const emu::json& in, const emu::edge::request&) {
      return emu::dynamo::guarded([&] { return (db.*op)(in); });
    };
  router.add_json_service(std::move(dynamodb));
  // SQS speaks both protocols on the one port: AWS JSON 1.0 (current SDKs) and the query
  // protocol (Debian's boto3 and AWS CLI). Queue URLs are built from the request's Host.
  emu::edge::json_service sqs;
  sqs.target_prefix = "AmazonSQS";
  sqs.protocol = emu::edge::json_protocol::v1_0;
  sqs.error_type_prefix = "com.amazonaws.sqs#";
  emu::edge::query_service sqs_query;
  sqs_query.name = "sqs";
  sqs_query.xmlns = emu::sqs::xml_namespace;
  for (const auto& [name, op] : emu::sqs::operations()) {
    sqs.operations[name] = [&q = system->sqs(), op = op](const emu::json& in, const emu::edge::request& r) {
      return emu::sqs::run(q, op, in, emu::sqs::call{r.header("host"), r.poll_deadline});
    };
    sqs_query.operations[name] = [&q = system->sqs(), &rt = *rt, op = op, action = name](const emu::edge::params& p,
                                                                                        const emu::edge::request& r) {
      emu::json in = emu::sqs::from_query(p);
      // Older SDKs post to the queue's URL instead of passing QueueUrl.
      if (!in.contains("QueueUrl") && std::count(r.path.begin(), r.path.end(), '/') == 2 && r.path.size() > 3)
        in["QueueUrl"] = "http://" + r.header("host") + r.path;
      emu::json out = emu::sqs::run(q, op, in, emu::sqs::call{r.header("host"), r.poll_deadline});
      return emu::sqs::to_xml(action, out, rt.ids().uuid());
    };
  }
  router.add_json_service(std::move(sqs));
  router.add_query_service(std::move(sqs_query));
  router.add_admin("GET", "/_emu/events", [&](const emu::edge::request& req) {
    std::string bus = "default";
    for (const auto& [k, v] : req.query)
      if (k == "bus") bus = v;
    if (!system->bus().has_bus(bus)) throw emu::aws_error::resource_not_found("Event bus " + bus + " does not exist.");
    emu::json list = emu::json::array();
    for (const auto& e : system->bus().events(bus)) list.push_back(e.envelope);
    emu::edge::response r;
    r.body = emu::json{{"bus", bus}, {"events", list}}.dump();
    return r;
  });
  // API Gateway: /{stage}/… for every served stage.
  router.set_stage_handler([&](const emu::edge::request& req) {
    emu::gateway::http_request g{req.method, req.path, req.query, req.header_list, req.body, req.remote_addr};
    emu::gateway::http_response out = system->gateway().handle(g);
    emu::edge::response r;
    r.status = out.status;
    for (auto& [k, v] : out.headers) {
      if (strcasecmp(k.c_str(), "content-type") == 0) r.content_type = v;
      else r.headers.emplace_back(k, v);
    }
    r.body = std::move(out.body);
    return r;
  });
  router.add_admin("GET", "/_emu/logs", [&](const emu::edge::request& req) {
    std::string fn, access;
    for (const auto& [k, v] : req.query) {
      if (k == "function") fn = v;
      if (k == "access") access = v;
    }
    emu::edge::response r;
    if (!access.empty()) {
      if (std::find(stages.begin(), stages.end(), access) == stages.end())
        throw emu::aws_error::resource_not_found("Stage " + access + " is not served");
      emu::json lines = emu::json::array();
      for (const auto& l : system->gateway().access_log(access))
        lines.push_back({{"timestamp", emu::iso8601_ms(l.at)}, {"message", l.line}});
      r.body = emu::json{{"logGroupName", "API-Gateway-Access-Logs_" + system->gateway().api_id(access) + "/" + access},
                         {"events", lines}}.dump();
      return r;
    }
    if (fn.empty()) {
      r.body = emu::json{{"functions", system->functions().names()}, {"access", stages}}.dump();
      return r;
    }
    if (!system->functions().has(fn)) throw emu::aws_error::resource_not_found("Function not found: " + fn);
    emu::json lines = emu::json::array();
    for (const auto& l : system->functions().logs(fn))
      lines.push_back({{"timestamp", emu::iso8601_ms(l.at)}, {"request_id", l.request_id}, {"message", l.message}});
    r.body = emu::json{{"logGroupName", "/aws/lambda/" + fn}, {"events", lines}}.dump();
    return r;
  });
  router.add_admin("GET", "/_emu/metrics", [&](const emu::edge::request&) {
    emu::edge::response r;
    r.body = emu::json{{"buses", system->bus().metrics()}, {"queues", system->sqs().metrics()},
                       {"gateway", system->gateway().metrics()}, {"outbox", system->outbox_metrics()}}.dump();
    return r;
  });
  emu::add_outbox_endpoints(router, *system, stages);
  std::string notice = emu::bellyfed::not_emulated_notice(sys);
  emu::edge::add_admin_endpoints(router, *rt, {EMU_VERSION, stages, emu::sections_not_emulated(sys, emu::bellyfed::emulated_sections())});
  emu::edge::http_server server(router, driver, rt->log(), opts);
  try {
    server.bind();
  } catch (const std::exception& e) {
    std::cerr << "bellyfed-emu serve: " << e.what() << "\n";
    return 3;
  }
  driver.start();
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) rt->log().info("serve", "stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    server.stop();
  });
  rt->log().info("serve", "listening",
                 {{"host", opts.host}, {"port", server.port()}, {"stages", stages}, {"version", EMU_VERSION},
                  {"not_emulated", notice}});
  std::cout << "bellyfed-emu " << EMU_VERSION << " listening on http://" << opts.host << ":" << server.port()
            << " (stages: " << a.value("stages", "dev") << ")" << std::endl;
  server.run();
  // If the server stopped for another reason, release the signal thread.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  driver.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << main_help;
    return args.empty() ? 1 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "run") return emu::scenario::run_command(args, std::cout, std::cerr);
    if (cmd == "check") return emu::scenario::check_command(args, std::cout, std::cerr);
    if (cmd == "serve") return serve(args);
    if (cmd == "import") return emu::import_command(args, std::cout, std::cerr);
    if (cmd == "version" || cmd == "--version") {
      std::cout << "bellyfed-emu " << EMU_VERSION << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "bellyfed-emu: " << e.what() << "\n";
    return 3;
  }
  std::cerr << "bellyfed-emu: unknown command '" << cmd << "'\n\n" << main_help;
  return 1;
}
