#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "emulator/core/system_def.h"
#include "emulator/core/yaml_json.h"
#include "emulator/system/definition.h"

namespace {
// Returns the load error's message, or "OK".
std::string load(const std::string& yaml) {
  try {
    emu::load_system_def(yaml, "sys.yaml");
    return "OK";
  } catch (const emu::load_error& e) {
    return e.what();
  }
}
const std::string base = "version: 1\nstages: [dev]\n";
}  // namespace

TEST_CASE("system: the built-in BellyFed definition loads with the seed's resources", "[system]") {
  auto def = emu::system::load("");
  CHECK(def.stages == std::vector<std::string>{"dev", "qa", "staging", "prod"});
  REQUIRE(def.tables.size() == 3);
  CHECK(def.tables[0].name == "FoodEstablishment");
  CHECK(def.tables[0].indexes[0].hash.name == "GSI1PK");
  CHECK(emu::resource_name("FoodEstablishment", "dev") == "FoodEstablishment-dev");
  CHECK(emu::resource_name("orders.fifo", "qa") == "orders-qa.fifo");
  CHECK(def.queues[0].dlq == "restaurant-import-dlq");
  CHECK(def.rules.size() == 3);
  CHECK(def.find_function("QueryHandler"));
  CHECK(def.gateway.routes.size() == 4);
  CHECK(def.outbox.defined);
  // Every function of the built-in system runs in this build.
  CHECK(emu::system::not_runnable(def).empty());
  CHECK(emu::system::not_runnable_notice(def).empty());
}

