#include "emulator/bellyfed/handlers.h"

#include <strings.h>
#include <algorithm>
#include <cctype>

#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/core/text.h"
#include "emulator/core/time_format.h"
#include "emulator/dynamo/value.h"

namespace emu::bellyfed {

function_env::function_env(runtime& rt, const system_def& def, const function_def& fn, std::string stage,
                           dynamo::service& db, sqs::service& sqs, bus::service& bus)
    : rt_(rt),
      def_(def),
      permissions_(fn, stage, def.account, def.region),
      stage_(std::move(stage)),
      qualified_(resource_name(fn.name, stage_)),
      dynamo_api_(dynamo::describe_api(db)),
      sqs_(sqs),
      bus_(bus) {}

json function_env::dynamo(const std::string& action, json request) {
  permissions_.check_tables(action, request);
  auto op = dynamo_api_.operations.find(action);
  if (op == dynamo_api_.operations.end()) throw aws_error::unknown_operation("Unknown DynamoDB action " + action);
  return op->second(std::move(request), {});
}

std::string function_env::dynamo_text(const std::string& action, json request) {
  permissions_.check_tables(action, request);
  auto op = dynamo_api_.text_operations.find(action);
  if (op == dynamo_api_.text_operations.end())
    throw aws_error::unknown_operation("No text answer for DynamoDB action " + action);
  return op->second(std::move(request), {});
}

std::string function_env::send_message(const std::string& queue, const std::string& body, const std::string& trace_id) {
  permissions_.check_queue("sqs:SendMessage", resource_name(queue, stage_));
  return sqs_.send(resource_name(queue, stage_), body, {}, std::nullopt, "", "",
                   trace_id.empty() ? "" : "Root=" + trace_id);
}

json function_env::put_event(const std::string& bus, const std::string& source, const std::string& detail_type,
                             json detail, const std::string& trace_id) {
  permissions_.check_bus("events:PutEvents", resource_name(bus, stage_));
  return bus_.put_entry(resource_name(bus, stage_), {{"Source", source}, {"DetailType", detail_type}},
                        std::move(detail), trace_id);
}

namespace {

// The standard event for `payload`, checked against the schema before it goes on the bus
// (seed: "EventBridge rules enforce event validation"); a problem throws, naming the field.
// Returns the event's id.
std::string publish(function_env& env, const std::string& event_type, const std::string& source,
                    const std::string& trace_id, json payload, const functions::context& ctx) {
  standard_event e;
  e.event_id = env.rt().ids().uuid();
  e.timestamp = iso8601_ms(env.rt().clock().now());
  e.event_type = event_type;
  e.source = source;
  e.trace_id = trace_id;
  e.payload = std::move(payload);
  std::string event_id = e.event_id;
  json detail = to_json(std::move(e));
  if (std::string why = standard_event_problems(detail); !why.empty()) {
    ctx.log("rejected a " + (event_type.empty() ? std::string("standard") : event_type) + " event: " + why);
    throw aws_error::validation("the standard event is not valid: " + why);
  }
  json result = env.put_event("bellyfed", source, event_type, std::move(detail), trace_id);
  if (result.contains("ErrorCode")) throw std::runtime_error("PutEvents failed: " + result.value("ErrorMessage", ""));
  return event_id;
}

// An API Gateway request (Lambda proxy, payload 1.0) becomes the route's event type (GET_RESTAURANTS,
// …) from source api-gateway, with the request's X-Amzn-Trace-Id root as trace id. Answers 202
// once the event is on the bus; the reply comes from the function the bus routes it to.
json api_request(function_env& env, const json& event, const functions::context& ctx) {
  std::string method = event.value("httpMethod", ""), resource = event.value("resource", "");
  std::string event_type;
  for (const auto& r : env.definition().gateway.routes)
    if (r.path == resource && (r.method == method || r.method == "ANY")) event_type = r.event_type;
  if (event_type.empty()) {
    ctx.log("no gateway route " + method + " " + resource + " in the system definition");
    return proxy_response(404, json{{"message", "No route " + method + " " + resource}}.dump());
  }
  static const json none = json::object();
  auto object_at = [&](const json& in, const char* k) -> const json& {  // read in place: no copies
    auto it = in.find(k);
    return it != in.end() && it->is_object() ? *it : none;
  };
  // The gateway invokes with its request's trace id (the X-Amzn-Trace-Id it answers with);
  // invoked otherwise, the event's own header counts.
  std::string trace_id = ctx.trace_id;
  if (trace_id.empty())
    for (const auto& [k, v] : object_at(event, "headers").items())
      if (strcasecmp(k.c_str(), "x-amzn-trace-id") == 0 && v.is_string())
        if (std::string root = trace_root(v.get<std::string>()); !root.empty()) trace_id = root;
  if (trace_id.empty()) trace_id = env.rt().ids().uuid();
  const json& rc = object_at(event, "requestContext");
  json payload = {{"request_id", rc.value("requestId", "")},
                  {"method", method},
                  {"resource", resource},
                  {"path", event.value("path", "")},
                  {"path_parameters", object_at(event, "pathParameters")},
                  {"query", object_at(event, "queryStringParameters")},
                  {"source_ip", object_at(rc, "identity").value("sourceIp", "")}};
  std::string event_id = publish(env, event_type, "api-gateway", trace_id, std::move(payload), ctx);
  ctx.log(method + " " + resource + " → " + event_type + " event " + event_id + " (trace " + trace_id + ")");
  return proxy_response(202, json{{"event_id", event_id}, {"event_type", event_type}, {"trace_id", trace_id}}.dump());
}

// The seed's Event Processor. SQS records: every record becomes a standard RESTAURANT_IMPORT
// event on the stage's bus, with the record's trace id (message attribute `trace_id`, then the
// AWSTraceHeader Root, then one in the body) or a new one; a record that cannot become an event
// is reported as a batch item failure and the others go on. API Gateway requests: api_request.
functions::handler event_processor(function_env& env) {
  return [&env](const json& event, const functions::context& ctx) -> json {
    if (event.is_object() && event.contains("httpMethod") && event.contains("requestContext"))
      return api_request(env, event, ctx);
    if (!event.is_object() || !event.contains("Records") || !event["Records"].is_array())
      throw std::runtime_error("EventProcessor: expected an SQS event with Records or an API Gateway proxy event");
    json failures = json::array();
    for (const auto& r : event["Records"]) {
      std::string id = r.value("messageId", "");
      try {
        json body = parse_client_json(r.value("body", ""));
        if (body.is_discarded() || !body.is_object()) throw std::runtime_error("the message body is not a JSON object");
        std::string trace_id;
        if (r.contains("messageAttributes") && r["messageAttributes"].contains("trace_id"))
          trace_id = r["messageAttributes"]["trace_id"].value("stringValue", "");
        if (trace_id.empty() && r.contains("attributes") && r["attributes"].contains("AWSTraceHeader"))
          trace_id = trace_root(r["attributes"]["AWSTraceHeader"].get<std::string>());
        if (trace_id.empty() && body.contains("trace_id") && body["trace_id"].is_string()) trace_id = body["trace_id"];
        if (trace_id.empty()) trace_id = env.rt().ids().uuid();
        std::string event_id = publish(env, "RESTAURANT_IMPORT", "import-processor", trace_id, std::move(body), ctx);
        ctx.log("record " + id + " → RESTAURANT_IMPORT event " + event_id + " (trace " + trace_id + ")");
      } catch (const std::exception& x) {
        ctx.log("record " + id + " failed: " + x.what());
        failures.push_back({{"itemIdentifier", id}});
      }
    }
    return {{"batchItemFailures", failures}};
  };
}

}  // namespace

namespace {

// A delivery's `detail` (the delivery itself when it has none), read in place — the delivery is
// shared with the trace — or parsed into `parsed` when it is text.
const json& detail_of(const json& delivery, json& parsed) {
  auto it = delivery.find("detail");
  const json& detail = it != delivery.end() ? *it : delivery;
  if (!detail.is_string()) return detail;
  parsed = parse_client_json(detail.get_ref<const std::string&>());
  return parsed;
}

}  // namespace

standard_event received_event(const json& delivery, const functions::context& ctx, const char* who) {
  json parsed;
  const json& detail = detail_of(delivery, parsed);
  if (std::string why = standard_event_problems(detail); !why.empty()) {
    ctx.log("rejected the event: " + why);
    throw aws_error::validation(std::string(who) + ": not a valid standard event: " + why);
  }
  return standard_event_from_json(detail);
}

json proxy_response(int status, std::string json_body) {
  return {{"statusCode", status}, {"headers", {{"Content-Type", "application/json"}}}, {"body", std::move(json_body)}};
}

namespace {

// Validation of one imported restaurant; the first problem found, naming the field.

std::string invalid_record(const json& r) {
  auto text = [&](const json& o, const char* k, bool required) -> std::string {
    if (!o.contains(k) || o[k].is_null()) return required ? std::string(k) + ": is required" : "";
    if (!o[k].is_string() || o[k].get<std::string>().empty()) return std::string(k) + ": must be a non-empty string";
    return "";
  };
  if (!r.is_object()) return "the record must be a JSON object";
  for (const char* k : {"id", "name", "city", "cuisineType"})
    if (auto e = text(r, k, true); !e.empty()) return e;
  if (!valid_id(r["id"].get<std::string>())) return std::string("id: ") + valid_id_rule;
  if (r.contains("rating") &&
      !(r["rating"].is_number() && r["rating"].get<double>() >= 0 && r["rating"].get<double>() <= 5))
    return "rating: must be a number from 0 to 5";
  for (const char* list : {"menu", "reviews"}) {
    if (!r.contains(list)) continue;
    if (!r[list].is_array()) return std::string(list) + ": must be a list";
    for (std::size_t i = 0; i < r[list].size(); ++i) {
      const json& x = r[list][i];
      std::string at = std::string(list) + "[" + std::to_string(i) + "].";
      if (!x.is_object()) return at.substr(0, at.size() - 1) + ": must be an object";
      if (auto e = text(x, "id", true); !e.empty()) return at + e;
      if (!valid_id(x["id"].get<std::string>())) return at + "id: " + valid_id_rule;
      if (std::string(list) == "menu") {
        if (auto e = text(x, "name", true); !e.empty()) return at + e;
        if (!x.contains("price") || !x["price"].is_number() || x["price"].get<double>() < 0)
          return at + "price: must be a number ≥ 0";
      } else if (!x.contains("rating") || !x["rating"].is_number_integer() || x["rating"].get<int>() < 1 ||
                 x["rating"].get<int>() > 5) {
        return at + "rating: must be a whole number from 1 to 5";
      }
    }
  }
  std::size_t n = (r.contains("menu") ? r["menu"].size() : 0) + (r.contains("reviews") ? r["reviews"].size() : 0);
  if (n > 99) return "menu and reviews: at most 99 together in one record (they are written in one transaction)";
  return "";
}

// DynamoDB Import: a RESTAURANT_IMPORT event's restaurant, menu and reviews in one transaction,
// keys exactly as the seed. Idempotent: a restaurant that exists already is left as it is, so a
// redelivered event writes nothing new. An invalid record fails the invocation with the reason
// (EventBridge retries it and then dead-letters it); nothing is half-written.
functions::handler dynamodb_import(function_env& env) {
  return [&env](const json& event, const functions::context& ctx) -> json {
    json parsed;
    const json& e = detail_of(event, parsed);
    static const json none;
    auto p = e.find("payload");
    const json& r = p != e.end() ? *p : none;
    if (std::string why = invalid_record(r); !why.empty()) {
      ctx.log("invalid restaurant record: " + why);
      throw aws_error::validation("invalid restaurant record: " + why);
    }
    std::string id = r["id"], name = r["name"], city = r["city"], cuisine = r["cuisineType"];
    // Read in place: the record belongs to the delivery (shared with the trace), and its lists
    // can be long; only the restaurant's own attributes are copied.
    static const json no_list = json::array();
    auto list_of = [&](const char* k) -> const json& {
      auto it = r.find(k);
      return it != r.end() ? *it : no_list;
    };
    const json &menu = list_of("menu"), &reviews = list_of("reviews");
    // Items are written as attribute values straight away (no plain copy to convert).
    auto s = [](const std::string& v) { return dynamo::from_plain(v); };
    json est = json::object();
    for (auto it = r.begin(); it != r.end(); ++it)
      if (it.key() != "menu" && it.key() != "reviews") est[it.key()] = dynamo::from_plain(*it);
    est["PK"] = s("EST#" + id);
    est["SK"] = s("META#" + id);
    est["GSI1PK"] = s("LOC#" + city);
    est["GSI1SK"] = s("EST#" + name + "#" + id);
    est["GSI2PK"] = s("CUISINE#" + cuisine);
    est["GSI2SK"] = s("EST#" + name + "#" + id);
    if (e.contains("trace_id")) est["trace_id"] = dynamo::from_plain(e["trace_id"]);
    json items = json::array({{{"Put",
                                {{"TableName", env.table("FoodEstablishment")},
                                 {"Item", std::move(est)},
                                 {"ConditionExpression", "attribute_not_exists(PK)"}}}}});
    auto child = [&](const json& x, const char* table, const char* prefix) {
      json it = dynamo::item_from_plain(x);
      it["PK"] = s("EST#" + id);
      it["SK"] = s(prefix + x["id"].get<std::string>());
      items.push_back({{"Put", {{"TableName", env.table(table)}, {"Item", std::move(it)}}}});
    };
    for (const auto& m : menu) child(m, "MenuItem", "ITEM#");
    for (const auto& v : reviews) child(v, "Review", "REVIEW#");
    try {
      env.dynamo("TransactWriteItems", {{"TransactItems", std::move(items)}});
    } catch (const aws_error& x) {
      bool exists = x.type() == "TransactionCanceledException" &&
                    x.details()["CancellationReasons"][0].value("Code", "") == "ConditionalCheckFailed";
      if (!exists) throw;
      ctx.log("restaurant " + id + " already imported; nothing written");
      return {{"imported", false}, {"id", id}, {"reason", "already imported"}};
    }
    ctx.log("imported restaurant " + id + " with " + std::to_string(menu.size()) + " menu items and " +
            std::to_string(reviews.size()) + " reviews");
    return {{"imported", true}, {"id", id}, {"menu_items", menu.size()}, {"reviews", reviews.size()}};
  };
}

}  // namespace

const std::vector<builtin_info>& builtins() {
  static const std::vector<builtin_info> list = {
      {"echo", "returns its event unchanged"},
      {"event-processor", "SQS records and API Gateway requests to standard events on the bus"},
      {"dynamodb-import", "writes imported restaurants, menus and reviews to DynamoDB"},
      {"query-handler", "answers the gateway's queries (GET_RESTAURANTS, …) from DynamoDB"},
      {"event-consumer", "projects outbox events into DynamoDB and the import queue"},
      {"review-stats", "keeps restaurants' review counts and average ratings from the Review table's stream"},
  };
  return list;
}

functions::handler make_builtin(const std::string& builtin, function_env& env) {
  if (builtin == "event-processor") return event_processor(env);
  if (builtin == "dynamodb-import") return dynamodb_import(env);
  if (builtin == "query-handler") return query_handler(env);
  if (builtin == "event-consumer") return event_consumer(env);
  if (builtin == "review-stats") return review_stats(env);
  return {};
}

}  // namespace emu::bellyfed
