// Runtime micro-benchmarks: scheduler throughput, id generation, expectation matching and
// whole in-process scenario runs. Prints `name: value unit`, the median of 5 rounds.
// Wall-clock reads are fine here: this is a benchmark, not product code.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/runner.h"
#include "emulator/system/definition.h"

namespace {

double median_rate(int rounds, double ops, const std::function<void()>& body) {
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    body();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rates.push_back(ops / s);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main() {
  using namespace std::chrono_literals;
  const emu::instant start = *emu::parse_iso8601("2024-12-01T00:00:00Z");

  const int tasks = 500'000;
  double sched = median_rate(5, tasks, [&] {
    auto rt = emu::runtime::make_virtual(start, 1, emu::log_level::off, nullptr);
    long sum = 0;
    for (int i = 0; i < tasks; ++i)
      rt->sched().after(emu::duration((i * 7919LL) % 100000), "t", [&sum, i] { sum += i; });
    rt->sched().advance(200s);
    if (sum == 42) std::puts("");
  });
  std::printf("scheduler_tasks_per_s: %.0f tasks/s\n", sched);

  emu::id_source ids(1);
  const int n_ids = 1'000'000;
  double idr = median_rate(5, n_ids, [&] {
    std::size_t len = 0;
    for (int i = 0; i < n_ids; ++i) len += ids.uuid().size();
    if (len == 1) std::puts("");
  });
  std::printf("uuid_per_s: %.0f ids/s\n", idr);

  auto sys = emu::system::load("");
  emu::scenario::registry reg;
  auto s = emu::scenario::load_scenario(std::string(EMU_SOURCE_DIR) + "/scenarios/runner/matchers.yaml", reg, sys);
  const int runs = 2000;
  double scen = median_rate(5, runs, [&] {
    for (int i = 0; i < runs; ++i)
      if (emu::scenario::run_scenario(s, sys, reg).result != emu::scenario::status::passed) std::abort();
  });
  std::printf("scenario_runs_in_process_per_s: %.0f scenarios/s\n", scen);

  double loads = median_rate(5, 200, [&] {
    for (int i = 0; i < 200; ++i)
      emu::scenario::load_scenario(std::string(EMU_SOURCE_DIR) + "/scenarios/runner/echo.yaml", reg, sys);
  });
  std::printf("scenario_loads_per_s: %.0f files/s\n", loads);
  double sysloads = median_rate(5, 200, [&] {
    for (int i = 0; i < 200; ++i) emu::system::load("");
  });
  std::printf("system_definition_loads_per_s: %.0f loads/s\n", sysloads);
  return 0;
}
