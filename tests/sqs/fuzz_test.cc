// Hostile requests to every SQS and DynamoDB operation: members of the wrong JSON type, missing,
// nested oddly. Each must end in an aws_error (a 4xx for the client), never in another
// exception (a 500) or a crash. Deterministic: seeded.
#include <catch2/catch.hpp>

#include <random>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/dynamo/api.h"
#include "emulator/sqs/api.h"

using emu::json;

namespace {

json random_value(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 2 ? 6 : 9)) {
    case 0:
      return nullptr;
    case 1:
      return int(rng() % 30) - 5;
    case 2:
      return rng() % 2 == 0;
    case 3:
      return std::string(rng() % 3, 'a');
    case 4:
      return "http://x/000000000000/q";
    case 5:
      return 1.5;
    case 6:
      return json::array({random_value(rng, depth + 1), random_value(rng, depth + 1)});
    case 7:
      return json{{"Id", random_value(rng, depth + 1)}, {"S", random_value(rng, depth + 1)}};
    default:
      return json{{"DataType", "String"}, {"StringValue", random_value(rng, depth + 1)}};
  }
}

json random_request(std::mt19937& rng, const std::vector<std::string>& members) {
  json r = json::object();
  for (const auto& m : members)
    if (rng() % 3) r[m] = random_value(rng, 0);
  return r;
}

}  // namespace

TEST_CASE("every SQS operation answers hostile requests with an aws_error") {
  auto rt = emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::sqs::service sqs(*rt, "000000000000", "us-east-1");
  sqs.create_queue({{"QueueName", "q"}}, {});
  std::mt19937 rng(11);
  const std::vector<std::string> members = {
      "QueueUrl",      "QueueName",         "MessageBody",       "Entries",
      "Attributes",    "AttributeNames",    "MessageAttributes", "MaxNumberOfMessages",
      "ReceiptHandle", "VisibilityTimeout", "DelaySeconds",      "Tags",
      "TagKeys",       "MessageGroupId",    "WaitTimeSeconds",   "MaxResults"};
  int answered = 0;
  for (const auto& [name, op] : emu::sqs::describe_api(sqs, *rt).operations)
    for (int i = 0; i < 500; ++i) {
      json req = random_request(rng, members);
      if (rng() % 2) req["QueueUrl"] = "http://localhost/000000000000/q";
      try {
        op(req, {});
        ++answered;
      } catch (const emu::aws_error&) {
      } catch (const std::exception& e) {
        FAIL(name << " threw " << e.what() << " for " << req.dump());
      }
    }
  CHECK(answered > 0);
}

TEST_CASE("every DynamoDB operation answers hostile requests with an aws_error") {
  auto rt = emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::dynamo::service db(*rt, "000000000000", "us-east-1");
  db.create_table(json::parse(R"({"TableName": "Tbl", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}]})"));
  std::mt19937 rng(12);
  const std::vector<std::string> members = {"TableName",
                                            "Key",
                                            "Item",
                                            "KeyConditionExpression",
                                            "ExpressionAttributeValues",
                                            "ExpressionAttributeNames",
                                            "Limit",
                                            "ExclusiveStartKey",
                                            "RequestItems",
                                            "TransactItems",
                                            "UpdateExpression",
                                            "ConditionExpression",
                                            "AttributeDefinitions",
                                            "KeySchema",
                                            "Select",
                                            "Segment",
                                            "TotalSegments",
                                            "ReturnValues",
                                            "ResourceArn",
                                            "Tags",
                                            "TimeToLiveSpecification",
                                            "GlobalSecondaryIndexUpdates"};
  for (const auto& [name, op] : emu::dynamo::describe_api(db).operations) {
    if (name == "DeleteTable") continue;  // would remove the table the others use
    for (int i = 0; i < 300; ++i) {
      json req = random_request(rng, members);
      if (rng() % 2) req["TableName"] = "Tbl";
      try {
        op(req, {});
      } catch (const emu::aws_error&) {
      } catch (const std::exception& e) {
        FAIL(name << " threw " << e.what() << " for " << req.dump());
      }
    }
  }
}
