// PutEvents in process, so the HTTP figure of events_bench.py can be explained: serve's runtime
// (wall clock, a trace of 10,000 entries), BellyFed's bus given the 70 event-ruler citylots
// rules (each wrapped under `detail`, no targets), then calls of 10 citylots events each,
// cycling through the events file: the time of each call's part outside the world lock (its
// Details scanned) and under it. Prints `name: value unit`. Wall-clock reads are fine here.
// Usage: events_flow_bench CITYLOTS.jsonl RULES.json [calls]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

using emu::json;

int main(int argc, char** argv) {
  if (argc < 3) return std::fprintf(stderr, "usage: events_flow_bench CITYLOTS.jsonl RULES.json [calls]\n"), 2;
  std::vector<std::string> lines;
  {
    std::ifstream in(argv[1]);
    for (std::string l; lines.size() < 20'000 && std::getline(in, l);)  // 2,000 distinct calls
      if (!l.empty()) lines.push_back(l);
  }
  json groups = json::parse(std::ifstream(argv[2]));
  const int calls = argc > 3 ? std::atoi(argv[3]) : 50'000;
  if (lines.size() < 10) return std::fprintf(stderr, "events_flow_bench: too few events\n"), 2;

  emu::system_def sys = emu::system::load("");
  auto rt = emu::runtime::make_real(1, emu::log_level::off, nullptr);
  emu::system::instance system(*rt, sys, {"dev"});
  const std::string bus = "bellyfed-dev";
  int rules = 0;
  for (const auto& [group, spec] : groups.items())
    for (const auto& rule : spec["rules"])
      system.bus().put_rule({{"Name", "citylots-" + std::to_string(rules++)},
                             {"EventBusName", bus},
                             {"EventPattern", json{{"detail", rule}}.dump()}});
  // The requests as the edge hands them over: parsed bodies.
  std::vector<json> requests;
  for (std::size_t c = 0; c + 10 <= lines.size() && requests.size() < 2000; c += 10) {
    json entries = json::array();
    for (std::size_t k = c; k < c + 10; ++k)
      entries.push_back({{"Source", "citylots"}, {"DetailType", "lot"}, {"Detail", lines[k]}, {"EventBusName", bus}});
    requests.push_back({{"Entries", std::move(entries)}});
  }
  // As serve calls it: the Details scanned first (outside the world lock), then the call.
  using clock = std::chrono::steady_clock;
  clock::duration prepare{}, locked{};
  for (int i = 0; i < calls; ++i) {
    const json& req = requests[std::size_t(i) % requests.size()];
    auto t0 = clock::now();
    auto prepared = emu::bus::service::prepare_put_events(req);
    auto t1 = clock::now();
    json r = system.bus().put_events(req, static_cast<const emu::bus::service::prepared_details*>(prepared.get()));
    auto t2 = clock::now();
    prepare += t1 - t0, locked += t2 - t1;
    if (r["FailedEntryCount"] != 0) return std::fprintf(stderr, "events_flow_bench: %s\n", r.dump().c_str()), 1;
  }
  auto us = [&](clock::duration d) { return std::chrono::duration<double, std::micro>(d).count() / calls; };
  std::printf("events_flow_rules: %d on %s\n", rules, bus.c_str());
  std::printf("events_flow_put_events_prepare: %.1f us (10 events, outside the world lock)\n", us(prepare));
  std::printf("events_flow_put_events_locked: %.1f us (10 events, under the world lock; %.0f events/s)\n", us(locked),
              10e6 / us(locked));
  std::printf("events_flow_put_events_call: %.1f us (10 events; %.0f events/s on one core)\n", us(prepare + locked),
              10e6 / us(prepare + locked));
}
