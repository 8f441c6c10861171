// The Event Consumer (seed Figure 3): outbox events from the bus, applied idempotently — the
// outbox is at-least-once, so a redelivered event must change nothing.
//
//   RESTAURANT_CREATED, RESTAURANT_UPDATED  → the FoodEstablishment item (keys and GSI keys as
//       the import writes them), conditional on being new or older than the event: an item
//       already written by this event (lastEventId) or by a later change (updatedAt) is kept.
//   REVIEW_CREATED                          → the Review item, if it is not there yet.
//   IMPORT_JOB_CREATED                      → one message per record on the import queue (the
//       import flow of seed Figure 1 takes over), then a marker item EVENT#<event id> so a
//       redelivery sends nothing; a redelivery before the marker re-sends, and the import is
//       idempotent itself.
#include "emulator/bellyfed/handlers.h"
#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/dynamo/value.h"

namespace emu::bellyfed {
namespace {

bool condition_failed(const aws_error& e) { return e.type() == "ConditionalCheckFailedException"; }

json restaurant_item(const json& p, const standard_event& e) {
  std::string id = p.value("id", "");
  json item = {
      {"PK", "EST#" + id}, {"SK", "META#" + id}, {"id", id}, {"lastEventId", e.event_id}, {"trace_id", e.trace_id}};
  for (const char* k : {"name", "address", "city", "cuisineType", "rating", "updatedAt"})
    if (p.contains(k) && !p[k].is_null()) item[k] = p[k];
  std::string name = p.value("name", "");
  if (p.contains("city") && p["city"].is_string())
    item["GSI1PK"] = "LOC#" + p["city"].get<std::string>(), item["GSI1SK"] = "EST#" + name + "#" + id;
  if (p.contains("cuisineType") && p["cuisineType"].is_string())
    item["GSI2PK"] = "CUISINE#" + p["cuisineType"].get<std::string>(), item["GSI2SK"] = "EST#" + name + "#" + id;
  return item;
}

std::string text_of(const json& p, const char* k) {
  if (!p.contains(k) || !p[k].is_string() || p[k].get<std::string>().empty())
    throw aws_error::validation(std::string("EventConsumer: payload.") + k + " must be a non-empty string");
  return p[k];
}

}  // namespace

functions::handler event_consumer(function_env& env) {
  return [&env](const json& event, const functions::context& ctx) -> json {
    standard_event e = received_event(event, ctx, "EventConsumer");
    const json& p = e.payload;
    if (e.event_type == "RESTAURANT_CREATED" || e.event_type == "RESTAURANT_UPDATED") {
      std::string id = text_of(p, "id");
      text_of(p, "name");
      json item = restaurant_item(p, e);
      try {
        env.dynamo("PutItem", {{"TableName", env.table("FoodEstablishment")},
                               {"Item", dynamo::item_from_plain(item)},
                               {"ConditionExpression",
                                "attribute_not_exists(PK) OR (lastEventId <> :e AND (attribute_not_exists(updatedAt) "
                                "OR updatedAt <= :u))"},
                               {"ExpressionAttributeValues",
                                {{":e", {{"S", e.event_id}}}, {":u", {{"S", p.value("updatedAt", "")}}}}}});
      } catch (const aws_error& x) {
        if (!condition_failed(x)) throw;
        ctx.log(e.event_type + " " + e.event_id + ": restaurant " + id +
                " already has this or a later change; nothing written");
        return {{"applied", false}, {"id", id}};
      }
      ctx.log(e.event_type + " " + e.event_id + ": restaurant " + id + " written to FoodEstablishment");
      return {{"applied", true}, {"id", id}};
    }
    if (e.event_type == "REVIEW_CREATED") {
      std::string id = text_of(p, "id"), restaurant = text_of(p, "restaurantId");
      json item = {{"PK", "EST#" + restaurant}, {"SK", "REVIEW#" + id}, {"id", id}, {"lastEventId", e.event_id}};
      for (const char* k : {"rating", "text", "author", "createdAt"})
        if (p.contains(k) && !p[k].is_null()) item[k] = p[k];
      try {
        env.dynamo("PutItem", {{"TableName", env.table("Review")},
                               {"Item", dynamo::item_from_plain(item)},
                               {"ConditionExpression", "attribute_not_exists(PK)"}});
      } catch (const aws_error& x) {
        if (!condition_failed(x)) throw;
        ctx.log("REVIEW_CREATED " + e.event_id + ": review " + id + " already recorded; nothing written");
        return {{"applied", false}, {"id", id}};
      }
      ctx.log("REVIEW_CREATED " + e.event_id + ": review " + id + " of " + restaurant + " written to Review");
      return {{"applied", true}, {"id", id}};
    }
    if (e.event_type == "IMPORT_JOB_CREATED") {
      std::string id = text_of(p, "id");
      if (!p.contains("records") || !p["records"].is_array())
        throw aws_error::validation("EventConsumer: payload.records must be a list");
      json marker_key = {{"PK", {{"S", "EVENT#" + e.event_id}}}, {"SK", {{"S", "EventConsumer"}}}};
      json seen = env.dynamo("GetItem", {{"TableName", env.table("FoodEstablishment")}, {"Key", marker_key}});
      if (seen.contains("Item")) {
        ctx.log("IMPORT_JOB_CREATED " + e.event_id + ": job " + id + " already queued; nothing sent");
        return {{"applied", false}, {"id", id}};
      }
      for (const auto& r : p["records"]) env.send_message("restaurant-import", r.dump(), e.trace_id);
      json marker = marker_key;
      marker["job"] = {{"S", id}};
      env.dynamo("PutItem", {{"TableName", env.table("FoodEstablishment")}, {"Item", marker}});
      ctx.log("IMPORT_JOB_CREATED " + e.event_id + ": job " + id + " sent " + std::to_string(p["records"].size()) +
              " records to the import queue");
      return {{"applied", true}, {"id", id}, {"records", p["records"].size()}};
    }
    ctx.log("no handling for event type " + e.event_type);
    throw aws_error::validation("EventConsumer: no handling for event type " + e.event_type);
  };
}

}  // namespace emu::bellyfed
