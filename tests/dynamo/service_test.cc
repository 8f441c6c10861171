// The DynamoDB service in process: tables, item writes with conditions, queries on indexes,
// paging, batches, transactions and TTL — the behaviour the wire tests then confirm through
// real SDKs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/value.h"

using emu::json;
using namespace std::chrono_literals;

namespace {

struct fixture {
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::dynamo::service db{*rt, "000000000000", "us-east-1"};
  fixture() {
    db.create_table(json::parse(R"({
      "TableName": "Tbl",
      "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"},
                               {"AttributeName": "G", "AttributeType": "S"}, {"AttributeName": "GS", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
      "BillingMode": "PAY_PER_REQUEST",
      "GlobalSecondaryIndexes": [{"IndexName": "Gix", "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"},
                                  {"AttributeName": "GS", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}]})"));
  }
  void put(const json& plain) { db.put_item({{"TableName", "Tbl"}, {"Item", emu::dynamo::item_from_plain(plain)}}); }
  std::string error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const emu::aws_error& e) {
      return e.type() + ": " + e.message();
    }
    return "";
  }
};

}  // namespace

TEST_CASE("a GSI query finds items in index order and projects KEYS_ONLY") {
  fixture f;
  f.put({{"PK", "a"}, {"SK", "1"}, {"G", "city"}, {"GS", "b"}, {"x", 1}});
  f.put({{"PK", "b"}, {"SK", "1"}, {"G", "city"}, {"GS", "a"}, {"x", 2}});
  f.put({{"PK", "c"}, {"SK", "1"}, {"x", 3}});  // no index key: not in the index
  json r = f.db.query(json::parse(R"({"TableName": "Tbl", "IndexName": "Gix", "KeyConditionExpression": "G = :g",
                                      "ExpressionAttributeValues": {":g": {"S": "city"}}})"));
  REQUIRE(r["Count"] == 2);
  CHECK(emu::dynamo::item_to_plain(r["Items"][0]) == json{{"PK", "b"}, {"SK", "1"}, {"G", "city"}, {"GS", "a"}});
  CHECK(emu::dynamo::item_to_plain(r["Items"][1])["PK"] == "a");
}

