#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/core/event.h"

TEST_CASE("standard event: JSON round trip in the seed's key order", "[core][event]") {
  emu::standard_event e{
      "e-1",          "2024-12-01T00:00:00.000Z", "RESTAURANT_IMPORT", "import-processor", "1.0", "t-1", "pending",
      {{"id", "r-1"}}};
  emu::json j = emu::to_json(e);
  CHECK(j.dump() ==
        R"({"event_id":"e-1","timestamp":"2024-12-01T00:00:00.000Z","event_type":"RESTAURANT_IMPORT",)"
        R"("source":"import-processor","version":"1.0","trace_id":"t-1","status":"pending","payload":{"id":"r-1"}})");
  auto back = emu::standard_event_from_json(j);
  CHECK(back.payload["id"] == "r-1");
  CHECK(emu::to_json(back) == j);
}

TEST_CASE("standard event: validation names every bad field", "[core][event]") {
  emu::json j = {{"event_id", ""}, {"timestamp", "yesterday"}, {"source", 3}, {"extra", 1}};
  auto problems = emu::validate_standard_event(j);
  auto has = [&](const std::string& s) {
    for (const auto& p : problems)
      if (p.find(s) != std::string::npos) return true;
    return false;
  };
  CHECK(has("event_id: must be a non-empty string"));
  CHECK(has("timestamp: must be an ISO 8601 time"));
  CHECK(has("event_type: is required"));
  CHECK(has("source: must be a non-empty string"));
  CHECK(has("payload: is required"));
  CHECK(has("extra: is not a field"));
  CHECK(emu::validate_standard_event(emu::json::array()).size() == 1);
  try {
    emu::standard_event_from_json(j);
    FAIL("expected an error");
  } catch (const emu::aws_error& e) {
    CHECK(e.type() == "ValidationException");
    CHECK(e.http_status() == 400);
  }
}

TEST_CASE("trace headers give their Root") {
  CHECK(emu::trace_root("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1") == "1-5759e988-bd862e3fe1be46a994272793");
  CHECK(emu::trace_root("Self=1-x;Root=1-abc") == "1-abc");
  CHECK(emu::trace_root("Sampled=1") == "");
  CHECK(emu::trace_root("") == "");
}
