#include "emulator/system/instance.h"

#include <map>

#include "emulator/bellyfed/business.h"
#include "emulator/bellyfed/handlers.h"
#include "emulator/bus/pattern.h"
#include "emulator/core/digest.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"

namespace emu::system {
std::string function_name_of(std::string ref) {
  if (auto pos = ref.find("function:"); pos != std::string::npos) ref = ref.substr(pos + 9);
  return ref.substr(0, ref.find(':'));
}

void instance::add_apis_to(edge::router& router) {
  for (const auto& a : apis_) router.add_api(a);
  for (const char* prefix : {"/2015-03-31/", "/2019-09-25/"})
    router.add_rest(prefix, [this](const edge::request& req) { return lambda_rest(req); });
}

void instance::add_apis_to(edge::router& router, std::function<instance&()> current) {
  for (const auto& a : apis_) {
    api f = a;  // the names, prefixes and error dialect; every call goes to the current one's
    auto live = [current, name = a.name]() -> const api& { return *current().find_api(name); };
    for (auto& [op, fn] : f.operations)
      fn = [live, op = op](json in, const api_call& c) { return live().operations.at(op)(std::move(in), c); };
    for (auto& [op, fn] : f.text_operations)
      fn = [live, op = op](json in, const api_call& c) { return live().text_operations.at(op)(std::move(in), c); };
    if (f.query) {
      f.query->decode = [live](const form_params& p, const std::string& path, const api_call& c) {
        return live().query->decode(p, path, c);
      };
      f.query->encode = [live](const std::string& action, const json& out) {
        return live().query->encode(action, out);
      };
    }
    if (f.authorize)
      f.authorize = [live](const std::string& op, const json& in, const api_call& c) { live().authorize(op, in, c); };
    router.add_api(std::move(f));
  }
  for (const char* prefix : {"/2015-03-31/", "/2019-09-25/"})
    router.add_rest(prefix, [current](const edge::request& req) { return current().lambda_rest(req); });
}

void instance::host_user_code(realtime_driver& driver, const std::string& endpoint_url) {
  functions_.set_unlocker([&driver](const std::function<void()>& f) { driver.outside(f); });
  functions_.set_host("/proc/self/exe", endpoint_url);
}

instance::instance(runtime& rt, const system_def& def, const std::vector<std::string>& stages,
                   const std::string& data_dir, const outbox_options& outbox)
    : rt_(rt),
      def_(def),
      functions_(rt),
      bus_(rt, def.account, def.region),
      dynamo_(rt, def.account, def.region, data_dir),
      sqs_(rt, def.account, def.region),
      data_dir_(data_dir),
      outbox_options_(outbox) {
  // Bus targets that are functions are invoked through the function runtime; a function that
  // does not exist is NO_RESOURCE (straight to the dead-letter queue, as in AWS).
  // EventBridge invokes functions asynchronously: once Lambda has queued the event, delivery has
  // succeeded; the function's errors are Lambda's to retry (registry::invoke_async). Only a
  // function that does not exist fails the delivery (NO_RESOURCE, the rule's dead-letter queue).
  functions_.set_arn_prefix("arn:aws:lambda:" + def.region + ":" + def.account + ":function:");
  bus_.set_delivery(
      "lambda", [this](const std::string& arn, const shared_json& payload, const json&, const std::string& trace_id) {
        functions_.invoke_async(function_name_of(arn), payload, trace_id);
      });
  // The first outcome of an invocation carrying a waiting request's trace id is its reply.
  functions_.set_async_observer(
      [this](const std::string&, const std::string& trace_id, const shared_json& result, const std::string* error) {
        auto it = trace_id.empty() ? awaiting_.end() : awaiting_.find(trace_id);
        if (it == awaiting_.end() || it->second.result || it->second.error) return;
        it->second.seq = rt_.trace().last_seq();  // told right after the outcome's entry, under the world lock
        if (result)
          it->second.result = result;
        else
          it->second.error = *error;
      });
  functions_.set_async_sender([this](const std::string& arn, const json& payload, const json& attributes,
                                     const std::string& trace_id) { deliver(arn, payload, attributes, trace_id); });
  bus_.set_delivery(
      "logs", [this](const std::string& arn, const shared_json& payload, const json&, const std::string& trace_id) {
        std::string group = arn.substr(arn.find(":log-group:") == std::string::npos ? 0 : arn.find(":log-group:") + 11);
        std::string data;
        object_text(data).string("log_group", group).close();
        rt_.trace().record_with("log", "logs", data, "message", payload, trace_id);
        rt_.log().log(log_level::info, "logs", "event", {{"log_group", group}, {"event", *payload}}, trace_id);
      });
  // Queue targets and dead-letter queues: the event (or the dead-letter copy with its
  // RULE_ARN, ERROR_CODE, … attributes) becomes one SQS message.
  bus_.set_delivery("sqs", [this](const std::string& arn, const shared_json& payload, const json& attributes,
                                  const std::string& trace_id) { send_to_queue(arn, *payload, attributes, trace_id); });
  for (const auto& s : stages) create_stage(s);
  if (!data_dir.empty()) {
    state_ = std::make_unique<durable::store>(data_dir + "/state.db");
    sqs_.persist(*state_);
    bus_.persist(*state_);
    state_->commit();
  }
  gateway_ = std::make_unique<gateway::service>(
      rt_, def_, stages,
      [this](const std::string& fn, shared_json event, const std::string& trace_id, std::uint64_t& answered_by) {
        return request_reply(fn, std::move(event), trace_id, answered_by);
      });
  apis_ = describe_apis();
}

void instance::send_to_queue(const std::string& arn, const json& payload, const json& attributes,
                             const std::string& trace_id) {
  std::string name = arn.substr(arn.find_last_of(':') + 1);
  sqs::queue* q = sqs_.find(name);
  if (!q) throw bus::delivery_error("SQS.NonExistentQueue", "queue " + name + " does not exist", false);
  sqs::message_attributes attrs;
  if (attributes.is_object())
    for (const auto& [k, v] : attributes.items()) {
      if (v.is_object())
        attrs[k] = {v.value("DataType", "String"), v.value("StringValue", ""), ""};
      else
        attrs[k] = {"String", v.is_string() ? v.get<std::string>() : v.dump(), ""};
    }
  std::string body = payload.is_string() ? payload.get<std::string>() : payload.dump();
  std::string group = q->fifo ? "eventbridge" : "";
  std::string dedup = q->fifo ? rt_.ids().uuid() : "";
  sqs_.send(name, body, attrs, std::nullopt, group, dedup, trace_id.empty() ? "" : "Root=" + trace_id);
}

void instance::deliver(const std::string& arn, const json& payload, const json& attributes,
                       const std::string& trace_id) {
  if (arn.starts_with("arn:aws:sqs:")) return send_to_queue(arn, payload, attributes, trace_id);
  if (arn.starts_with("arn:aws:lambda:")) {
    functions_.invoke_async(function_name_of(arn), payload, trace_id);
    return;
  }
  // An EventBridge bus: Lambda's destination events.
  bool success = payload.is_object() && payload.contains("requestContext") &&
                 payload["requestContext"].value("condition", "") == "Success";
  json entry = {{"Source", "lambda"},
                {"DetailType", success ? "Lambda Function Invocation Result - Success"
                                       : "Lambda Function Invocation Result - Failure"},
                {"Detail", payload.dump()}};
  if (payload.is_object() && payload.contains("requestContext"))
    entry["Resources"] = json::array({payload["requestContext"].value("functionArn", "")});
  json out = bus_.put_one(arn.substr(arn.find(":event-bus/") == std::string::npos ? 0 : arn.find(":event-bus/") + 11),
                          entry, trace_id);
  if (out.contains("ErrorCode"))
    throw std::runtime_error("the destination bus refused the record: " + out.value("ErrorMessage", ""));
}

json instance::action(const std::string& stage, const std::string& name, const json& input,
                      const std::string& trace_id) {
  const action_def* a = nullptr;
  for (const auto& x : def_.actions)
    if (x.name == name) a = &x;
  if (!a || !outboxes_.count(stage))
    throw aws_error::resource_not_found("Server action " + name + " is not defined for stage " + stage);
  auto& o = outboxes_.at(stage);
  bool fail = o.fail_writes > 0;
  if (fail) --o.fail_writes;
  json result = bellyfed::run_action(*o.store, rt_, *a, input, trace_id, fail);
  if (result.contains("data"))
    for (auto& r : o.relays) r->wake();
  return result;
}

void instance::commit() {
  if (state_) state_->commit();
}

outbox::store& instance::outbox_store(const std::string& stage) {
  auto it = outboxes_.find(stage);
  if (it == outboxes_.end()) throw aws_error::resource_not_found("Stage " + stage + " has no outbox");
  return *it->second.store;
}

std::vector<outbox::relay*> instance::relays(const std::string& stage) {
  std::vector<outbox::relay*> out;
  if (auto it = outboxes_.find(stage); it != outboxes_.end())
    for (auto& r : it->second.relays) out.push_back(r.get());
  return out;
}

void instance::fail_next_writes(const std::string& stage, int count) {
  outbox_store(stage);
  outboxes_.at(stage).fail_writes += count;
}

void instance::crash_after_publish(const std::string& stage, int count) {
  auto rs = relays(stage);
  if (rs.empty()) throw aws_error::resource_not_found("Stage " + stage + " has no outbox relay");
  for (int i = 0; i < count; ++i) rs[std::size_t(i) % rs.size()]->crash_after_publish(1);
}

json instance::outbox_metrics() {
  json out = json::object();
  for (auto& [stage, o] : outboxes_) {
    json m = o.store->counts();
    m["oldest_pending_age_ms"] = nullptr;
    if (m["oldest_pending_created_at"].is_string())
      if (auto t = parse_iso8601(m["oldest_pending_created_at"].get<std::string>()))
        m["oldest_pending_age_ms"] =
            std::chrono::duration_cast<std::chrono::milliseconds>(rt_.clock().now() - *t).count();
    json relays = json::array();
    for (auto& r : o.relays) relays.push_back(r->metrics());
    m["relays"] = relays;
    m["engine"] = o.store->is_postgres() ? "postgresql" : "sqlite";
    out[stage] = m;
  }
  return out;
}

shared_json instance::request_reply(const std::string& function, shared_json event, const std::string& trace_id,
                                    std::uint64_t& answered_by) {
  awaiting_[trace_id] = {};
  struct forget {
    std::map<std::string, reply>& m;
    const std::string& id;
    ~forget() { m.erase(id); }
  } cleanup{awaiting_, trace_id};
  shared_json ack = functions_.invoke_shared(function, std::move(event), trace_id);
  if (!ack->is_object() || ack->value("statusCode", json()) != 202) {  // the function answered itself
    answered_by = rt_.trace().last_seq();
    return ack;
  }
  // Deliveries are due now; a task that throws is logged (as the real-time driver does) and the
  // rest still run.
  // With user code, a delivery may be running on another thread (the lock is released while
  // the code runs): wait for invocations to end until the reply comes or none is left.
  for (;;) {
    std::uint64_t seen = functions_.completions();
    for (;;) {
      try {
        rt_.sched().run_until_idle();
        break;
      } catch (const std::exception& e) {
        rt_.log().error("scheduler", "task failed", {{"error", e.what()}});
      }
    }
    const reply& r = awaiting_[trace_id];
    if (r.result || r.error || functions_.in_flight() == 0) break;
    functions_.wait_completion(seen);
  }
  const reply& r = awaiting_[trace_id];
  answered_by = r.seq;
  if (r.error) throw std::runtime_error(*r.error);
  if (r.result) return r.result;
  throw gateway::no_reply("no function answered the request (trace " + trace_id +
                          "); is a rule routing its event to a function enabled?");
}

instance::~instance() {
  for (auto& [stage, o] : outboxes_) {
    o.relays.clear();
    if (outbox_options_.drop_schemas && o.store->is_postgres()) try {
        o.store->db().exec("DROP SCHEMA IF EXISTS " + outbox_options_.schema_prefix + stage + " CASCADE");
      } catch (const std::exception& e) {
        rt_.log().log(log_level::warn, "outbox", "could not drop the scenario's schema", {{"error", e.what()}});
      }
  }
}

std::string instance::function_arn(const std::string& name) const {
  return "arn:aws:lambda:" + def_.region + ":" + def_.account + ":function:" + name;
}

std::string instance::function_access_key(const std::string& name) const {
  // AWS's shape (20 characters, A-Z and 2-7), the same for a function in every run.
  static const char* const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::uint64_t h = fnv1a64("lambda:" + name);
  std::string key = "ASIAEMU";
  for (int i = 0; i < 13; ++i, h >>= 5) key += alphabet[h & 31];
  return key;
}

std::string instance::queue_arn(const std::string& name) const {
  return "arn:aws:sqs:" + def_.region + ":" + def_.account + ":" + name;
}

namespace {

// CreateTable's request for a table of the system definition.
json create_table_request(const table_def& t, const std::string& name) {
  std::map<std::string, std::string> attrs;
  auto key_schema = [&](const key_attr& h, const std::optional<key_attr>& r) {
    attrs[h.name] = h.type;
    json ks = json::array({{{"AttributeName", h.name}, {"KeyType", "HASH"}}});
    if (r) {
      attrs[r->name] = r->type;
      ks.push_back({{"AttributeName", r->name}, {"KeyType", "RANGE"}});
    }
    return ks;
  };
  json req = {{"TableName", name}, {"KeySchema", key_schema(t.hash, t.range)}, {"BillingMode", "PAY_PER_REQUEST"}};
  json gsis = json::array(), lsis = json::array();
  for (const auto& ix : t.indexes) {
    json proj = {{"ProjectionType", ix.projection}};
    if (!ix.non_key_attributes.empty()) proj["NonKeyAttributes"] = ix.non_key_attributes;
    json e = {{"IndexName", ix.name}, {"KeySchema", key_schema(ix.hash, ix.range)}, {"Projection", proj}};
    (ix.global ? gsis : lsis).push_back(e);
  }
  json defs = json::array();
  for (const auto& [n, ty] : attrs) defs.push_back({{"AttributeName", n}, {"AttributeType", ty}});
  req["AttributeDefinitions"] = defs;
  if (!gsis.empty()) req["GlobalSecondaryIndexes"] = gsis;
  if (!lsis.empty()) req["LocalSecondaryIndexes"] = lsis;
  if (t.stream) req["StreamSpecification"] = {{"StreamEnabled", true}, {"StreamViewType", *t.stream}};
  return req;
}

}  // namespace

void instance::create_stage(const std::string& stage) {
  for (const auto& q : def_.queues) {
    std::string name = resource_name(q.name, stage);
    auto seconds = [](duration d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count());
    };
    json attrs = {{"VisibilityTimeout", seconds(q.visibility_timeout)},
                  {"DelaySeconds", seconds(q.delay)},
                  {"MessageRetentionPeriod", seconds(q.retention)},
                  {"ReceiveMessageWaitTimeSeconds", seconds(q.receive_wait)},
                  {"MaximumMessageSize", std::to_string(q.max_message_size)}};
    if (q.fifo)
      attrs["FifoQueue"] = "true",
      attrs["ContentBasedDeduplication"] = q.content_based_deduplication ? "true" : "false";
    if (q.dlq)
      attrs["RedrivePolicy"] = json{
          {"deadLetterTargetArn", queue_arn(resource_name(*q.dlq, stage))},
          {"maxReceiveCount",
           q.max_receive_count}}.dump();
    try {
      sqs_.define_queue(name, attrs);
    } catch (const aws_error& e) {
      throw aws_error(e.type(), def_.file + ":" + std::to_string(q.line) + ": queues." + q.name + ": " + e.message());
    }
  }
  for (const auto& t : def_.tables) {
    std::string name = resource_name(t.name, stage);
    if (dynamo_.has_table(name)) {  // persisted from an earlier run (--data-dir)
      if (t.stream && dynamo_.stream_arn(name).empty())
        dynamo_.update_table(
            {{"TableName", name}, {"StreamSpecification", {{"StreamEnabled", true}, {"StreamViewType", *t.stream}}}});
      continue;
    }
    try {
      dynamo_.create_table(create_table_request(t, name));
      if (t.ttl_attribute)
        dynamo_.update_time_to_live(
            {{"TableName", name},
             {"TimeToLiveSpecification", {{"AttributeName", *t.ttl_attribute}, {"Enabled", true}}}});
    } catch (const aws_error& e) {
      throw aws_error(e.type(), def_.file + ":" + std::to_string(t.line) + ": tables." + t.name + ": " + e.message());
    }
  }
  for (const auto& b : def_.buses) bus_.create_event_bus({{"Name", resource_name(b.name, stage)}});
  for (const auto& r : def_.rules) {
    std::string bus = r.bus == "default" ? "default" : resource_name(r.bus, stage);
    json put = {{"Name", r.name},
                {"EventBusName", bus},
                {"EventPattern", r.pattern.dump()},
                {"State", r.enabled ? "ENABLED" : "DISABLED"}};
    if (!r.description.empty()) put["Description"] = r.description;
    try {
      bus_.put_rule(put);
    } catch (const aws_error& e) {
      throw aws_error(e.type(), def_.file + ":" + std::to_string(r.line) + ": rules." + r.name + ": " + e.message());
    }
    if (r.targets.empty()) continue;
    json targets = json::array();
    for (const auto& t : r.targets) {
      std::string arn;
      if (t.kind == "function")
        arn = function_arn(resource_name(t.ref, stage));
      else if (t.kind == "queue")
        arn = queue_arn(resource_name(t.ref, stage));
      else if (t.kind == "bus")
        arn = bus_.bus_arn(resource_name(t.ref, stage));
      else
        arn = "arn:aws:logs:" + def_.region + ":" + def_.account + ":log-group:" + t.ref;
      json x = {{"Id", t.id}, {"Arn", arn}};
      if (t.input) x["Input"] = t.input->dump();
      if (t.input_path) x["InputPath"] = *t.input_path;
      if (t.input_transformer) x["InputTransformer"] = *t.input_transformer;
      x["RetryPolicy"] = {{"MaximumRetryAttempts", t.retry.maximum_retry_attempts},
                          {"MaximumEventAgeInSeconds",
                           std::chrono::duration_cast<std::chrono::seconds>(t.retry.maximum_event_age).count()}};
      if (t.dlq) x["DeadLetterConfig"] = {{"Arn", queue_arn(resource_name(*t.dlq, stage))}};
      targets.push_back(x);
    }
    bus_.put_targets({{"Rule", r.name}, {"EventBusName", bus}, {"Targets", targets}});
  }
  // Functions whose code is the user's: processes (or an HTTP server) started on first use.
  for (const auto& f : def_.functions) {
    if (!f.builtin.empty()) continue;
    std::string name = resource_name(f.name, stage);
    functions::user_code_spec spec;
    spec.name = name;
    spec.arn = function_arn(name);
    spec.kind = !f.runtime.empty() ? f.runtime : !f.exec.empty() ? "exec" : "http";
    spec.argv = f.exec;
    spec.handler = f.handler;
    spec.code_dir = f.code;
    spec.url = f.http;
    spec.cwd = f.base_dir;
    spec.reserved_concurrency = f.reserved_concurrency;
    functions::environment_inputs in;
    in.function_name = name;
    in.memory_mb = f.memory_mb;
    in.region = def_.region;
    in.handler = f.handler;
    in.task_root = spec.kind == "exec" ? f.base_dir : f.code;
    in.execution_env = spec.kind == "nodejs"   ? "AWS_Lambda_nodejs20.x"
                       : spec.kind == "python" ? "AWS_Lambda_python3.12"
                                               : "";
    in.access_key_id = function_access_key(name);
    for (const auto& [k, v] : f.environment.items())
      in.extra.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    spec.env = functions::lambda_environment(in);
    functions_.add_user(name, std::move(spec), f.timeout, f.memory_mb);
    callers_.emplace(in.access_key_id, permissions(f, stage, def_.account, def_.region));
  }
  // Functions with a built-in handler, each with its permission-checked view of the services.
  for (const auto& f : def_.functions) {
    if (f.builtin.empty() || f.builtin == "echo") continue;
    auto env = std::make_unique<bellyfed::function_env>(rt_, def_, f, stage, dynamo_, sqs_, bus_);
    functions::handler h = bellyfed::make_builtin(f.builtin, *env);
    if (!h) continue;  // not in this build yet: invoking it answers ResourceNotFoundException
    functions_.add(resource_name(f.name, stage), std::move(h), f.timeout);
    envs_.push_back(std::move(env));
  }
  // Lambda's asynchronous invocation settings, with destinations as this stage's ARNs.
  for (const auto& f : def_.functions) {
    std::string name = resource_name(f.name, stage);
    if (!functions_.has(name)) continue;
    auto arn_of = [&](const function_def::destination& d) {
      std::string ref = resource_name(d.ref, stage);
      return d.kind == "queue" ? queue_arn(ref) : d.kind == "bus" ? bus_.bus_arn(ref) : function_arn(ref);
    };
    function_defs_[name] = &f;
    if (f.async_max_retries != 2 || f.async_max_event_age != std::chrono::hours(6) || f.on_success || f.on_failure)
      invoke_configs_.insert(name);
    functions::async_config c;
    c.max_retries = f.async_max_retries;
    c.max_event_age = f.async_max_event_age;
    if (f.on_success) c.on_success = arn_of(*f.on_success);
    if (f.on_failure) c.on_failure = arn_of(*f.on_failure);
    if (f.dead_letter_queue) c.dead_letter_queue = queue_arn(resource_name(*f.dead_letter_queue, stage));
    functions_.set_async_config(name, std::move(c));
  }
  if (def_.outbox.defined) {
    stage_outbox o;
    std::unique_ptr<outbox::sql_db> db;
    if (!outbox_options_.postgres_url.empty())
      db = outbox::open_postgres(outbox_options_.postgres_url, outbox_options_.schema_prefix + stage);
    else
      db = outbox::open_sqlite(data_dir_.empty() ? "" : data_dir_ + "/outbox-" + stage + ".db");
    o.store = std::make_unique<outbox::store>(std::move(db), bellyfed::business_tables());
    std::string bus = resource_name(def_.outbox.bus, stage);
    for (int i = 1; i <= def_.outbox.relays; ++i) {
      o.relays.push_back(std::make_unique<outbox::relay>(
          rt_, *o.store, def_.outbox, bus, [this](const json& req) { return bus_.put_events(req); },
          "OutboxProcessor-" + stage + (def_.outbox.relays > 1 ? "-" + std::to_string(i) : "")));
      o.relays.back()->start(outbox_options_.poll_always);
    }
    outboxes_[stage] = std::move(o);
  }
  for (const auto& m : def_.mappings) {
    std::string fn = resource_name(m.function, stage);
    auto invoke = [this, fn](json event) { return *functions_.invoke_shared(fn, share(std::move(event)), "", ""); };
    if (!m.table.empty()) {
      add_stream_mapping(m, stage);
      continue;
    }
    sqs::mapping_config cfg{resource_name(m.queue, stage), fn,       m.batch_size, m.batching_window,
                            m.report_batch_item_failures,  m.enabled};
    mappings_.push_back(std::make_unique<sqs::mapping>(rt_, sqs_, cfg, invoke));
  }
}

