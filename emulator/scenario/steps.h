// The step registry: the step kinds and `expect:` kinds a scenario may use, each with a
// load-time validator and a runner. Components add theirs; this file also defines the world a
// scenario runs in and registers the runner's own kinds (advance, settle, invoke, fault,
// expect/trace).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/scenario/matcher.h"
#include "emulator/system/instance.h"

namespace emu::scenario {

// Everything one scenario runs against: its own runtime and components, isolated from others
// (run), or a running serve's (its admin API and `serve --init`).
struct world {
  // `postgres` non-empty: the outbox store is that PostgreSQL, in a schema of this scenario's own.
  world(const system_def& def, std::string stage_name, instant start, std::uint64_t seed,
        const std::string& postgres = "", const std::string& file = "");
  // A view of a system someone else owns (serve's): nothing is created or hosted.
  world(runtime& borrowed_rt, const system_def& def, std::string stage_name, emu::system::instance& borrowed,
        std::uint64_t trace_start_seq, const std::string& file = "");
  ~world();
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  runtime* rt;
  const system_def& sys;
  std::string stage;
  std::string file;               // the scenario file: the files it names are found beside it (locate_beside)
  emu::system::instance* system;  // the scenario's stage of the system
  functions::registry& fns() { return system->functions(); }
  bus::service& bus() { return system->bus(); }
  // A stage-less resource name from a scenario, qualified with the scenario's stage.
  std::string qualified(const std::string& name) const { return name == "default" ? name : resource_name(name, stage); }
  std::uint64_t trace_start = 0;  // trace entries after this seq belong to the scenario

 private:
  std::unique_ptr<runtime> own_rt_;
  std::unique_ptr<emu::system::instance> own_system_;
  // With user code in the system: the AWS APIs on a loopback port for the code's own calls,
  // served only while the code runs (the scenario holds the world lock otherwise).
  struct callback_endpoint;
  std::unique_ptr<callback_endpoint> callback_;
};

struct step_kind {
  std::string name;
  std::string summary;
  // Load-time check of the step's parameters (as written); throws load_error.
  std::function<void(const YAML::Node& params, const std::string& file, const std::string& path)> validate;
  // Runs the step with parameters as JSON, templates expanded. Returns the step's result.
  // An aws_error becomes the result {"error": {"type", "message"}}; any other exception is a
  // runtime error of the scenario (exit 3).
  std::function<json(world& w, const json& params)> run;
};

struct expect_kind {
  std::string name;
  std::string summary;
  // Compiles the spec (with `within` and `absent` already removed); throws load_error.
  std::function<std::shared_ptr<const void>(const YAML::Node& spec, const std::string& file, const std::string& path)>
      compile;
  // The differences between what the world holds and the spec; empty when it holds.
  std::function<std::vector<mismatch>(world& w, const void* compiled, const match_env& env)> check;
};

// Load-time check that a step's map has only `allowed` keys and all `required` ones; throws
// load_error naming the key and listing the allowed ones.
void require_keys(const YAML::Node& n, const std::string& file, const std::string& path,
                  std::initializer_list<const char*> allowed, std::initializer_list<const char*> required);

// The `aws` step's parameters with the system's stage-less resource names qualified (tables,
// buses, queues; a bare queue name in QueueUrl becomes `queue_url(name)`).
json qualify_aws_params(const system_def& sys, const std::string& stage, const std::string& service, json params,
                        const std::function<std::string(const std::string&)>& queue_url);
// The `http` step's request to the stage's gateway, and its result from the answer (`statuses`
// non-null with repeat:) — shared by the step and run --target.
gateway::http_request gateway_request(const json& params, const std::string& stage);
json gateway_result(const gateway::http_response& res, const json* statuses);

class registry;
// Registers events.put, fault targets, expect events/invocations and !pattern (bus_steps.cc).
void add_bus_steps(registry& reg);
// Registers the `aws` step (every emulated service) and expect item/query (aws_steps.cc).
void add_aws_steps(registry& reg);
// Registers sqs.send, import and expect queue (sqs_steps.cc).
void add_sqs_steps(registry& reg);
// Registers http (http_steps.cc).
void add_gateway_steps(registry& reg);
// Registers action, expect outbox and expect rows (outbox_steps.cc).
void add_outbox_steps(registry& reg);

class registry {
 public:
  // A registry with the runner's own step and expect kinds.
  registry();
  void add_step(step_kind k) { steps_[k.name] = std::move(k); }
  void add_expect(expect_kind k) { expects_[k.name] = std::move(k); }
  void set_pattern(pattern_fn fn) { pattern_ = std::move(fn); }

  const step_kind* step(const std::string& name) const;
  const expect_kind* expectation(const std::string& name) const;
  std::vector<std::string> step_names() const;
  std::vector<std::string> expect_names() const;
  const pattern_fn& pattern() const { return pattern_; }

 private:
  std::map<std::string, step_kind> steps_;
  std::map<std::string, expect_kind> expects_;
  pattern_fn pattern_;
};

}  // namespace emu::scenario