TEST_CASE("conditional writes and every ReturnValues option") {
  fixture f;
  f.put({{"PK", "a"}, {"SK", "1"}, {"n", 1}, {"s", "x"}});
  json key = emu::dynamo::item_from_plain({{"PK", "a"}, {"SK", "1"}});
  CHECK(f.error_of([&] {
    f.db.put_item({{"TableName", "Tbl"},
                   {"Item", key},
                   {"ConditionExpression", "attribute_not_exists(PK)"},
                   {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}});
  }) == "ConditionalCheckFailedException: The conditional request failed");
  try {
    f.db.delete_item({{"TableName", "Tbl"},
                      {"Key", key},
                      {"ConditionExpression", "n = :v"},
                      {"ExpressionAttributeValues", {{":v", {{"N", "2"}}}}},
                      {"ReturnValuesOnConditionCheckFailure", "ALL_OLD"}});
    FAIL("no error");
  } catch (const emu::aws_error& e) {
    CHECK(emu::dynamo::item_to_plain(e.details()["Item"])["s"] == "x");
  }
  auto update = [&](const char* rv) {
    return f.db.update_item({{"TableName", "Tbl"},
                             {"Key", key},
                             {"UpdateExpression", "SET n = n + :d"},
                             {"ExpressionAttributeValues", {{":d", {{"N", "1"}}}}},
                             {"ReturnValues", rv}});
  };
  CHECK(update("NONE") == json::object());
  CHECK(emu::dynamo::item_to_plain(update("UPDATED_OLD")["Attributes"]) == json{{"n", 2}});
  CHECK(emu::dynamo::item_to_plain(update("UPDATED_NEW")["Attributes"]) == json{{"n", 4}});
  CHECK(emu::dynamo::item_to_plain(update("ALL_OLD")["Attributes"])["n"] == 4);
  CHECK(emu::dynamo::item_to_plain(update("ALL_NEW")["Attributes"])["s"] == "x");
  CHECK(f.error_of([&] { update("EVERYTHING"); }) ==
        "ValidationException: 1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy "
        "constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
  CHECK(f.error_of([&] {
    f.db.update_item({{"TableName", "Tbl"},
                      {"Key", key},
                      {"UpdateExpression", "SET PK = :v"},
                      {"ExpressionAttributeValues", {{":v", {{"S", "b"}}}}}});
  }) == "ValidationException: One or more parameter values were invalid: Cannot update attribute PK. This attribute is "
        "part of the key");
  json old = f.db.delete_item({{"TableName", "Tbl"}, {"Key", key}, {"ReturnValues", "ALL_OLD"}});
  CHECK(emu::dynamo::item_to_plain(old["Attributes"])["n"] == 6);
  CHECK(f.db.get_item({{"TableName", "Tbl"}, {"Key", key}}) == json::object());
}

TEST_CASE("key and item validation follow AWS") {
  fixture f;
  CHECK(f.error_of([&] {
    f.put({{"PK", "a"}});
  }) == "ValidationException: One or more parameter values were invalid: Missing the key SK in the item");
  CHECK(
      f.error_of([&] {
        f.put({{"PK", 1}, {"SK", "1"}});
      }) ==
      "ValidationException: One or more parameter values were invalid: Type mismatch for key PK expected: S actual: N");
  CHECK(f.error_of([&] {
           f.put({{"PK", ""}, {"SK", "1"}});
         }).find("cannot contain an empty string value. Key: PK") != std::string::npos);
  CHECK(f.error_of([&] {
           f.put({{"PK", "a"}, {"SK", "1"}, {"G", 5}});
         }).find("Type mismatch for Index Key G Expected: S Actual: N IndexName: Gix") != std::string::npos);
  CHECK(f.error_of([&] {
    f.put({{"PK", "a"}, {"SK", "1"}, {"big", std::string(410 * 1024, 'x')}});
  }) == "ValidationException: Item size has exceeded the maximum allowed size");
  CHECK(f.error_of([&] {
    f.db.get_item({{"TableName", "Tbl"}, {"Key", emu::dynamo::item_from_plain({{"PK", "a"}})}});
  }) == "ValidationException: The provided key element does not match the schema");
  CHECK(f.error_of([&] {
    f.db.get_item({{"TableName", "Nope"}, {"Key", emu::dynamo::item_from_plain({{"PK", "a"}})}});
  }) == "ResourceNotFoundException: Requested resource not found");
  // Table names are case-sensitive (DynamoDB Local's SQLite-name bug is not ours).
  CHECK(f.error_of([&] {
    f.db.describe_table({{"TableName", "tbl"}});
  }) == "ResourceNotFoundException: Requested resource not found: Table: tbl not found");
  json t = json::parse(R"({"TableName": "tbl", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
                           "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"})");
  f.db.create_table(t);
  CHECK(f.error_of([&] { f.db.create_table(t); }) == "ResourceInUseException: Table already exists: tbl");
  CHECK(f.db.list_tables(json::object())["TableNames"] == json({"Tbl", "tbl"}));
}

