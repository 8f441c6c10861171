#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/core/permissions.h"

namespace {

std::string denied(const emu::permissions& p, const std::string& service, const std::string& action,
                   const emu::json& input) {
  try {
    p.check(service, action, input);
    return "allowed";
  } catch (const emu::aws_error& e) {
    CHECK(e.type() == "AccessDeniedException");
    return e.message();
  }
}

}  // namespace

TEST_CASE("permissions: a function's calls are held to the tables, queues and buses it lists", "[permissions]") {
  emu::function_def fn;
  fn.name = "Worker";
  fn.tables = {"Things"};
  fn.queues = {"jobs"};
  fn.buses = {"app"};
  emu::permissions p(fn, "dev", "000000000000", "us-east-1");

  CHECK(denied(p, "dynamodb", "GetItem", {{"TableName", "Things-dev"}}) == "allowed");
  CHECK(denied(p, "dynamodb", "ListTables", emu::json::object()) == "allowed");
  CHECK(denied(p, "dynamodb", "PutItem", {{"TableName", "Things-qa"}}) ==
        "User: arn:aws:sts::000000000000:assumed-role/Worker-dev-role/Worker-dev is not authorized to perform: "
        "dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Things-qa because no "
        "identity-based policy allows the dynamodb:PutItem action");
  CHECK_THAT(denied(p, "dynamodb", "BatchWriteItem", {{"RequestItems", {{"Things-dev", 1}, {"Other-dev", 1}}}}),
             Catch::Contains("table/Other-dev"));
  CHECK_THAT(
      denied(p, "dynamodb", "TransactWriteItems", {{"TransactItems", {{{"Put", {{"TableName", "Other-dev"}}}}}}}),
      Catch::Contains(
          "dynamodb:TransactWriteItems on resource: arn:aws:dynamodb:us-east-1:000000000000:table/Other-dev"));

  CHECK(denied(p, "sqs", "SendMessage", {{"QueueUrl", "http://localhost:4566/000000000000/jobs-dev"}}) == "allowed");
  CHECK_THAT(denied(p, "sqs", "SendMessage", {{"QueueUrl", "http://localhost:4566/000000000000/other-dev"}}),
             Catch::Contains("sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:other-dev"));
  CHECK_THAT(denied(p, "sqs", "GetQueueUrl", {{"QueueName", "other-dev"}}), Catch::Contains("sqs:GetQueueUrl"));

  CHECK(denied(p, "events", "PutEvents", {{"Entries", {{{"EventBusName", "app-dev"}}}}}) == "allowed");
  CHECK(denied(p, "events", "PutEvents",
               {{"Entries", {{{"EventBusName", "arn:aws:events:us-east-1:000000000000:event-bus/app-dev"}}}}}) ==
        "allowed");
  CHECK_THAT(denied(p, "events", "PutEvents", {{"Entries", {{{"Source", "x"}}}}}),
             Catch::Contains("events:PutEvents on resource: arn:aws:events:us-east-1:000000000000:event-bus/default"));
  CHECK_THAT(denied(p, "events", "PutRule", {{"Name", "r"}, {"EventBusName", "other"}}),
             Catch::Contains("events:PutRule on resource: arn:aws:events:us-east-1:000000000000:event-bus/other"));
}
