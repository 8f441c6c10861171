// serve's system, drivable: the instance `serve` answers with (rebuilt by a reset), and the
// admin endpoints that move its clock, reset it, load fixtures, inject faults, run scenario
// steps and checks on it — what `run --target` and a developer's scripts drive it with
// (docs/ADMIN.md lists them all):
//   POST /_emu/clock     {"advance": "30s"} | {"set": ISO} | {"mode": "virtual"|"real"}
//   POST /_emu/reset     {"seed": N, "clock": ISO, "mode": …, "stage": S} (all optional)
//   POST /_emu/fixtures  a fixture document (tables:, rows:), YAML or JSON
//   POST /_emu/faults    a scenario `fault:` shape
//   POST /_emu/steps     {"kind": K, "params": …}: one scenario step, its result answered
//   POST /_emu/checks    {"expect": {…}, "vars": {…}}: a standalone expect, its differences
//   POST /_emu/ids       {"uuid": the next seeded id}
// Everything runs under the world lock, as requests do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/edge/router.h"
#include "emulator/scenario/model.h"
#include "emulator/scenario/runner.h"
#include "emulator/scenario/steps.h"
#include "emulator/system/instance.h"

namespace emu::app {

struct served_options {
  std::vector<std::string> stages;
  std::string data_dir;  // non-empty: stores persist, and reset is refused (it would erase them)
  system::outbox_options outbox;
  std::size_t sqs_max_message_bytes = 262144;
  std::uint64_t seed = 0;
};

class served_system {
 public:
  // Builds the instance; throws what system::instance throws.
  served_system(runtime& rt, const system_def& def, served_options opts);
  ~served_system();

  system::instance& get() { return *instance_; }
  // User code waits with `driver`'s lock released and calls back to `endpoint_url`; kept for
  // the instances a reset builds.
  void host_user_code(realtime_driver& driver, const std::string& endpoint_url);
  // Fixtures written now and again after every reset (serve --fixtures). Throws
  // std::runtime_error naming the item a table refuses.
  void add_start_fixtures(std::vector<scenario::fixture_items> fixtures, const std::string& stage);
  // serve --init: the scenario's fixtures and steps, run once on the served system.
  scenario::scenario_outcome run_init(const scenario::scenario& s);

  void add_routes(edge::router& router);

 private:
  json reset(const json& body);
  json move_clock(const json& body);
  std::string stage_of(const edge::request& req) const;
  std::unique_ptr<scenario::world> view(const std::string& stage, const std::string& file = "");
  void build();

  runtime& rt_;
  const system_def& def_;
  served_options opts_;
  std::unique_ptr<system::instance> instance_;
  realtime_driver* driver_ = nullptr;
  std::string endpoint_url_;
  std::vector<std::pair<std::string, std::vector<scenario::fixture_items>>> start_fixtures_;  // by stage
  std::uint64_t trace_start_ = 0;  // trace entries after this seq belong to the current world
  std::string default_stage_;
  scenario::registry reg_;
};

}  // namespace emu::app
