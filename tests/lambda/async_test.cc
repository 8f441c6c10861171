// Lambda's asynchronous invocation in virtual time: retries of function errors one and two
// minutes apart, the event age limit, destinations with the invocation record, the dead-letter
// queue with Lambda's attributes, and throttles retried with backoff.
#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/functions/registry.h"

namespace {

struct sent {
  std::string arn;
  emu::json payload, attributes;
};

struct fixture {
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::functions::registry reg{*rt};
  std::vector<sent> out;
  std::vector<emu::instant> calls;
  int failures = 0;  // the next invocations that fail

  fixture() {
    reg.add("Worker-dev", [this](const emu::json& e, const emu::functions::context&) {
      calls.push_back(rt->clock().now());
      if (failures > 0) {
        --failures;
        throw std::runtime_error("worker failed");
      }
      return emu::json{{"done", e}};
    });
    reg.set_async_sender([this](const std::string& arn, const emu::json& p, const emu::json& a, const std::string&) {
      out.push_back({arn, p, a});
    });
  }
  long long seconds_after_start(std::size_t i) const {
    return std::chrono::duration_cast<std::chrono::seconds>(calls.at(i) - calls.at(0)).count();
  }
};

}  // namespace

TEST_CASE("lambda async: a function error is retried twice, 1 and 2 minutes later, then dead-lettered", "[lambda]") {
  fixture f;
  emu::functions::async_config c;
  c.dead_letter_queue = "arn:aws:sqs:us-east-1:000000000000:dlq-dev";
  f.reg.set_async_config("Worker-dev", c);
  f.failures = 10;
  std::string id = f.reg.invoke_async("Worker-dev", {{"n", 1}});
  CHECK(f.calls.empty());  // queued: it runs as a task
  f.rt->sched().advance(std::chrono::hours(1));
  REQUIRE(f.calls.size() == 3);
  CHECK(f.seconds_after_start(1) == 60);
  CHECK(f.seconds_after_start(2) == 180);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].arn == c.dead_letter_queue);
  CHECK(f.out[0].payload == emu::json{{"n", 1}});
  CHECK(f.out[0].attributes == emu::json{{"RequestID", {{"DataType", "String"}, {"StringValue", id}}},
                                         {"ErrorCode", {{"DataType", "Number"}, {"StringValue", "200"}}},
                                         {"ErrorMessage", {{"DataType", "String"}, {"StringValue", "worker failed"}}}});
}

TEST_CASE("lambda async: the on-failure destination gets the invocation record, not the DLQ", "[lambda]") {
  fixture f;
  emu::functions::async_config c;
  c.max_retries = 1;
  c.on_failure = "arn:aws:events:us-east-1:000000000000:event-bus/failures-dev";
  c.dead_letter_queue = "arn:aws:sqs:us-east-1:000000000000:dlq-dev";
  f.reg.set_async_config("Worker-dev", c);
  f.failures = 10;
  std::string id = f.reg.invoke_async("Worker-dev", {{"n", 2}});
  f.rt->sched().advance(std::chrono::hours(1));
  CHECK(f.calls.size() == 2);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].arn == c.on_failure);
  const emu::json& r = f.out[0].payload;
  CHECK(r["version"] == "1.0");
  CHECK(r["timestamp"] == "2024-12-01T00:01:00.000Z");
  CHECK(r["requestContext"] ==
        emu::json{{"requestId", id},
                  {"functionArn", "arn:aws:lambda:us-east-1:000000000000:function:Worker-dev:$LATEST"},
                  {"condition", "RetriesExhausted"},
                  {"approximateInvokeCount", 2}});
  CHECK(r["requestPayload"] == emu::json{{"n", 2}});
  CHECK(r["responseContext"] ==
        emu::json{{"statusCode", 200}, {"executedVersion", "$LATEST"}, {"functionError", "Unhandled"}});
  CHECK(r["responsePayload"] == emu::json{{"errorMessage", "worker failed"}, {"errorType", "Error"}});
}

TEST_CASE("lambda async: success goes to on-success; no retries when max_retries is 0", "[lambda]") {
  fixture f;
  emu::functions::async_config c;
  c.max_retries = 0;
  c.on_success = "arn:aws:sqs:us-east-1:000000000000:ok-dev";
  f.reg.set_async_config("Worker-dev", c);
  f.reg.invoke_async("Worker-dev", {{"n", 3}});
  f.rt->sched().run_until_idle();
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].payload["requestContext"]["condition"] == "Success");
  CHECK(f.out[0].payload["responsePayload"] == emu::json{{"done", {{"n", 3}}}});
  CHECK_FALSE(f.out[0].payload["responseContext"].contains("functionError"));

  f.out.clear();
  f.failures = 1;
  f.reg.invoke_async("Worker-dev", {{"n", 4}});
  f.rt->sched().advance(std::chrono::hours(1));
  CHECK(f.calls.size() == 2);  // one each: the failure is not retried
  CHECK(f.out.empty());        // nowhere to go: dropped, as Lambda does
}

TEST_CASE("lambda async: an event older than max_event_age is not retried again", "[lambda]") {
  fixture f;
  emu::functions::async_config c;
  c.max_event_age = std::chrono::seconds(90);  // the 2-minute wait for the third attempt is too long
  c.on_failure = "arn:aws:sqs:us-east-1:000000000000:failed-dev";
  f.reg.set_async_config("Worker-dev", c);
  f.failures = 10;
  f.reg.invoke_async("Worker-dev", {{"n", 5}});
  f.rt->sched().advance(std::chrono::hours(1));
  CHECK(f.calls.size() == 2);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].payload["requestContext"]["condition"] == "EventAgeExceeded");
}

TEST_CASE("lambda async: an unknown function is refused before anything is queued", "[lambda]") {
  fixture f;
  CHECK_THROWS_AS(f.reg.invoke_async("Nope-dev", emu::json::object()), emu::aws_error);
  CHECK(f.rt->sched().pending() == 0);
}

TEST_CASE("lambda async: a throttled invocation goes back to the queue with backoff, not counted", "[lambda]") {
  fixture f;
  int throttles = 3;
  f.reg.add("Busy-dev", [&](const emu::json& e, const emu::functions::context&) {
    f.calls.push_back(f.rt->clock().now());
    if (throttles-- > 0) throw emu::aws_error("TooManyRequestsException", "Rate Exceeded.", 429);
    return e;
  });
  emu::functions::async_config c;
  c.max_retries = 0;  // throttles are not attempts: the event still runs once it gets through
  c.on_success = "arn:aws:sqs:us-east-1:000000000000:ok-dev";
  f.reg.set_async_config("Busy-dev", c);
  f.reg.invoke_async("Busy-dev", {{"n", 6}});
  f.rt->sched().advance(std::chrono::minutes(1));
  REQUIRE(f.calls.size() == 4);
  CHECK(f.seconds_after_start(1) == 1);  // 1 s, then 2 s, then 4 s
  CHECK(f.seconds_after_start(2) == 3);
  CHECK(f.seconds_after_start(3) == 7);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].payload["requestContext"]["approximateInvokeCount"] == 1);
}
