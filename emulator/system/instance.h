// The composition root for any system definition (BellyFed's, or a user's `--system FILE`): a
// running copy of it, with every component created for the given stages and wired together —
// queues, tables, buses and rules; bus targets to functions, queues and log groups; built-in
// functions with their permission-checked environments; outbox stores and relays; event source
// mappings; the API Gateway with its request/reply integration. `run` builds one per scenario,
// `serve` and `import --in-process` one for the process. It also owns the AWS API descriptors
// bound to its components (apis.cc), which serve's router and the scenario `aws` step share.
// Not thread-safe: callers hold the world lock.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/bus/service.h"
#include "emulator/core/api.h"
#include "emulator/core/permissions.h"
#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/durable/store.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/stream_mapping.h"
#include "emulator/edge/message.h"
#include "emulator/edge/router.h"
#include "emulator/functions/registry.h"
#include "emulator/gateway/gateway.h"
#include "emulator/outbox/outbox.h"
#include "emulator/sqs/mapping.h"
#include "emulator/sqs/service.h"

namespace emu::bellyfed {
class function_env;
}

namespace emu::system {

// The function a Lambda reference names: "Name", "Name:$LATEST",
// "arn:aws:lambda:REGION:ACCOUNT:function:Name[:qualifier]" or "ACCOUNT:function:Name" → "Name".
std::string function_name_of(std::string ref);

// Where each stage's outbox store lives: SQLite in memory (default), SQLite files in
// `data_dir` (outbox-<stage>.db), or a real PostgreSQL (`postgres_url`), one schema per stage
// (`<schema_prefix><stage>`).
struct outbox_options {
  std::string postgres_url;
  std::string schema_prefix = "bellyfed_";
  bool poll_always = false;   // serve: relays poll even when idle (another writer may add rows)
  bool drop_schemas = false;  // PostgreSQL: drop the stage schemas when the instance ends (scenarios)
};

class instance {
 public:
  // Creates every stage's buses and rules (with their targets) from `def`. Throws aws_error if
  // the definition cannot be instantiated (e.g. a pattern EventBridge rejects).
  // `data_dir` empty keeps every store in memory; otherwise DynamoDB, the outbox, SQS
  // (queues, messages, receipt state) and EventBridge (buses, rules, archives) persist there
  // and a restart finds them again.
  instance(runtime& rt, const system_def& def, const std::vector<std::string>& stages, const std::string& data_dir = "",
           const outbox_options& outbox = {});
  ~instance();

  bus::service& bus() { return bus_; }
  functions::registry& functions() { return functions_; }
  dynamo::service& dynamo() { return dynamo_; }
  sqs::service& sqs() { return sqs_; }
  gateway::service& gateway() { return *gateway_; }

  // A Server Action of `stage`: {"data": …} or {"error": "…"}. Throws aws_error
  // ResourceNotFoundException for an action the system does not define.
  json action(const std::string& stage, const std::string& name, const json& input, const std::string& trace_id = "");
  bool has_outbox(const std::string& stage) const { return outboxes_.count(stage) > 0; }
  outbox::store& outbox_store(const std::string& stage);
  std::vector<outbox::relay*> relays(const std::string& stage);
  // Faults: the next `count` actions fail between their two writes; the next `count` relay
  // batches are published and not marked processed (the relays take turns).
  void fail_next_writes(const std::string& stage, int count);
  void crash_after_publish(const std::string& stage, int count);
  // Per stage: row counts per status, the oldest pending event and each relay's counters.
  json outbox_metrics();
  const system_def& definition() const { return def_; }
  emu::runtime& runtime_of() { return rt_; }
  // Writes the SQS and EventBridge changes made since the last call (under --data-dir) in one
  // transaction. `serve` calls it at the end of every request and task, before answering;
  // throws std::runtime_error if the disk refuses.
  void commit();
  // The AWS APIs on this instance's components, one descriptor each (apis.cc).
  const std::vector<api>& apis() const { return apis_; }
  // The one named `name` ("dynamodb", "sqs", "events"), or null.
  const api* find_api(const std::string& name) const;

  // The Lambda API (REST JSON under /2015-03-31/ and /2019-09-25/), lambda_api.cc.
  edge::response lambda_rest(const edge::request& req);
  // Serves this instance's AWS APIs and its Lambda API on `router` (serve, run's callback endpoint).
  void add_apis_to(edge::router& router);
  // The same for whichever instance `current` answers at the time of each call: serve rebuilds
  // its instance on reset, and its router outlives every one of them.
  void add_apis_to(edge::router& router, std::function<instance&()> current);
  // User code waits with `driver`'s world lock released and calls back to `endpoint_url`
  // (serve's own port, or run's callback endpoint). Call before the first invocation.
  void host_user_code(realtime_driver& driver, const std::string& endpoint_url);

  std::string function_arn(const std::string& qualified_name) const;
  // The access key id a user-code function's process signs its AWS calls with.
  std::string function_access_key(const std::string& qualified_name) const;
  std::string queue_arn(const std::string& qualified_name) const;

 private:
  void create_stage(const std::string& stage);
  void add_stream_mapping(const mapping_def& m, const std::string& stage);
  json function_configuration(const std::string& name) const;  // GetFunctionConfiguration
  json event_invoke_config(const std::string& name) const;
  edge::response lambda_invoke(const std::string& name, const edge::request& req);
  // One message to the queue `arn` (a bus target, a dead-letter queue, a Lambda destination);
  // attributes are {name: "value"} or {name: {DataType, StringValue}}.
  void send_to_queue(const std::string& arn, const json& payload, const json& attributes, const std::string& trace_id);
  // A Lambda destination or dead-letter queue: a queue, a bus or a function by ARN.
  void deliver(const std::string& arn, const json& payload, const json& attributes, const std::string& trace_id);
  std::vector<api> describe_apis();  // apis.cc
  // The gateway's integration (ARCHITECTURE.md, "Synchronous request/reply"): invokes the
  // route's function; a 202 from it means "published to the bus", so the work due now runs and
  // the first function result delivered with the request's trace id is the reply.
  shared_json request_reply(const std::string& function, shared_json event, const std::string& trace_id,
                            std::uint64_t& answered_by);
  struct reply {
    shared_json result;
    std::optional<std::string> error;
    std::uint64_t seq = 0;  // the trace entry of the outcome
  };

  runtime& rt_;
  const system_def& def_;
  std::unique_ptr<durable::store> state_;  // before the services that stage changes in it
  functions::registry functions_;
  bus::service bus_;
  dynamo::service dynamo_;
  sqs::service sqs_;
  std::vector<std::unique_ptr<bellyfed::function_env>> envs_;
  std::vector<std::unique_ptr<sqs::mapping>> mappings_;
  std::vector<std::unique_ptr<dynamo::stream_mapping>> stream_mappings_;
  std::map<std::string, reply> awaiting_;  // trace id → the reply of a request in flight
  // A user-code function's access key → what it may touch (its calls back through the APIs).
  std::map<std::string, permissions> callers_;
  std::map<std::string, const function_def*> function_defs_;  // by stage-qualified name
  std::set<std::string> invoke_configs_;                      // functions with an EventInvokeConfig (definition or API)
  struct stage_outbox {
    std::unique_ptr<outbox::store> store;
    std::vector<std::unique_ptr<outbox::relay>> relays;
    int fail_writes = 0;
  };
  std::map<std::string, stage_outbox> outboxes_;
  std::string data_dir_;
  outbox_options outbox_options_;
  std::unique_ptr<gateway::service> gateway_;
  std::vector<api> apis_;
};

}  // namespace emu::system