TEST_CASE("query: sort key conditions, direction, Limit paging, filters and COUNT") {
  fixture f;
  for (int i = 0; i < 10; ++i) f.put({{"PK", "p"}, {"SK", "item#" + std::to_string(i)}, {"n", i}});
  f.put({{"PK", "q"}, {"SK", "item#0"}, {"n", 0}});
  auto q = [&](json extra) {
    json r = {{"TableName", "Tbl"},
              {"KeyConditionExpression", "PK = :p AND begins_with(SK, :s)"},
              {"ExpressionAttributeValues", {{":p", {{"S", "p"}}}, {":s", {{"S", "item#"}}}}}};
    for (auto& [k, v] : extra.items()) {
      if (k == "values") {
        for (auto& [vk, vv] : v.items()) r["ExpressionAttributeValues"][vk] = vv;
      } else {
        r[k] = v;
      }
    }
    return f.db.query(r);
  };
  CHECK(q(json::object())["Count"] == 10);
  CHECK(emu::dynamo::item_to_plain(q({{"ScanIndexForward", false}})["Items"][0])["n"] == 9);
  // Paging with Limit: 4 + 4 + 2, each page handing its LastEvaluatedKey to the next.
  std::vector<int> seen;
  json start;
  int pages = 0;
  do {
    json extra = {{"Limit", 4}};
    if (!start.is_null()) extra["ExclusiveStartKey"] = start;
    json r = q(extra);
    for (const auto& it : r["Items"]) seen.push_back(emu::dynamo::item_to_plain(it)["n"].get<int>());
    start = r.value("LastEvaluatedKey", json());
    ++pages;
  } while (!start.is_null() && pages < 10);
  CHECK(seen == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(pages == 3);
  // Filters apply after Limit, as DynamoDB's do: Count counts matches, ScannedCount what was read.
  json filtered = q({{"Limit", 5}, {"FilterExpression", "n > :m"}, {"values", {{":m", {{"N", "2"}}}}}});
  CHECK(filtered["Count"] == 2);
  CHECK(filtered["ScannedCount"] == 5);
  json count = q({{"Select", "COUNT"}});
  CHECK_FALSE(count.contains("Items"));
  CHECK(count["Count"] == 10);
  CHECK(f.error_of([&] {
    f.db.query({{"TableName", "Tbl"},
                {"KeyConditionExpression", "SK = :s"},
                {"ExpressionAttributeValues", {{":s", {{"S", "x"}}}}}});
  }) == "ValidationException: Query condition missed key schema element: PK");
  CHECK(f.error_of([&] {
    f.db.query({{"TableName", "Tbl"},
                {"KeyConditionExpression", "PK = :p OR SK = :s"},
                {"ExpressionAttributeValues", {{":s", {{"S", "x"}}}, {":p", {{"S", "x"}}}}}});
  }) == "ValidationException: Invalid operator used in KeyConditionExpression: OR");
  CHECK(f.error_of([&] {
           q({{"Limit", 0}});
         }).find("Member must have value greater than or equal to 1") != std::string::npos);
}

TEST_CASE("pages stop at 1 MB") {
  fixture f;
  std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 25; ++i) f.put({{"PK", "p"}, {"SK", std::to_string(100 + i)}, {"b", blob}});
  json r = f.db.query({{"TableName", "Tbl"},
                       {"KeyConditionExpression", "PK = :p"},
                       {"ExpressionAttributeValues", {{":p", {{"S", "p"}}}}}});
  CHECK(r["Count"] == 11);  // the 11th item crosses 1 MB
  CHECK(r.contains("LastEvaluatedKey"));
  json s = f.db.scan({{"TableName", "Tbl"}, {"Select", "COUNT"}, {"ExclusiveStartKey", r["LastEvaluatedKey"]}});
  CHECK(s["Count"] == 11);
}

TEST_CASE("parallel scan segments partition the table") {
  fixture f;
  for (int i = 0; i < 50; ++i) f.put({{"PK", "p" + std::to_string(i)}, {"SK", "x"}});
  std::size_t total = 0;
  for (int seg = 0; seg < 4; ++seg)
    total += f.db.scan({{"TableName", "Tbl"}, {"Segment", seg}, {"TotalSegments", 4}})["Count"].get<std::size_t>();
  CHECK(total == 50);
  CHECK(f.error_of([&] {
    f.db.scan({{"TableName", "Tbl"}, {"Segment", 4}, {"TotalSegments", 4}});
  }) == "ValidationException: The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: 4 is not less than TotalSegments: 4");
}

TEST_CASE("batches: limits, duplicates, all-or-nothing validation") {
  fixture f;
  json writes = json::array();
  for (int i = 0; i < 26; ++i)
    writes.push_back(
        {{"PutRequest", {{"Item", emu::dynamo::item_from_plain({{"PK", std::to_string(i)}, {"SK", "s"}})}}}});
  CHECK(f.error_of([&] {
    f.db.batch_write_item({{"RequestItems", {{"Tbl", writes}}}});
  }) == "ValidationException: 1 validation error detected: Value at 'RequestItems.Tbl.member' failed to satisfy "
        "constraint: Member must have length less than or equal to 25");
  writes.erase(writes.end() - 1);
  writes[24]["PutRequest"]["Item"]["PK"] = {{"N", "1"}};  // one bad item: nothing is written
  CHECK_FALSE(f.error_of([&] { f.db.batch_write_item({{"RequestItems", {{"Tbl", writes}}}}); }).empty());
  CHECK(f.db.scan({{"TableName", "Tbl"}})["Count"] == 0);
  writes[24]["PutRequest"]["Item"]["PK"] = {{"S", "24"}};
  CHECK(f.db.batch_write_item({{"RequestItems", {{"Tbl", writes}}}}) == json{{"UnprocessedItems", json::object()}});
  json keys = json::array();
  for (int i = 0; i < 3; ++i) keys.push_back(emu::dynamo::item_from_plain({{"PK", std::to_string(i)}, {"SK", "s"}}));
  json got = f.db.batch_get_item({{"RequestItems", {{"Tbl", {{"Keys", keys}, {"ProjectionExpression", "PK"}}}}}});
  CHECK(got["Responses"]["Tbl"].size() == 3);
  CHECK(got["Responses"]["Tbl"][0].size() == 1);
  keys.push_back(keys[0]);
  CHECK(f.error_of([&] {
    f.db.batch_get_item({{"RequestItems", {{"Tbl", {{"Keys", keys}}}}}});
  }) == "ValidationException: Provided list of item keys contains duplicates");
}