void instance::add_stream_mapping(const mapping_def& m, const std::string& stage) {
  std::string fn = resource_name(m.function, stage);
  dynamo::stream_mapping_config cfg;
  cfg.table = resource_name(m.table, stage);
  cfg.function = fn;
  cfg.function_arn = function_arn(fn);
  cfg.batch_size = m.batch_size;
  cfg.batching_window = m.batching_window;
  cfg.starting_position = m.starting_position;
  cfg.bisect_on_error = m.bisect_on_error;
  cfg.report_batch_item_failures = m.report_batch_item_failures;
  cfg.enabled = m.enabled;
  cfg.max_retries = m.max_retries;
  cfg.max_record_age = m.max_record_age;
  dynamo::stream_mapping::filter_fn filter;
  if (m.filter) {
    // Lambda's filter criteria are event patterns over each record, as EventBridge reads them.
    std::shared_ptr<bus::pattern> p;
    try {
      p = std::make_shared<bus::pattern>(bus::pattern::compile(*m.filter));
    } catch (const std::exception& e) {
      throw aws_error("InvalidParameterValueException",
                      def_.file + ":" + std::to_string(m.line) + ": mappings.filter: " + e.what());
    }
    filter = [p](const json& record) { return p->matches(record); };
  }
  dynamo::stream_mapping::failure_fn failed;
  if (m.on_failure) {
    std::string arn = queue_arn(resource_name(*m.on_failure, stage));
    failed = [this, arn](const json& record) {
      send_to_queue(arn, record, json::object(), rt_.trace().current().trace_id);
    };
  }
  stream_mappings_.push_back(std::make_unique<dynamo::stream_mapping>(
      rt_, dynamo_, std::move(cfg), [this, fn](const json& event) { return functions_.invoke(fn, event); },
      std::move(filter), std::move(failed)));
}

}  // namespace emu::system
