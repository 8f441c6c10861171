#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "emulator/core/yaml_json.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/runner.h"
#include "emulator/system/definition.h"

namespace {

// ctest runs test cases as parallel processes: each process writes into its own folder.
std::string write_temp(const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("emu_loader_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "s.yaml";
  std::ofstream(path) << text;
  return path.string();
}

const emu::system_def& sys() {
  static const emu::system_def def = emu::system::load("");
  return def;
}

// Returns the error text after "s.yaml:", or "OK".
std::string load(const std::string& text) {
  emu::scenario::registry reg;
  try {
    emu::scenario::load_scenario(write_temp(text), reg, sys());
    return "OK";
  } catch (const emu::load_error& e) {
    std::string m = e.what();
    return m.substr(m.find("s.yaml:") + 7);
  }
}

}  // namespace

TEST_CASE("loader: a valid scenario loads with its steps", "[scenario][loader]") {
  CHECK(load("scenario: x\nsteps:\n  - advance: 1s\n  - settle: {}\n  - settle: {max: 1m}\n"
             "  - invoke: {function: echo, event: {a: 1}}\n    capture: {a: $.a}\n"
             "  - invoke: {function: echo, event: {b: '${a}'}}\n  - expect: {trace: [], within: 5s}\n") == "OK");
}

// Errors name line:column, the key path and what would be right.
TEST_CASE("loader: errors name file, line, column and key", "[scenario][loader]") {
  CHECK(load("steps: [{advance: 1s}]\n") == "1:1: scenario: is required: the scenario's name");
  CHECK(load("scenario: x\n") == "1:1: steps: is required: a list of at least one step");
  CHECK(load("scenario: x\nsteps: [{advance: 1s}]\nextra: 1\n") ==
        "3:1: extra: unknown key (expected one of: scenario, description, tags, stage, clock, seed, fixtures, vars, "
        "steps)");
  CHECK(load("scenario: x\nsteps:\n  - advance: 1 hour\n") ==
        "3:14: steps[0].advance: '1 hour' is not a duration (use 250ms, 30s, 5m or 1h)");
  CHECK(load("scenario: x\nsteps:\n  - advance: 1s\n    settle: {}\n") ==
        "3:5: steps[0]: a step has exactly one kind key, found: advance, settle");
  CHECK_THAT(load("scenario: x\nsteps:\n  - teleport: {}\n"),
             Catch::Contains("unknown step kind 'teleport' (known: action, advance, aws, events.put, fault, http, "
                             "import, invoke, settle, sqs.send, expect)"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - action: {input: {}}\n"),
             Catch::Contains("steps[0].action.name: is required"));
  CHECK(load("scenario: x\nsteps:\n  - http: {path: /r, json: {}, form: {}}\n") ==
        "3:11: steps[0].http: give at most one of body, json and form");
  CHECK(load("scenario: x\nsteps:\n  - http: {path: /r, repeat: 0}\n") ==
        "3:30: steps[0].http.repeat: must be a whole number from 1 to 10000");
  CHECK_THAT(load("scenario: x\nsteps:\n  - sqs.send: {queue: q}\n"),
             Catch::Contains("steps[0].sqs.send.body: is required"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - expect: {item: {table: T}}\n"),
             Catch::Contains("steps[0].expect.item.key: is required"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - expect: {rows: {table: t}}\n"),
             Catch::Contains("steps[0].expect.rows.table: must be restaurants, reviews or import_jobs"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - aws: {service: dynamodb, action: PutThing}\n"),
             Catch::Contains("unknown dynamodb action 'PutThing' (known: BatchGetItem"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - expect: {bogus: 1}\n"),
             Catch::Contains("unknown expectation 'bogus' (known: events, invocations, item, logs, metrics, outbox, "
                             "query, queue, rows, stream, trace)"));
  CHECK_THAT(load("scenario: x\nstage: moon\nsteps: [{advance: 1s}]\n"),
             Catch::Contains("unknown stage 'moon' (the system defines: dev, qa, staging, prod)"));
  CHECK_THAT(load("scenario: x\nclock: noon\nsteps: [{advance: 1s}]\n"),
             Catch::Contains("2:8: clock: must be an ISO 8601 time"));
  CHECK_THAT(load("scenario: x\nseed: -1\nsteps: [{advance: 1s}]\n"), Catch::Contains("seed: must be a whole number"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - invoke: {event: {}}\n"),
             Catch::Contains("steps[0].invoke.function: is required"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - invoke: {function: echo, evnt: {}}\n"),
             Catch::Contains("evnt: unknown key"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - invoke: {function: '${later}'}\n    capture: {later: $.x}\n"),
             Catch::Contains("${later} is not defined here"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - invoke: {function: echo}\n    capture: {x: items}\n"),
             Catch::Contains("invalid JSONPath"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - invoke: {function: echo}\n    capture: {now: $.x}\n"),
             Catch::Contains("capture names"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - fault: {function: echo, fail: 0}\n"),
             Catch::Contains("whole number from 1"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - fault: {outbox: explode}\n"),
             Catch::Contains("steps[0].fault.outbox: must be crash-after-publish"));
  CHECK_THAT(load("scenario: x\nfixtures: [a.yaml]\nsteps: [{advance: 1s}]\n"),
             Catch::Contains("fixture file 'a.yaml' not found"));
  CHECK_THAT(load("scenario: x\nsteps:\n  - expect: {trace: [], within: soon}\n"),
             Catch::Contains("within: must be a duration"));
  CHECK_THAT(load("scenario: [unclosed\n"), Catch::Contains("end of sequence flow not found"));
}

// The determinism promise: the same scenario run twice gives identical outcomes and traces.
TEST_CASE("runner: a scenario run twice gives identical traces", "[scenario][runner]") {
  emu::scenario::registry reg;
  auto path = write_temp(
      "scenario: twice\nseed: 3\nsteps:\n  - invoke: {function: echo, event: {id: '${uuid}', at: '${now}'}}\n"
      "  - advance: 5s\n  - invoke: {function: echo, event: {id: '${uuid}'}}\n");
  auto s = emu::scenario::load_scenario(path, reg, sys());
  auto a = emu::scenario::run_scenario(s, sys(), reg);
  auto b = emu::scenario::run_scenario(s, sys(), reg);
  CHECK(a.result == emu::scenario::status::passed);
  CHECK(a.trace.dump() == b.trace.dump());
  CHECK(a.trace.size() == 4);
  auto norm = emu::scenario::normalise_trace(a.trace);
  CHECK(norm[0]["data"]["event"]["id"] == "<id:2>");  // <id:1> is the invocation's request id
  CHECK(norm[0]["at"] == "<time:1>");
}

// `check` fixes everything in one round: every problem of a file is reported, not the first.
TEST_CASE("loader: every problem of a file is reported at once", "[scenario][loader]") {
  std::string m = load(
      "scenario: several\nbogus: 1\nseed: -1\nsteps:\n  - advance: forever\n  - invoke: {function: echo, nope: 1}\n"
      "  - invoke: {function: echo}\n    capture: {got: $.id}\n  - invoke: {function: '${got}', event: 3}\n");
  CHECK_THAT(m, Catch::Contains("bogus: unknown key"));
  CHECK_THAT(m, Catch::Contains("seed: must be a whole number"));
  CHECK_THAT(m, Catch::Contains("steps[0].advance: 'forever' is not a duration"));
  CHECK_THAT(m, Catch::Contains("steps[1].invoke.nope: unknown key"));
  CHECK_THAT(m, !Catch::Contains("${got}"));  // an earlier capture stays known
}

// A shipped scenario names `fixtures/…` from the project's root; it is found from any folder.
TEST_CASE("loader: fixture paths resolve against the scenario's project root", "[scenario][loader]") {
  namespace fs = std::filesystem;
  auto root = fs::temp_directory_path() / ("emu_loader_root_" + std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "scenarios" / "deep");
  fs::create_directories(root / "fixtures");
  std::ofstream(root / "fixtures" / "one.yaml") << "tables:\n  FoodEstablishment:\n    - {PK: 'EST#1', SK: 'META#1'}\n";
  std::ofstream(root / "scenarios" / "deep" / "s.yaml")
      << "scenario: x\nfixtures: [fixtures/one.yaml]\nsteps:\n  - expect: {item: {table: FoodEstablishment, key: "
         "{PK: 'EST#1', SK: 'META#1'}}}\n";
  std::ofstream(root / "elsewhere.yaml") << "scenario: y\nfixtures: [fixtures/one.yaml]\nsteps:\n  - settle: {}\n";
  emu::scenario::registry reg;
  auto s = emu::scenario::load_scenario((root / "scenarios" / "deep" / "s.yaml").string(), reg, sys());
  REQUIRE(s.fixtures.size() == 1);
  CHECK(emu::scenario::run_scenario(s, sys(), reg).result == emu::scenario::status::passed);
  // Beside a scenario outside any project only its own folder counts.
  CHECK(emu::scenario::locate_beside((root / "scenarios" / "deep" / "s.yaml").string(), "fixtures/one.yaml") != "");
  fs::remove_all(root);
}

// Templates in outbox/rows `where:` are resolved like everywhere else, and a failure prints the
// resolved query.
TEST_CASE("runner: templates in where: of outbox and rows checks", "[scenario][runner]") {
  emu::scenario::registry reg;
  auto pass = write_temp(
      "scenario: where\nvars: {rid: r-77}\nsteps:\n"
      "  - action: {name: createRestaurant, input: {id: '${rid}', name: Pho, address: 1 Main St, city: Seattle, "
      "cuisineType: Vietnamese}}\n"
      "  - expect: {rows: {table: restaurants, where: {id: '${rid}'}, count: 1}}\n"
      "  - expect: {outbox: {where: {aggregate_id: '${rid}'}, count: 1}}\n");
  auto s = emu::scenario::load_scenario(pass, reg, sys());
  auto o = emu::scenario::run_scenario(s, sys(), reg);
  INFO((o.steps.back().details.empty() ? std::string() : o.steps.back().details.front()));
  CHECK(o.result == emu::scenario::status::passed);
  auto fail = write_temp(
      "scenario: where\nvars: {rid: r-77}\nsteps:\n"
      "  - expect: {rows: {table: restaurants, where: {id: '${rid}'}, count: 1}}\n");
  auto f = emu::scenario::run_scenario(emu::scenario::load_scenario(fail, reg, sys()), sys(), reg);
  REQUIRE(f.result == emu::scenario::status::failed);
  CHECK_THAT(f.steps.back().details.back(), Catch::Contains("restaurants where {\"id\":\"r-77\"}"));
}