TEST_CASE("transactions cancel with reasons, write all or nothing, and honour idempotency tokens") {
  fixture f;
  f.put({{"PK", "a"}, {"SK", "1"}, {"n", 1}});
  json ok_put = {{"Put", {{"TableName", "Tbl"}, {"Item", emu::dynamo::item_from_plain({{"PK", "b"}, {"SK", "1"}})}}}};
  json failing_check = {{"ConditionCheck",
                         {{"TableName", "Tbl"},
                          {"Key", emu::dynamo::item_from_plain({{"PK", "a"}, {"SK", "1"}})},
                          {"ConditionExpression", "n > :v"},
                          {"ExpressionAttributeValues", {{":v", {{"N", "5"}}}}}}}};
  try {
    f.db.transact_write_items({{"TransactItems", {ok_put, failing_check}}});
    FAIL("no error");
  } catch (const emu::aws_error& e) {
    CHECK(e.type() == "TransactionCanceledException");
    CHECK(
        e.message() ==
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]");
    CHECK(e.details()["CancellationReasons"][1]["Code"] == "ConditionalCheckFailed");
  }
  CHECK(f.db.scan({{"TableName", "Tbl"}})["Count"] == 1);  // the Put did not happen
  json add = {{"Update",
               {{"TableName", "Tbl"},
                {"Key", emu::dynamo::item_from_plain({{"PK", "a"}, {"SK", "1"}})},
                {"UpdateExpression", "ADD n :one"},
                {"ExpressionAttributeValues", {{":one", {{"N", "1"}}}}}}}};
  json req = {{"TransactItems", {ok_put, add}}, {"ClientRequestToken", "tok-1"}};
  f.db.transact_write_items(req);
  f.db.transact_write_items(req);  // the same token again: not applied twice
  json a = f.db.get_item({{"TableName", "Tbl"}, {"Key", emu::dynamo::item_from_plain({{"PK", "a"}, {"SK", "1"}})}});
  CHECK(emu::dynamo::item_to_plain(a["Item"])["n"] == 2);
  req["TransactItems"].erase(0);
  CHECK(f.error_of([&] { f.db.transact_write_items(req); }).rfind("IdempotentParameterMismatchException", 0) == 0);
  CHECK(f.error_of([&] {
    f.db.transact_write_items({{"TransactItems", {add, add}}});
  }) == "ValidationException: Transaction request cannot include multiple operations on one item");
  json get = f.db.transact_get_items(
      {{"TransactItems",
        {{{"Get", {{"TableName", "Tbl"}, {"Key", emu::dynamo::item_from_plain({{"PK", "b"}, {"SK", "1"}})}}}},
         {{"Get", {{"TableName", "Tbl"}, {"Key", emu::dynamo::item_from_plain({{"PK", "z"}, {"SK", "1"}})}}}}}}});
  CHECK(get["Responses"][0].contains("Item"));
  CHECK(get["Responses"][1] == json::object());
}

