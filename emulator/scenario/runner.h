// Runs one loaded scenario in its own isolated world and reports what happened, step by step.
#pragma once

#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/core/system_def.h"
#include "emulator/scenario/model.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {

enum class status { passed, failed, error };  // error: a runtime failure (exit 3)

struct step_outcome {
  int index = 0;
  int line = 0;
  std::string name;
  std::string kind;
  status result = status::passed;
  std::vector<std::string> details;  // one line per difference or error
  bool ran = false;
};

struct scenario_outcome {
  std::string file;
  std::string name;
  std::vector<std::string> tags;
  status result = status::passed;
  std::vector<step_outcome> steps;
  std::string virtual_elapsed;  // e.g. "30s"
  json trace = json::array();   // the scenario's trace entries
};

// Where a scenario's steps and checks run: a world in this process, or a running serve
// (`run --target`, target.cc).
class executor {
 public:
  virtual ~executor() = default;
  // Runs a step (its parameters expanded). aws_error means the step's result is that error.
  virtual json run_step(const step& st, const json& params) = 0;
  // One standalone check with its `within` and `absent`; `vars` are the scenario's names so far.
  virtual std::vector<mismatch> run_check(const check& c, const match_env& env, const json& vars) = 0;
  // The built-in template values that live in the system: "now" and "uuid".
  virtual json builtin(const std::string& name) = 0;
  virtual json trace() = 0;  // the scenario's trace entries
  virtual instant now() = 0;
  virtual bool remote() const { return false; }  // checks run elsewhere and need the names resolved
};

// Runs the steps in `w` itself: a scenario's own world, or serve's (--init, the admin API).
class world_executor final : public executor {
 public:
  world_executor(world& w, const registry& reg) : w_(w), reg_(reg) {}
  json run_step(const step& st, const json& params) override;
  std::vector<mismatch> run_check(const check& c, const match_env& env, const json& vars) override;
  json builtin(const std::string& name) override;
  json trace() override;
  instant now() override { return w_.rt->clock().now(); }

 private:
  world& w_;
  const registry& reg_;
};

// A check with `within` (eventually) and `absent`, in `w`'s virtual time.
std::vector<mismatch> run_check(world& w, const check& c, const match_env& env);

// Writes fixture items into `w`'s tables and outbox store. Throws std::runtime_error naming the
// fixture file, line and item that was refused.
void load_fixtures(world& w, const std::vector<fixture_items>& fixtures);

// Runs the steps of `s` on `ex`, into `out` (the steps' outcomes and the result).
void run_steps(const scenario& s, const system_def& sys, const registry& reg, executor& ex, scenario_outcome& out);

// `postgres` non-empty: the outbox store is that PostgreSQL (a schema per scenario, dropped after).
scenario_outcome run_scenario(const scenario& s, const system_def& sys, const registry& reg,
                              const std::string& postgres = "");

// The trace with generated ids and times replaced by <id:N> and <time:N> in order of first
// appearance, so an unchanged flow always gives the same golden file.
json normalise_trace(const json& trace);

}  // namespace emu::scenario
