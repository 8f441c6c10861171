// The EventBridge service in process: PutEvents validation, delivery timing in virtual time,
// retries bounded by event age, bus-to-bus targets and disabled rules.
#include <catch2/catch.hpp>

#include "emulator/bus/service.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"

using emu::json;
using namespace std::chrono_literals;

namespace {

struct fixture {
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  emu::bus::service bus{*rt, "000000000000", "us-east-1"};
  std::vector<std::pair<std::string, json>> delivered;
  int fail = 0;
  fixture() {
    bus.set_delivery("lambda",
                     [this](const std::string& arn, const emu::shared_json& payload, const json&, const std::string&) {
                       if (fail > 0) {
                         --fail;
                         throw std::runtime_error("function error");
                       }
                       delivered.emplace_back(arn, *payload);
                     });
    bus.put_rule({{"Name", "r"}, {"EventPattern", R"({"source": ["s"]})"}});
  }
  void target(json extra = json::object()) {
    json t = {{"Id", "f"}, {"Arn", "arn:aws:lambda:us-east-1:000000000000:function:f"}};
    for (auto& [k, v] : extra.items()) t[k] = v;
    bus.put_targets({{"Rule", "r"}, {"Targets", {t}}});
  }
  json put(const std::string& source = "s") {
    return bus.put_events({{"Entries", {{{"Source", source}, {"DetailType", "d"}, {"Detail", R"({"k": 1})"}}}}});
  }
};

}  // namespace

TEST_CASE("bus: delivery is a scheduled task, not part of PutEvents", "[bus][service]") {
  fixture f;
  f.target();
  auto r = f.put();
  CHECK(r["FailedEntryCount"] == 0);
  CHECK(f.delivered.empty());
  f.rt->sched().run_until_idle();
  REQUIRE(f.delivered.size() == 1);
  CHECK(f.delivered[0].second["id"] == r["Entries"][0]["EventId"]);
  CHECK(f.delivered[0].second["detail"] == json{{"k", 1}});
  f.put("other");
  f.rt->sched().run_until_idle();
  CHECK(f.delivered.size() == 1);
}

TEST_CASE("bus: Input and InputPath replace the event", "[bus][service]") {
  fixture f;
  f.target({{"InputPath", "$.detail.k"}});
  f.put();
  f.rt->sched().run_until_idle();
  CHECK(f.delivered.at(0).second == json(1));
  f.target({{"Input", R"({"fixed": true})"}});
  f.put();
  f.rt->sched().run_until_idle();
  CHECK(f.delivered.at(1).second == json{{"fixed", true}});
  f.target({{"InputTransformer",
             {{"InputPathsMap", {{"k", "$.detail.k"}}}, {"InputTemplate", "k is <k> in <aws.events.rule-name>"}}}});
  f.put();
  f.rt->sched().run_until_idle();
  CHECK(f.delivered.at(2).second == json("k is 1 in r"));
}