TEST_CASE("TTL deletes expired items on the virtual clock") {
  fixture f;
  f.db.update_time_to_live(
      {{"TableName", "Tbl"}, {"TimeToLiveSpecification", {{"AttributeName", "exp"}, {"Enabled", true}}}});
  std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(f.rt->clock().now().time_since_epoch()).count();
  f.put({{"PK", "soon"}, {"SK", "1"}, {"exp", now + 30}});
  f.put({{"PK", "later"}, {"SK", "1"}, {"exp", now + 3600}});
  f.put({{"PK", "text"}, {"SK", "1"}, {"exp", "not a number"}});
  f.rt->sched().advance(2min);
  CHECK(f.db.scan({{"TableName", "Tbl"}})["Count"] == 2);
  CHECK(f.db.describe_time_to_live({{"TableName", "Tbl"}})["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED");
  CHECK(f.error_of([&] {
    f.db.update_time_to_live(
        {{"TableName", "Tbl"}, {"TimeToLiveSpecification", {{"AttributeName", "exp"}, {"Enabled", true}}}});
  }) == "ValidationException: TimeToLive is already enabled");
}

TEST_CASE("adding a GSI backfills it; deleting it drops it") {
  fixture f;
  f.put({{"PK", "a"}, {"SK", "1"}, {"city", "Oslo"}});
  f.put({{"PK", "b"}, {"SK", "1"}});
  f.db.update_table(
      json::parse(R"({"TableName": "Tbl", "AttributeDefinitions": [{"AttributeName": "city", "AttributeType": "S"}],
    "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "ByCity", "KeySchema": [{"AttributeName": "city", "KeyType": "HASH"}],
    "Projection": {"ProjectionType": "ALL"}}}]})"));
  json r = f.db.query({{"TableName", "Tbl"},
                       {"IndexName", "ByCity"},
                       {"KeyConditionExpression", "city = :c"},
                       {"ExpressionAttributeValues", {{":c", {{"S", "Oslo"}}}}}});
  CHECK(r["Count"] == 1);
  f.db.update_table(
      json::parse(R"({"TableName": "Tbl", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "ByCity"}}]})"));
  CHECK(f.error_of([&] {
    f.db.query({{"TableName", "Tbl"},
                {"IndexName", "ByCity"},
                {"KeyConditionExpression", "city = :c"},
                {"ExpressionAttributeValues", {{":c", {{"S", "Oslo"}}}}}});
  }) == "ValidationException: The table does not have the specified index: ByCity");
}

TEST_CASE("a data directory keeps tables and items across restarts") {
  auto dir = std::filesystem::temp_directory_path() / ("emu-dynamo-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto rt = emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  {
    emu::dynamo::service db{*rt, "000000000000", "us-east-1", dir.string()};
    db.create_table(
        json::parse(R"({"TableName": "Keep", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "N"}],
      "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"})"));
    db.put_item({{"TableName", "Keep"}, {"Item", {{"k", {{"N", "1.50"}}}, {"v", {{"S", "x"}}}}}});
  }
  emu::dynamo::service db{*rt, "000000000000", "us-east-1", dir.string()};
  json r = db.get_item({{"TableName", "Keep"}, {"Key", {{"k", {{"N", "1.5"}}}}}});
  CHECK(r["Item"]["v"]["S"] == "x");
  std::filesystem::remove_all(dir);
}

TEST_CASE("legacy parameters: Expected, AttributeUpdates, KeyConditions, QueryFilter, AttributesToGet") {
  fixture f;
  for (int i = 0; i < 5; ++i)
    f.put({{"PK", "p"}, {"SK", "s" + std::to_string(i)}, {"n", i}, {"tag", i % 2 ? "odd" : "even"}});
  json key = emu::dynamo::item_from_plain({{"PK", "p"}, {"SK", "s1"}});
  CHECK(f.error_of([&] {
    f.db.put_item({{"TableName", "Tbl"}, {"Item", key}, {"Expected", {{"PK", {{"Exists", false}}}}}});
  }) == "ConditionalCheckFailedException: The conditional request failed");
  f.db.update_item(
      {{"TableName", "Tbl"},
       {"Key", key},
       {"AttributeUpdates", {{"n", {{"Action", "ADD"}, {"Value", {{"N", "10"}}}}}, {"tag", {{"Action", "DELETE"}}}}},
       {"Expected", {{"n", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {{{"N", "1"}}}}}}}}});
  json got = f.db.get_item({{"TableName", "Tbl"}, {"Key", key}, {"AttributesToGet", {"n", "tag"}}});
  CHECK(emu::dynamo::item_to_plain(got["Item"]) == json{{"n", 11}});
  json q = f.db.query(
      {{"TableName", "Tbl"},
       {"KeyConditions",
        {{"PK", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {{{"S", "p"}}}}}},
         {"SK", {{"ComparisonOperator", "BETWEEN"}, {"AttributeValueList", {{{"S", "s1"}}, {{"S", "s3"}}}}}}}},
       {"QueryFilter", {{"tag", {{"ComparisonOperator", "EQ"}, {"AttributeValueList", {{{"S", "odd"}}}}}}}}});
  CHECK(q["Count"] == 1);  // s1 lost its tag; s3 is odd
  CHECK(q["ScannedCount"] == 3);
  CHECK(
      f.error_of([&] {
         f.db.get_item({{"TableName", "Tbl"}, {"Key", key}, {"AttributesToGet", {"n"}}, {"ProjectionExpression", "n"}});
       }).find("Can not use both expression and non-expression parameters in the same request") != std::string::npos);
}
