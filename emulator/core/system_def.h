// The system definition: the emulated system as data (ARCHITECTURE.md, "The system definition").
//
// `load_system_def` parses YAML into these structs and validates them: types, ranges, unknown
// keys, duplicate names and cross-references (a rule's bus, a target's function, a mapping's
// queue, …). Every error is a load_error naming file, line, column and the offending key path,
// e.g. `system.yaml:41:9: rules[2].targets[0].function: unknown function 'Quary'`.
// Resource names here are stage-less (`FoodEstablishment`); `resource_name` adds the stage.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"

namespace emu {

struct key_attr {
  std::string name;
  std::string type = "S";  // S, N or B
};

struct index_def {
  std::string name;
  bool global = true;  // GSI; false for an LSI
  key_attr hash;
  std::optional<key_attr> range;
  std::string projection = "ALL";  // ALL, KEYS_ONLY, INCLUDE
  std::vector<std::string> non_key_attributes;
  int line = 0;
};

struct table_def {
  std::string name;
  key_attr hash;
  std::optional<key_attr> range;
  std::vector<index_def> indexes;
  std::optional<std::string> ttl_attribute;
  std::optional<std::string>
      stream;  // DynamoDB Streams' view type: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES
  int line = 0;
};

struct queue_def {
  std::string name;
  bool fifo = false;
  bool content_based_deduplication = false;
  duration visibility_timeout = std::chrono::seconds(30);
  duration delay = duration(0);
  duration retention = std::chrono::hours(96);
  duration receive_wait = duration(0);
  int max_message_size = 262'144;
  std::optional<std::string> dlq;
  int max_receive_count = 0;
  int line = 0;
};

struct bus_def {
  std::string name;
  int line = 0;
};

struct retry_policy_def {
  int maximum_retry_attempts = 185;
  duration maximum_event_age = std::chrono::hours(24);
};

struct target_def {
  std::string id;
  std::string kind;  // function, queue, bus or log
  std::string ref;   // the function, queue or bus name; the log group for `log`
  std::optional<json> input;
  std::optional<std::string> input_path;
  std::optional<json> input_transformer;  // {InputPathsMap, InputTemplate}
  retry_policy_def retry;
  std::optional<std::string> dlq;  // a queue name
  int line = 0;
};

struct rule_def {
  std::string name;
  std::string bus;
  std::string description;
  json pattern;
  bool enabled = true;
  std::vector<target_def> targets;
  int line = 0;
};

struct function_def {
  std::string name;
  std::string title;              // how diagrams name it ("DynamoDB Import"); empty: its name in words
  std::string builtin;            // exactly one of builtin, runtime, exec, http
  std::string runtime;            // nodejs or python: the shipped bootstraps run `handler` from `code`
  std::string handler;            // FILE.EXPORT (nodejs) or MODULE.FUNCTION (python)
  std::string code;               // the code's directory, absolute (written relative to the definition)
  std::vector<std::string> exec;  // argv; a relative command path is taken from the definition's directory
  std::string base_dir;           // the definition's directory: where `exec` runs
  std::string http;
  int reserved_concurrency = 10;  // execution environments at once; past it, invocations are throttled
  // Lambda's asynchronous invocation (EventBridge targets): retries of a function error, the
  // age past which an event is dropped, and where records and dropped events go.
  struct destination {
    std::string kind, ref;  // queue, bus or function; a name of this file
  };
  int async_max_retries = 2;                             // 0–2
  duration async_max_event_age = std::chrono::hours(6);  // 60 s – 6 h
  std::optional<destination> on_success, on_failure;
  std::optional<std::string> dead_letter_queue;  // a queue name
  duration timeout = std::chrono::seconds(3);
  int memory_mb = 128;
  std::vector<std::string> tables, queues, buses;  // what the function may touch
  bool outbox = false;                             // may write the outbox store
  json environment = json::object();
  int line = 0;
};

// An event source mapping: a queue's messages or a table's stream records to a function.
struct mapping_def {
  std::string queue;  // exactly one of queue and table
  std::string table;
  std::string function;
  int batch_size = 10;  // 100 for a stream
  duration batching_window = duration(0);
  bool report_batch_item_failures = false;
  bool enabled = true;
  // A stream's only (Lambda's DynamoDB poller):
  std::string starting_position;           // TRIM_HORIZON or LATEST
  std::optional<json> filter;              // an event pattern over each record
  bool bisect_on_error = false;            // split a failing batch in two before retrying
  int max_retries = -1;                    // -1: until the records expire
  std::optional<duration> max_record_age;  // none: until the records expire (24 h)
  std::optional<std::string> on_failure;   // a queue for the failed batches' descriptions
  int line = 0;
};

struct route_def {
  std::string method;
  std::string path;  // stage-relative, with {param} segments
  std::string function;
  std::string event_type;
  bool api_key_required = true;
  int line = 0;
};

struct api_key_def {
  std::string name;
  std::string value;
  std::string plan;
  bool enabled = true;
  int line = 0;
};

struct usage_plan_def {
  std::string name;
  std::vector<std::string> stages;  // empty: every stage
  double rate = 10'000;             // requests per second
  int burst = 5'000;
  std::optional<int> quota_limit;
  std::string quota_period = "DAY";  // DAY, WEEK, MONTH
  int line = 0;
  bool covers(const std::string& stage) const {
    return stages.empty() || std::find(stages.begin(), stages.end(), stage) != stages.end();
  }
};

struct gateway_def {
  bool defined = false;
  std::vector<route_def> routes;
  std::vector<api_key_def> api_keys;
  std::vector<usage_plan_def> usage_plans;
  std::vector<std::string> cors_origins;
  std::vector<std::string> cors_headers;
  // The account's regional throttle, before any plan's: AWS's default quota, which AWS raises
  // on request (and a load test through the gateway needs raised).
  double account_rate = 10'000;  // requests per second
  int account_burst = 5'000;
  std::optional<int> waf_limit;  // requests per client IP per window
  duration waf_window = std::chrono::minutes(5);
  int max_body_bytes = 10 * 1024 * 1024;
  // The first enabled key whose usage plan covers `stage` (a scenario's ${api_key}); "" if none.
  std::string key_for(const std::string& stage) const {
    for (const auto& k : api_keys)
      for (const auto& u : usage_plans)
        if (k.enabled && u.name == k.plan && u.covers(stage)) return k.value;
    return "";
  }
};

struct outbox_def {
  bool defined = false;
  std::string bus;
  duration poll_interval = std::chrono::seconds(1);
  int batch_size = 100;
  duration lease = std::chrono::seconds(30);
  int max_attempts = 10;
  duration backoff_base = std::chrono::seconds(1);
  duration backoff_max = std::chrono::minutes(5);
  duration retention = std::chrono::hours(24 * 7);
  int relays = 1;  // Outbox Processors polling at once (per-aggregate order holds across them)
};

struct action_def {
  std::string name;
  std::string table;  // restaurants, reviews or import_jobs
  std::string event_type;
  std::string aggregate_type;
  bool update = false;  // `mode: update` (default for names starting with "update"): changes an existing row
  int line = 0;
};

struct system_def {
  std::string file;
  std::string name;
  std::string account = "000000000000";
  std::string region = "us-east-1";
  std::vector<std::string> stages;
  std::vector<table_def> tables;
  std::vector<queue_def> queues;
  std::vector<bus_def> buses;
  std::vector<rule_def> rules;
  std::vector<function_def> functions;
  std::vector<mapping_def> mappings;
  gateway_def gateway;
  outbox_def outbox;
  std::vector<action_def> actions;
  // Who diagrams show calling from outside (`diagram:`): the API's clients, the queues'
  // senders, the Server Actions' callers.
  std::string gateway_client = "Client", queue_client = "Client", action_client = "Client";

  const function_def* find_function(const std::string& name) const;
};

// Parses and validates; throws load_error. `file` is only used in messages.
system_def load_system_def(const std::string& yaml_text, const std::string& file);

// The stage-qualified name of a resource: `FoodEstablishment` in `dev` → `FoodEstablishment-dev`.
std::string resource_name(const std::string& name, const std::string& stage);

}  // namespace emu
