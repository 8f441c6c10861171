// The DynamoDB service in process: tables, item writes with conditions, queries on indexes,
// paging, batches, transactions and TTL — the behaviour the wire tests then confirm through
// real SDKs.
#include <catch2/catch.hpp>

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
