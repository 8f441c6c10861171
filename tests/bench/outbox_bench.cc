// The Outbox Processor's throughput (BENCHMARKS.md, "outbox"): N events written into the store,
// then one relay claims (batches of 100), publishes with PutEvents to an in-process EventBridge
// bus (chunks of 10) and completes them, until none is left. Prints events relayed per second.
// Usage: outbox_bench [events] [postgres-url]   (no URL: SQLite in memory)
#include <chrono>
#include <cstdio>
#include <string>

#include "emulator/bus/service.h"
#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/outbox/outbox.h"

using emu::json;

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::string url = argc > 2 ? argv[2] : "";
  auto rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr, 10'000);
  emu::bus::service bus(*rt, "000000000000", "us-east-1");
  bus.create_event_bus({{"Name", "bench"}});
  if (!url.empty()) emu::outbox::open_postgres(url, "outbox_bench")->exec("DROP SCHEMA outbox_bench CASCADE");
  emu::outbox::store st(url.empty() ? emu::outbox::open_sqlite("") : emu::outbox::open_postgres(url, "outbox_bench"));
  for (int i = 0; i < n; i += 1000)
    st.transaction([&] {
      for (int k = i; k < std::min(n, i + 1000); ++k)
        st.insert_event({"ev-" + std::to_string(k),
                         "restaurant",
                         "r-" + std::to_string(k % 5000),
                         "RESTAURANT_CREATED",
                         {{"id", "r-" + std::to_string(k)}, {"name", "Restaurant " + std::to_string(k)}},
                         "t"},
                        rt->clock().now());
    });
  emu::outbox_def cfg;
  cfg.batch_size = 100;
  emu::outbox::relay relay(
      *rt, st, cfg, "bench", [&](const json& req) { return bus.put_events(req); }, "bench");
  auto t0 = std::chrono::steady_clock::now();
  int relayed = 0;
  while (int k = relay.poll_once()) relayed += k;
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (relayed != n || st.counts()["processed"] != n) return std::fprintf(stderr, "relayed %d of %d\n", relayed, n), 1;
  std::printf("outbox_relay_%s: %.0f events/s (%d events in %.2f s)\n", url.empty() ? "sqlite" : "postgresql", n / s, n,
              s);
  if (!url.empty()) st.db().exec("DROP SCHEMA outbox_bench CASCADE");
}
