#include "emulator/app/prometheus_page.h"

#include "emulator/observe/prometheus.h"

namespace emu::app {
namespace {

using observe::exposition;

double num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

void functions_section(exposition& x, const functions::registry& fns) {
  auto each = [&](const std::function<void(const std::string&, const functions::function_stats&)>& f) {
    fns.visit_stats(f);
  };
  x.family("bellyfed_emu_function_invocations_total", "counter",
           "Lambda invocations of a function (CloudWatch Invocations; throttled ones are not counted)");
  each([&](const std::string& n, const auto& s) {
    x.sample("bellyfed_emu_function_invocations_total", {{"function", n}}, double(s.invocations.calls));
  });
  x.family("bellyfed_emu_function_errors_total", "counter", "invocations that ended in a function error or timeout");
  each([&](const std::string& n, const auto& s) {
    x.sample("bellyfed_emu_function_errors_total", {{"function", n}}, double(s.invocations.errors));
  });
  x.family("bellyfed_emu_function_throttles_total", "counter",
           "invocations refused because the function's reserved concurrency was in use");
  each([&](const std::string& n, const auto& s) {
    x.sample("bellyfed_emu_function_throttles_total", {{"function", n}}, double(s.throttles));
  });
  x.family("bellyfed_emu_function_duration_seconds", "histogram",
           "invocation durations: user code's own (its REPORT Duration), built-in handlers' on the runtime clock");
  each([&](const std::string& n, const auto& s) {
    x.histogram("bellyfed_emu_function_duration_seconds", {{"function", n}}, s.invocations.duration);
  });
}

void bus_section(exposition& x, const json& buses) {
  x.family("bellyfed_emu_bus_events_total", "counter", "events a bus accepted");
  for (const auto& [bus, b] : buses.items())
    x.sample("bellyfed_emu_bus_events_total", {{"bus", bus}}, num(b, "events_in"));
  x.family("bellyfed_emu_bus_unmatched_events_total", "counter", "accepted events that no enabled rule matched");
  for (const auto& [bus, b] : buses.items())
    x.sample("bellyfed_emu_bus_unmatched_events_total", {{"bus", bus}}, num(b, "events_in") - num(b, "matched_events"));
  struct counter {
    const char* metric;
    const char* key;
    const char* help;
  };
  for (const counter& c :
       {counter{"bellyfed_emu_rule_matched_events_total", "matched", "events a rule matched"},
        counter{"bellyfed_emu_rule_invocations_total", "invocations", "deliveries a rule attempted"},
        counter{"bellyfed_emu_rule_failed_invocations_total", "failed_invocations",
                "deliveries that failed (each attempt; CloudWatch FailedInvocations)"},
        counter{"bellyfed_emu_rule_dead_lettered_total", "dead_lettered",
                "events sent to a target's dead-letter queue"},
        counter{"bellyfed_emu_rule_dropped_total", "dropped", "events given up without a dead-letter queue"}}) {
    x.family(c.metric, "counter", c.help);
    for (const auto& [bus, b] : buses.items())
      for (const auto& [rule, r] : b["rules"].items())
        x.sample(c.metric, {{"bus", bus}, {"rule", rule}}, num(r, c.key));
  }
}

void queue_section(exposition& x, const json& queues) {
  struct gauge {
    const char* metric;
    const char* key;
    double scale;
    const char* help;
  };
  for (const gauge& g :
       {gauge{"bellyfed_emu_queue_messages_visible", "visible", 1, "messages available to receive"},
        gauge{"bellyfed_emu_queue_messages_in_flight", "in_flight", 1, "messages received and not yet deleted"},
        gauge{"bellyfed_emu_queue_messages_delayed", "delayed", 1, "messages not yet visible (delay)"},
        gauge{"bellyfed_emu_queue_oldest_message_age_seconds", "oldest_age_ms", 0.001,
              "age of the oldest message not deleted (CloudWatch ApproximateAgeOfOldestMessage)"}}) {
    x.family(g.metric, "gauge", g.help);
    for (const auto& [q, m] : queues.items()) x.sample(g.metric, {{"queue", q}}, num(m, g.key) * g.scale);
  }
}

void dynamodb_section(exposition& x, const dynamo::service& db) {
  const auto& ops = db.operation_metrics();
  auto each = [&](const std::function<void(const observe::labels&, const call_stats&)>& f) {
    for (const auto& [table, by_op] : ops)
      for (const auto& [op, s] : by_op) f({{"table", table}, {"operation", op}}, s);
  };
  x.family("bellyfed_emu_dynamodb_operations_total", "counter", "DynamoDB operations by table and operation");
  each([&](const auto& l, const auto& s) { x.sample("bellyfed_emu_dynamodb_operations_total", l, double(s.calls)); });
  x.family("bellyfed_emu_dynamodb_errors_total", "counter", "DynamoDB operations that answered an error");
  each([&](const auto& l, const auto& s) { x.sample("bellyfed_emu_dynamodb_errors_total", l, double(s.errors)); });
  x.family("bellyfed_emu_dynamodb_operation_duration_seconds", "histogram", "DynamoDB operation latency");
  each([&](const auto& l, const auto& s) {
    x.histogram("bellyfed_emu_dynamodb_operation_duration_seconds", l, s.duration);
  });
  x.family("bellyfed_emu_dynamodb_consumed_capacity_units_total", "counter",
           "DynamoDB read and write capacity units consumed, by table and operation");
  for (const auto& [table, by_op] : db.capacity_metrics())
    for (const auto& [op, units] : by_op)
      x.sample("bellyfed_emu_dynamodb_consumed_capacity_units_total", {{"table", table}, {"operation", op}}, units);
}

void gateway_section(exposition& x, const gateway::service& gw) {
  const auto& routes = gw.route_metrics();
  x.family("bellyfed_emu_gateway_requests_total", "counter",
           "API Gateway requests by stage, method, resource path (\"-\" when none matched) and status");
  for (const auto& [k, r] : routes)
    for (const auto& [status, n] : r.statuses)
      x.sample("bellyfed_emu_gateway_requests_total",
               {{"stage", std::get<0>(k)},
                {"method", std::get<1>(k)},
                {"resource", std::get<2>(k)},
                {"status", std::to_string(status)}},
               double(n));
  x.family("bellyfed_emu_gateway_request_duration_seconds", "histogram",
           "API Gateway request latency, integration included");
  for (const auto& [k, r] : routes)
    x.histogram("bellyfed_emu_gateway_request_duration_seconds",
                {{"stage", std::get<0>(k)}, {"method", std::get<1>(k)}, {"resource", std::get<2>(k)}}, r.duration);
}

void outbox_section(exposition& x, const json& outbox) {
  x.family("bellyfed_emu_outbox_rows", "gauge", "outbox rows by status");
  for (const auto& [stage, o] : outbox.items())
    for (const char* status : {"pending", "processing", "processed", "failed"})
      x.sample("bellyfed_emu_outbox_rows", {{"stage", stage}, {"status", status}}, num(o, status));
  x.family("bellyfed_emu_outbox_oldest_pending_age_seconds", "gauge", "age of the oldest pending outbox row (0: none)");
  for (const auto& [stage, o] : outbox.items())
    x.sample("bellyfed_emu_outbox_oldest_pending_age_seconds", {{"stage", stage}},
             num(o, "oldest_pending_age_ms") / 1000);
  x.family("bellyfed_emu_outbox_published_total", "counter", "outbox events a relay published");
  for (const auto& [stage, o] : outbox.items())
    for (const auto& r : o["relays"])
      x.sample("bellyfed_emu_outbox_published_total", {{"stage", stage}, {"relay", r.value("relay", "")}},
               num(r, "published"));
  x.family("bellyfed_emu_outbox_publish_latency_seconds", "summary",
           "time from an outbox row's commit to its publication");
  for (const auto& [stage, o] : outbox.items())
    for (const auto& r : o["relays"]) {
      observe::labels l = {{"stage", stage}, {"relay", r.value("relay", "")}};
      x.sample("bellyfed_emu_outbox_publish_latency_seconds_sum", l,
               num(r, "publish_latency_ms_avg") * num(r, "published") / 1000);
      x.sample("bellyfed_emu_outbox_publish_latency_seconds_count", l, num(r, "published"));
    }
}

}  // namespace

std::string prometheus_page(system::instance& sys) {
  exposition x;
  x.family("bellyfed_emu_info", "gauge", "the emulator's version");
  x.sample("bellyfed_emu_info", {{"version", EMU_VERSION}}, 1);
  functions_section(x, sys.functions());
  json m = {{"buses", sys.bus().metrics()}, {"queues", sys.sqs().metrics()}};
  bus_section(x, m["buses"]);
  queue_section(x, m["queues"]);
  dynamodb_section(x, sys.dynamo());
  gateway_section(x, sys.gateway());
  outbox_section(x, sys.outbox_metrics());
  auto& tr = sys.runtime_of().trace();
  x.family("bellyfed_emu_trace_entries_total", "counter", "trace entries recorded");
  x.sample("bellyfed_emu_trace_entries_total", {}, double(tr.last_seq()));
  x.family("bellyfed_emu_trace_entries_dropped_total", "counter", "trace entries let go to keep --trace-capacity");
  x.sample("bellyfed_emu_trace_entries_dropped_total", {}, double(tr.dropped()));
  return x.text();
}

void add_prometheus_route(edge::router& router, std::function<system::instance&()> system) {
  router.add_admin("GET", "/metrics", [system](const edge::request&) {
    edge::response r;
    r.content_type = exposition::content_type;
    r.body = prometheus_page(system());
    return r;
  });
}

}  // namespace emu::app
