// A table stream's event source mapping in process, in virtual time: Lambda's event shape,
// order, retries that hold back the records behind them, bisection, partial batch responses,
// filters, max_retries and max_record_age with their on-failure records, and the checkpoint.
#include <catch2/catch.hpp>

#include "emulator/core/time_format.h"
#include "emulator/dynamo/stream_mapping.h"
#include "emulator/dynamo/value.h"

using emu::json;
using namespace std::chrono_literals;

namespace {

struct fixture {
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::dynamo::service db{*rt, "000000000000", "us-east-1"};
  std::vector<json> events;    // what the function was given
  std::vector<json> failures;  // on-failure records
  fixture() {
    db.create_table(json::parse(R"({"TableName": "Tab", "BillingMode": "PAY_PER_REQUEST",
      "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
      "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})"));
  }
  void put(const std::string& k, int v = 0) {
    db.put_item({{"TableName", "Tab"}, {"Item", {{"k", {{"S", k}}}, {"v", {{"N", std::to_string(v)}}}}}});
  }
  emu::dynamo::stream_mapping_config config() {
    emu::dynamo::stream_mapping_config c;
    c.table = "Tab";
    c.function = "F";
    c.function_arn = "arn:aws:lambda:us-east-1:000000000000:function:F";
    c.starting_position = "TRIM_HORIZON";
    c.batch_size = 10;
    return c;
  }
  std::unique_ptr<emu::dynamo::stream_mapping> mapping(emu::dynamo::stream_mapping_config c,
                                                       std::function<json(const json&)> fn,
                                                       emu::dynamo::stream_mapping::filter_fn filter = {}) {
    return std::make_unique<emu::dynamo::stream_mapping>(
        *rt, db, std::move(c),
        [this, fn](const json& e) {
          events.push_back(e);
          return fn(e);
        },
        std::move(filter), [this](const json& r) { failures.push_back(r); });
  }
  static std::vector<std::string> keys(const json& event) {
    std::vector<std::string> out;
    for (const auto& r : event["Records"]) out.push_back(r["dynamodb"]["Keys"]["k"]["S"]);
    return out;
  }
};

json ok(const json&) { return json::object(); }

}  // namespace

TEST_CASE("stream mapping: Lambda's event, in order, in batches of at most batch_size") {
  fixture f;
  f.put("before");
  auto m = f.mapping(f.config(), ok);
  for (int i = 0; i < 12; ++i) f.put("k" + std::to_string(i));
  f.rt->sched().run_until_idle();
  std::vector<std::string> all;
  for (const auto& e : f.events) {
    CHECK(e["Records"].size() <= 10);
    CHECK(e["Records"][0]["eventSourceARN"] == f.db.stream_arn("Tab"));
    for (const auto& k : fixture::keys(e)) all.push_back(k);
  }
  std::vector<std::string> expected = {"before"};
  for (int i = 0; i < 12; ++i) expected.push_back("k" + std::to_string(i));
  CHECK(all == expected);  // TRIM_HORIZON: from the oldest record, in order
  const json& first = f.events.at(0)["Records"][0];
  CHECK(first["eventSource"] == "aws:dynamodb");
  CHECK(first["eventName"] == "INSERT");
  CHECK(first["eventVersion"] == "1.1");
  CHECK(first["dynamodb"]["StreamViewType"] == "NEW_IMAGE");
  CHECK(first["dynamodb"]["NewImage"]["v"]["N"] == "0");
}

TEST_CASE("stream mapping: LATEST starts after the records already there") {
  fixture f;
  f.put("before");
  auto c = f.config();
  c.starting_position = "LATEST";
  auto m = f.mapping(c, ok);
  f.put("after");
  f.rt->sched().run_until_idle();
  REQUIRE(f.events.size() == 1);
  CHECK(fixture::keys(f.events[0]) == std::vector<std::string>{"after"});
}

TEST_CASE("stream mapping: a failing batch is retried and holds back the records behind it") {
  fixture f;
  int calls = 0;
  auto m = f.mapping(f.config(), [&](const json& e) -> json {
    ++calls;
    if (calls <= 2) throw std::runtime_error("boom");
    return ok(e);
  });
  f.put("a");
  f.rt->sched().run_until_idle();  // the first attempt fails; the retry waits for its backoff
  REQUIRE(f.events.size() == 1);
  f.put("b");
  f.rt->sched().run_until_idle();
  CHECK(f.events.size() == 1);  // "b" waits behind the failed batch
  f.rt->sched().advance(5min);
  REQUIRE(f.events.size() == 3);
  CHECK(fixture::keys(f.events[1]) == std::vector<std::string>{"a", "b"});  // retried with what came after
  CHECK(fixture::keys(f.events[2]) == std::vector<std::string>{"a", "b"});
  CHECK(f.failures.empty());
}