// MaximumEventAgeInSeconds ends retries even when attempts remain.
TEST_CASE("bus: retries stop at the maximum event age", "[bus][service]") {
  fixture f;
  f.target({{"RetryPolicy", {{"MaximumRetryAttempts", 185}, {"MaximumEventAgeInSeconds", 60}}}});
  f.fail = 1000;
  f.put();
  f.rt->sched().advance(1h);
  CHECK(f.delivered.empty());
  CHECK(f.rt->sched().pending() == 0);
  bool dropped = false;
  for (const auto& e : f.rt->trace().since(0))
    if (e.kind == "delivery.dropped") {
      dropped = true;
      CHECK(e.data()["attributes"]["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds");
    }
  CHECK(dropped);
  CHECK(f.bus.metrics()["default"]["rules"]["r"]["dropped"] == 1);
}

TEST_CASE("bus: a bus target re-routes the event; disabled rules do not match", "[bus][service]") {
  fixture f;
  f.bus.create_event_bus({{"Name", "second"}});
  f.bus.put_targets({{"Rule", "r"}, {"Targets", {{{"Id", "b"}, {"Arn", f.bus.bus_arn("second")}}}}});
  f.put();
  f.rt->sched().run_until_idle();
  REQUIRE(f.bus.events("second").size() == 1);
  CHECK((*f.bus.events("second")[0].event->doc())["source"] == "s");
  f.bus.disable_rule({{"Name", "r"}});
  f.put();
  f.rt->sched().run_until_idle();
  CHECK(f.bus.events("second").size() == 1);
}

TEST_CASE("bus: PutEvents validation in AWS's words", "[bus][service]") {
  fixture f;
  CHECK_THROWS_AS(f.bus.put_events({{"Entries", json::array()}}), emu::aws_error);
  auto r =
      f.bus.put_events({{"Entries",
                         {{{"Source", "aws.s3"}, {"DetailType", "d"}, {"Detail", "{}"}},
                          {{"Source", "s"}, {"DetailType", "d"}, {"Detail", "[]"}},
                          {{"Source", "s"}, {"DetailType", "d"}, {"Detail", "{}"}, {"EventBusName", "missing"}}}}});
  CHECK(r["FailedEntryCount"] == 2);
  CHECK(r["Entries"][0]["ErrorCode"] == "NotAuthorizedForSourceException");
  CHECK(r["Entries"][1]["ErrorMessage"] == "Detail is malformed.");
  CHECK(r["Entries"][2].contains("EventId"));  // a missing bus drops the event, as AWS does
  try {
    f.bus.put_rule({{"Name", "bad name!"}, {"EventPattern", "{}"}});
    FAIL("expected a ValidationException");
  } catch (const emu::aws_error& e) {
    CHECK(e.type() == "ValidationException");
    CHECK_THAT(e.message(), Catch::Contains("Member must satisfy regular expression pattern"));
  }
}

// A built-in handler puts its Detail as a document: the same event, checked the same way, as
// PutEvents of the document's text.
TEST_CASE("bus: put_entry with a Detail document is PutEvents of its text", "[bus][service]") {
  fixture f;
  f.target();
  json detail = {{"k", 1}, {"trace_id", "t-1"}, {"nested", {{"a", {1.5, "x", nullptr}}}}};
  f.bus.put_one("default", {{"Source", "s"}, {"DetailType", "d"}, {"Detail", detail.dump()}});
  auto r = f.bus.put_entry("default", {{"Source", "s"}, {"DetailType", "d"}}, detail);
  REQUIRE(r.contains("EventId"));
  f.rt->sched().run_until_idle();
  REQUIRE(f.delivered.size() == 2);
  for (auto* k : {"version", "detail-type", "source", "account", "time", "region", "resources", "detail"})
    CHECK(f.delivered[0].second[k].dump() == f.delivered[1].second[k].dump());
  const auto& kept = f.bus.events("default");
  REQUIRE(kept.size() == 2);
  CHECK(kept[1].trace_id == "t-1");  // the detail's trace_id, as for text
  CHECK(f.bus.put_entry("default", {{"Source", "s"}, {"DetailType", "d"}}, json::array())["ErrorMessage"] ==
        "Detail is malformed.");
  CHECK(f.bus.put_entry("default", {{"Source", "aws.s3"}, {"DetailType", "d"}}, json::object())["ErrorCode"] ==
        "NotAuthorizedForSourceException");
}

// serve scans PutEvents' Details before it takes the world lock; a scan is used only for the
// very text it was made of, so a stale or mismatched one changes nothing.
TEST_CASE("bus: PutEvents with its Details scanned beforehand answers the same", "[bus][service]") {
  fixture f;
  f.target();
  json req = {{"Entries",
               {{{"Source", "s"}, {"DetailType", "d"}, {"Detail", R"({"k":1,"trace_id":"t-9"})"}},
                {{"Source", "s"}, {"DetailType", "d"}, {"Detail", "{not json"}},
                {{"Source", "s"}, {"DetailType", "d"}}}}};
  auto prepared = emu::bus::service::prepare_put_events(req);
  auto* details = static_cast<const emu::bus::service::prepared_details*>(prepared.get());
  REQUIRE(details->entries.size() == 3);
  json r = f.bus.put_events(req, details);
  CHECK(r["FailedEntryCount"] == 2);
  CHECK(r["Entries"][0].contains("EventId"));
  CHECK(r["Entries"][1]["ErrorCode"] == "MalformedDetail");
  CHECK(r["Entries"][2]["ErrorMessage"] == "Parameter Detail is not valid. Reason: Detail is a required argument.");
  CHECK(f.bus.events("default").back().trace_id == "t-9");

  // Scans of another request (a valid Detail's, for this malformed one) are not taken for it.
  json other = {{"Entries", {{{"Source", "s"}, {"DetailType", "d"}, {"Detail", "{\"ok\":true}"}}}}};
  json bad = {{"Entries", {{{"Source", "s"}, {"DetailType", "d"}, {"Detail", "{\"ok\":tru}"}}}}};
  auto foreign = emu::bus::service::prepare_put_events(other);
  r = f.bus.put_events(bad, static_cast<const emu::bus::service::prepared_details*>(foreign.get()));
  CHECK(r["Entries"][0]["ErrorCode"] == "MalformedDetail");
  // Fewer scans than entries (a request that was changed): the rest are scanned then.
  r = f.bus.put_events(req, static_cast<const emu::bus::service::prepared_details*>(foreign.get()));
  CHECK(r["FailedEntryCount"] == 2);
  f.rt->sched().run_until_idle();
  CHECK(f.delivered.size() == 2);
}

// serve frees what falls out of a bus's kept events after the request, away from the world
// lock: the runtime holds it until the edge takes it. Without a taker it is freed at once.
TEST_CASE("bus: a kept event that falls out is freed when the released memory is taken", "[bus][service]") {
  fixture f;
  auto put = [&] { f.bus.put_one("default", {{"Source", "s"}, {"DetailType", "d"}, {"Detail", "{}"}}); };
  for (std::size_t i = 0; i < emu::bus::service::kept_events_per_bus; ++i) put();
  std::weak_ptr<const emu::bus::routed_event> oldest = f.bus.events("default").front().event;
  f.rt->keep_released(true);
  put();
  CHECK(f.bus.events("default").size() == emu::bus::service::kept_events_per_bus);
  CHECK_FALSE(oldest.expired());
  CHECK(f.rt->take_released().size() == 1);
  CHECK(oldest.expired());
  f.rt->keep_released(false);
  oldest = f.bus.events("default").front().event;
  put();
  CHECK(oldest.expired());
  CHECK(f.rt->take_released().empty());
}

TEST_CASE("runtime: released memory is held at most max_released at a time", "[core][runtime]") {
  auto rt = emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr);
  rt->keep_released(true);
  std::vector<std::weak_ptr<const void>> seen;
  for (std::size_t i = 0; i <= emu::runtime::max_released; ++i) {
    auto p = std::make_shared<const int>(int(i));
    seen.push_back(p);
    rt->release_later(std::move(p));
  }
  CHECK_FALSE(seen[emu::runtime::max_released - 1].expired());
  CHECK(seen[emu::runtime::max_released].expired());  // past the bound: freed at once
  rt->keep_released(false);                           // and switching off frees what was held
  CHECK(seen[0].expired());
}