TEST_CASE("system: functions whose code or command cannot be found are named before anything runs", "[system]") {
  auto dir = std::filesystem::temp_directory_path() / "emu_system_def_code";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "fn");
  std::ofstream(dir / "fn" / "index.mjs") << "export const handler = async () => 1;\n";
  std::ofstream(dir / "fn" / "app.py") << "def handler(e, c): return 1\n";
  std::string file = (dir / "sys.yaml").string();
  auto def = emu::load_system_def(base +
                                      "functions:\n"
                                      "  - {name: Ok, runtime: nodejs, handler: index.handler, code: fn}\n"
                                      "  - {name: OkPy, runtime: python3.12, handler: app.handler, code: fn/}\n"
                                      "  - {name: NoFile, runtime: nodejs, handler: main.handler, code: fn}\n"
                                      "  - {name: NoDir, runtime: python, handler: app.handler, code: missing}\n"
                                      "  - {name: NoCmd, exec: [no-such-runtime-command, x]}\n"
                                      "  - {name: NoPath, exec: [./bin/bootstrap]}\n"
                                      "  - {name: Web, http: 'http://127.0.0.1:9/x'}\n"
                                      "  - {name: Echo, builtin: echo}\n",
                                  file);
  CHECK(def.find_function("Ok")->code == (dir / "fn").string());
  CHECK(def.find_function("OkPy")->runtime == "python");
  CHECK(def.find_function("NoPath")->exec[0] == (dir / "bin" / "bootstrap").string());
  CHECK(emu::system::not_runnable(def) ==
        std::vector<std::string>{
            "function NoFile (runtime nodejs: handler file main.js (or .mjs, .cjs) not found in " +
                (dir / "fn").string() + ")",
            "function NoDir (runtime python: code directory " + (dir / "missing").string() + " does not exist)",
            "function NoCmd (exec: no-such-runtime-command is not on PATH)",
            "function NoPath (exec: " + (dir / "bin" / "bootstrap").string() + " is not an executable file)"});
  CHECK_THAT(emu::system::not_runnable_notice(def), Catch::StartsWith("code not found: function NoFile"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("system: a function has exactly one kind, and its keys go with it", "[system]") {
  CHECK_THAT(
      load(base + "functions:\n  - {name: F, runtime: nodejs, handler: index.handler, code: x, builtin: echo}\n"),
      Catch::Contains("a function needs exactly one of builtin, runtime, exec or http"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, runtime: ruby, handler: a.b, code: x}\n"),
             Catch::Contains("functions[0].runtime: must be nodejs or python"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, runtime: nodejs, handler: index, code: x}\n"),
             Catch::Contains("must be FILE.EXPORT, e.g. index.handler"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, handler: index.handler}\n"),
             Catch::Contains("functions[0].handler: goes with runtime: nodejs or python"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, http: 'http:///x'}\n"), Catch::Contains("must be an http:// URL"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, reserved_concurrency: 0}\n"),
             Catch::Contains("reserved_concurrency"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, async: {max_retries: 3}}\n"),
             Catch::Contains("functions[0].async.max_retries"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, async: {max_event_age: 30s}}\n"),
             Catch::Contains("must be between 60s and 6h (Lambda's range)"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, async: {on_failure: {queue: nope}}}\n"),
             Catch::Contains("functions[0].async.on_failure.queue: unknown queue 'nope'"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, async: {on_success: {function: F}}}\n"),
             Catch::Contains("a function cannot be its own destination"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, async: {on_success: {queue: a, bus: b}}}\n"),
             Catch::Contains("a destination is exactly one of queue, bus or function"));
  CHECK_THAT(load(base + "functions:\n  - {name: F, builtin: echo, dead_letter_queue: nope}\n"),
             Catch::Contains("functions[0].dead_letter_queue: unknown queue 'nope'"));
}

TEST_CASE("system: errors name file, line and the offending key", "[system]") {
  CHECK(load(base + "tabels: []\n") ==
        "sys.yaml:3:1: tabels: unknown key 'tabels' (expected one of: version, name, account, region, stages, tables, "
        "queues, buses, rules, functions, mappings, gateway, outbox, actions, diagram)");
  CHECK_THAT(load(base + "queues:\n  - name: q\n    visibility_timeout: forever\n"),
             Catch::StartsWith("sys.yaml:5:25: queues[0].visibility_timeout: 'forever' is not a duration"));
  CHECK_THAT(load(base + "buses: [{name: b}]\nrules:\n  - name: r\n    bus: b\n    pattern: {source: [x]}\n    "
                         "targets:\n      - {id: t, function: Quary}\n"),
             Catch::Contains("sys.yaml:9: rules[0].targets[0].function: unknown function 'Quary'"));
  CHECK_THAT(load(base + "queues: [{name: a}, {name: a}]\n"), Catch::Contains("duplicate name 'a'"));
  CHECK_THAT(load(base + "queues: [{name: 'bad name'}]\n"), Catch::Contains("is not a valid name"));
  CHECK_THAT(load(base + "queues: [{name: a, dead_letter: {queue: zz}}]\n"), Catch::Contains("unknown queue 'zz'"));
  CHECK_THAT(load(base + "tables: [{name: T}]\n"), Catch::Contains("tables[0].hash_key: is required"));
  CHECK_THAT(load(base + "tables: [{name: Tab, hash_key: {name: k, type: X}}]\n"),
             Catch::Contains("type must be S, N or B"));
  CHECK_THAT(load(base + "functions: [{name: f}]\n"), Catch::Contains("exactly one of builtin, runtime, exec or http"));
  CHECK_THAT(load(base + "functions: [{name: f, builtin: echo, timeout: 20m}]\n"),
             Catch::Contains("between 1s and 15m"));
  CHECK_THAT(load(base + "buses: [{name: b}]\nrules: [{name: r, bus: b, pattern: {}}]\n"),
             Catch::Contains("non-empty map"));
  CHECK_THAT(load(base + "gateway: {waf: {limit: 100, window: 3m}}\n"), Catch::Contains("1m, 2m, 5m or 10m"));
  CHECK_THAT(load(base + "gateway: {api_keys: [{name: k, value: short, plan: p}]}\n"),
             Catch::Contains("20 to 128 characters"));
  CHECK_THAT(load(base + "actions: [{name: a, table: restaurants, event_type: X}]\n"),
             Catch::Contains("need an outbox section"));
  CHECK_THAT(load("stages: []\n"), Catch::Contains("at least one stage"));
  CHECK_THAT(load(base + "queues: [{name: q}\n"), Catch::StartsWith("sys.yaml:"));
  CHECK_THAT(load("version: 2\nstages: [dev]\n"), Catch::Contains("only version 1"));
  CHECK_THAT(load(""), Catch::Contains("empty"));
  // Cycles that would deliver for ever are named.
  CHECK_THAT(load(base + "buses: [{name: a}, {name: b}, {name: c}]\nrules:\n"
                         "  - {name: r1, bus: a, pattern: {source: [x]}, targets: [{id: t, bus: b}]}\n"
                         "  - {name: r2, bus: b, pattern: {source: [x]}, targets: [{id: t, bus: c}]}\n"
                         "  - {name: r3, bus: c, pattern: {source: [x]}, targets: [{id: t, bus: a}]}\n"),
             Catch::Contains("rules[2].targets[0].bus: buses form a cycle: a → b → c → a"));
  CHECK_THAT(load(base + "queues: [{name: q1, dead_letter: {queue: q2}}, {name: q2, dead_letter: {queue: q1}}]\n"),
             Catch::Contains("queues[1].dead_letter.queue: dead-letter queues form a cycle: q1 → q2 → q1"));
  CHECK(load(base + "buses: [{name: a}, {name: b}]\nrules:\n"
                    "  - {name: r1, bus: a, pattern: {source: [x]}, targets: [{id: t, bus: b}]}\n"
                    "  - {name: r2, bus: a, pattern: {source: [y]}, targets: [{id: t, bus: b}]}\n") == "OK");
}

TEST_CASE("system: unknown built-ins are rejected with the list of known ones", "[system]") {
  auto file = std::string(EMU_SOURCE_DIR) + "/tests/core/data/unknown_builtin.yaml";
  CHECK_THROWS_WITH(emu::system::load(file), Catch::Contains("unknown built-in 'nope' (known: echo"));
  CHECK_THROWS_WITH(emu::system::load("/no/such/file.yaml"), Catch::Contains("cannot read"));
}

// Hostile input must give an error, never a stack overflow in the YAML parser.
TEST_CASE("system: deeply nested YAML is refused", "[system][safety]") {
  std::string deep = base + "rules: " + std::string(10000, '[') + std::string(10000, ']') + "\n";
  CHECK_THAT(load(deep), Catch::Contains("nesting deeper than"));
  std::string indented = base + "x:\n";
  for (int i = 1; i < 400; ++i) indented += std::string(i * 2, ' ') + "k:\n";
  CHECK_THAT(load(indented), Catch::Contains("nesting deeper than"));
}