TEST_CASE("stream mapping: max_retries gives up with Lambda's on-failure record, then reads on") {
  fixture f;
  auto c = f.config();
  c.max_retries = 1;
  auto m = f.mapping(c, [](const json& e) -> json {
    for (const auto& r : e["Records"])
      if (r["dynamodb"]["Keys"]["k"]["S"] == "bad") throw std::runtime_error("bad record");
    return json::object();
  });
  f.put("bad");
  f.rt->sched().advance(10min);
  f.put("good");
  f.rt->sched().advance(10min);
  REQUIRE(f.failures.size() == 1);
  const json& r = f.failures[0];
  CHECK(r["requestContext"]["condition"] == "RetryAttemptsExhausted");
  CHECK(r["requestContext"]["approximateInvokeCount"] == 2);
  CHECK(r["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:F");
  CHECK(r["DDBStreamBatchInfo"]["batchSize"] == 1);
  CHECK(r["DDBStreamBatchInfo"]["streamArn"] == f.db.stream_arn("Tab"));
  CHECK(r["DDBStreamBatchInfo"]["startSequenceNumber"] == r["DDBStreamBatchInfo"]["endSequenceNumber"]);
  CHECK(fixture::keys(f.events.back()) == std::vector<std::string>{"good"});
}

TEST_CASE("stream mapping: bisect_on_error narrows a failing batch down to the bad record") {
  fixture f;
  auto c = f.config();
  c.bisect_on_error = true;
  c.max_retries = 0;
  auto m = f.mapping(c, [](const json& e) -> json {
    for (const auto& r : e["Records"])
      if (r["dynamodb"]["Keys"]["k"]["S"] == "k2") throw std::runtime_error("bad record");
    return json::object();
  });
  for (int i = 0; i < 4; ++i) f.put("k" + std::to_string(i));
  f.rt->sched().advance(10min);
  // Halving is not a retry: only k2, alone, is given up (max_retries 0); the rest get through.
  using keys = std::vector<std::string>;
  std::vector<keys> batches;
  for (const auto& e : f.events) batches.push_back(fixture::keys(e));
  CHECK(batches == std::vector<keys>{{"k0", "k1", "k2", "k3"}, {"k0", "k1"}, {"k2", "k3"}, {"k2"}, {"k3"}});
  REQUIRE(f.failures.size() == 1);
  CHECK(f.failures[0]["DDBStreamBatchInfo"]["batchSize"] == 1);
}

TEST_CASE("stream mapping: a partial batch response resumes from the lowest failed record") {
  fixture f;
  auto c = f.config();
  c.report_batch_item_failures = true;
  int calls = 0;
  auto m = f.mapping(c, [&](const json& e) -> json {
    if (++calls > 1) return json::object();
    return {{"batchItemFailures", {{{"itemIdentifier", e["Records"][1]["dynamodb"]["SequenceNumber"]}}}}};
  });
  for (const char* k : {"a", "b", "c"}) f.put(k);
  f.rt->sched().advance(5min);
  REQUIRE(f.events.size() == 2);
  CHECK(fixture::keys(f.events[0]) == std::vector<std::string>{"a", "b", "c"});
  CHECK(fixture::keys(f.events[1]) == std::vector<std::string>{"b", "c"});
}

TEST_CASE("stream mapping: filtered records are never sent; old records go to on-failure") {
  fixture f;
  auto c = f.config();
  c.max_record_age = 2min;
  c.enabled = true;
  auto m = f.mapping(c, ok, [](const json& r) { return r["dynamodb"]["NewImage"]["v"]["N"] != "0"; });
  f.put("zero", 0);
  f.put("one", 1);
  f.rt->sched().run_until_idle();
  REQUIRE(f.events.size() == 1);
  CHECK(fixture::keys(f.events[0]) == std::vector<std::string>{"one"});

  fixture g;
  auto stuck = g.config();
  stuck.max_record_age = 2min;
  int calls = 0;
  auto m2 = g.mapping(stuck, [&](const json& e) -> json {
    if (++calls < 100) throw std::runtime_error("down");
    return ok(e);
  });
  g.put("late");
  g.rt->sched().advance(10min);
  REQUIRE(g.failures.size() == 1);
  CHECK(g.failures[0]["requestContext"]["condition"] == "RecordAgeExceeded");
}

TEST_CASE("stream mapping: the checkpoint is kept, so a new mapping of the same name reads on") {
  fixture f;
  {
    auto m = f.mapping(f.config(), ok);
    f.put("a");
    f.rt->sched().run_until_idle();
  }
  f.put("b");
  auto again = f.mapping(f.config(), ok);
  f.rt->sched().run_until_idle();
  REQUIRE(f.events.size() == 2);
  CHECK(fixture::keys(f.events[1]) == std::vector<std::string>{"b"});
}
