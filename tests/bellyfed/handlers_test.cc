// BellyFed's built-in functions in process: permissions (a function touches only what its
// definition grants), the Event Processor's standard events, DynamoDB Import's validation,
// idempotency and all-or-nothing writes, and the function log group.
#include <catch2/catch.hpp>

#include "emulator/bellyfed/handlers.h"
#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/core/time_format.h"
#include "emulator/dynamo/value.h"
#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

using emu::json;

namespace {
struct fixture {
  emu::system_def sys = emu::system::load("");
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 3, emu::log_level::off, nullptr);
  emu::system::instance system{*rt, sys, {"dev"}};
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const emu::aws_error& e) {
      return e.type() + ": " + e.message();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
};
}  // namespace

TEST_CASE("a function touches only the tables and buses its definition grants") {
  fixture f;
  const emu::function_def* fn = f.sys.find_function("DynamoDBImport");
  REQUIRE(fn);
  emu::bellyfed::function_env env(*f.rt, f.sys, *fn, "dev", f.system.dynamo(), f.system.sqs(), f.system.bus());
  CHECK(f.error_of([&] {
    env.dynamo("GetItem", {{"TableName", "FoodEstablishment-qa"}, {"Key", json::object()}});
  }) == "AccessDeniedException: User: "
        "arn:aws:sts::000000000000:assumed-role/DynamoDBImport-dev-role/DynamoDBImport-dev is not "
        "authorized to perform: dynamodb:GetItem on resource: "
        "arn:aws:dynamodb:us-east-1:000000000000:table/FoodEstablishment-qa "
        "because no identity-based policy allows the dynamodb:GetItem action");
  CHECK(f.error_of([&] {
           env.put_event("bellyfed", "x", "y", json::object(), "");
         }).rfind("AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role/DynamoDBImport-dev-role", 0) ==
        0);
  CHECK(f.error_of([&] {
           env.dynamo("TransactWriteItems",
                      {{"TransactItems", {{{"Put", {{"TableName", "Secrets-dev"}, {"Item", json::object()}}}}}}});
         }).find("table/Secrets-dev") != std::string::npos);
  CHECK(env.dynamo("Scan", {{"TableName", "Review-dev"}})["Count"] == 0);  // granted
}

TEST_CASE("DynamoDB Import validates, writes all or nothing, and is idempotent") {
  fixture f;
  auto import = [&](const json& record) {
    json detail = {{"event_id", "e"}, {"event_type", "RESTAURANT_IMPORT"}, {"trace_id", "t-1"}, {"payload", record}};
    return f.system.functions().invoke("DynamoDBImport-dev", {{"detail", detail}});
  };
  CHECK(f.error_of([&] {
    import({{"id", "r-1"}, {"name", "x"}, { "city", "Oslo" }});
  }) == "ValidationException: invalid restaurant record: cuisineType: is required");
  CHECK(f.error_of([&] {
           import({{"id", "bad id!"}, {"name", "x"}, {"city", "Oslo"}, { "cuisineType", "Thai" }});
         }).find("id: must be 1–64 letters") != std::string::npos);
  CHECK(f.error_of([&] {
    import({{"id", "r-1"}, {"name", "x"}, {"city", "Oslo"}, {"cuisineType", "Thai"}, {
              "menu",
              {
                { {"id", "m-1"},
                  {"name", "Soup"},
                  { "price",
                    -1 } }
              }
            }});
  }) == "ValidationException: invalid restaurant record: menu[0].price: must be a number ≥ 0");
  CHECK(f.system.dynamo().scan({{"TableName", "MenuItem-dev"}})["Count"] == 0);  // nothing half-written
  json ok = {{"id", "r-1"},
             {"name", "Noodle Bar"},
             {"city", "Oslo"},
             {"cuisineType", "Thai"},
             {"menu", {{{"id", "m-1"}, {"name", "Soup"}, {"price", 9.5}}}},
             {"reviews", {{{"id", "v-1"}, {"rating", 4}}}}};
  CHECK(import(ok)["imported"] == true);
  json item =
      f.system.dynamo().get_item({{"TableName", "FoodEstablishment-dev"},
                                  {"Key", emu::dynamo::item_from_plain({{"PK", "EST#r-1"}, {"SK", "META#r-1"}})}});
  CHECK(emu::dynamo::item_to_plain(item["Item"]) == json{{"id", "r-1"},
                                                         {"name", "Noodle Bar"},
                                                         {"city", "Oslo"},
                                                         {"cuisineType", "Thai"},
                                                         {"PK", "EST#r-1"},
                                                         {"SK", "META#r-1"},
                                                         {"GSI1PK", "LOC#Oslo"},
                                                         {"GSI1SK", "EST#Noodle Bar#r-1"},
                                                         {"GSI2PK", "CUISINE#Thai"},
                                                         {"GSI2SK", "EST#Noodle Bar#r-1"},
                                                         {"trace_id", "t-1"}});
  ok["name"] = "Renamed";
  CHECK(import(ok)["imported"] == false);  // a redelivery writes nothing new
  CHECK(f.system.dynamo().scan({{"TableName", "MenuItem-dev"}})["Count"] == 1);
  bool logged = false;
  for (const auto& l : f.system.functions().logs("DynamoDBImport-dev"))
    logged |= l.message.find("already imported") != std::string::npos;
  CHECK(logged);
}

TEST_CASE("the Event Processor turns SQS records into standard events and reports bad ones") {
  fixture f;
  json event = {{"Records",
                 {{{"messageId", "m-1"}, {"body", R"({"id": "r-1", "trace_id": "trace-from-body"})"}},
                  {{"messageId", "m-2"}, {"body", "not json"}}}}};
  json r = f.system.functions().invoke("EventProcessor-dev", event);
  CHECK(r == json{{"batchItemFailures", {{{"itemIdentifier", "m-2"}}}}});
  const auto& events = f.system.bus().events("bellyfed-dev");
  REQUIRE(events.size() == 1);
  json detail = (*events[0].event->doc())["detail"];
  CHECK((*events[0].event->doc())["detail-type"] == "RESTAURANT_IMPORT");
  CHECK((*events[0].event->doc())["source"] == "import-processor");
  CHECK(detail["trace_id"] == "trace-from-body");
  CHECK(detail["event_type"] == "RESTAURANT_IMPORT");
  CHECK(detail["payload"]["id"] == "r-1");
  CHECK(emu::validate_standard_event(detail).empty());
}
