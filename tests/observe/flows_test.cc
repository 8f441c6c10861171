// Flows (emulator/observe/flows.h): the dashboard's list of traces, followed incrementally.
#include <catch2/catch.hpp>

#include "emulator/core/time_format.h"
#include "emulator/observe/flows.h"

using namespace std::chrono_literals;

TEST_CASE("flows: one per trace id, summarised by its first entry, updated incrementally", "[observe][flows]") {
  emu::manual_clock clock(*emu::parse_iso8601("2024-12-01T00:00:00Z"));
  emu::trace_recorder t(clock, 100);
  emu::observe::flow_tracker tracker(2);
  CHECK(tracker.update(t, 10).empty());

  t.record("gateway.request", "gateway", {{"stage", "dev"}, {"method", "GET"}, {"path", "/restaurants"}}, "a");
  t.record("sqs.send", "sqs", {{"queue", "q"}});  // no trace id: part of no flow
  clock.advance(1s);
  t.record("event.put", "bus", {{"detail-type", "RESTAURANT_IMPORT"}, {"source", "import"}}, "b");
  t.record("invoke.error", "functions", {}, "a");
  auto first = tracker.update(t, 10);
  REQUIRE(first.size() == 2);
  CHECK(first[0].trace_id == "a");  // newest change first
  CHECK(first[0].summary == "GET /restaurants (dev)");
  CHECK(first[0].entries == 2);
  CHECK(first[0].errors == 1);
  CHECK(first[1].summary == "event RESTAURANT_IMPORT from import");
  CHECK(emu::observe::to_json(first[1])["started"] == "2024-12-01T00:00:01.000Z");

  CHECK(tracker.update(t, 10).empty());  // nothing new
  t.record("action.request", "outbox", {{"action", "createReview"}}, "c");
  t.record("dynamodb.put", "dynamodb", {}, "b");
  auto next = tracker.update(t, 1);  // at most one: the newest change
  REQUIRE(next.size() == 1);
  CHECK(next[0].trace_id == "b");
  CHECK(next[0].entries == 2);
  // Only two flows are remembered: "a", updated longest ago, is forgotten and starts afresh.
  t.record("gateway.response", "gateway", {}, "a");
  auto again = tracker.update(t, 10);
  REQUIRE(again.size() == 1);
  CHECK(again[0].entries == 1);
  CHECK(again[0].kind == "gateway.response");
}
