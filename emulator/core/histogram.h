// Counters and latency histograms the components keep for Prometheus (/metrics): plain values
// under the world lock, read by the metrics page. Durations come from the runtime's clock, so
// they are real under serve and zero in virtual time (built-in work takes no virtual time).
#pragma once

#include <array>
#include <cstdint>

namespace emu {

struct histogram {
  // Upper bounds in seconds, Prometheus' defaults refined below 5 ms (the emulator's range).
  static constexpr std::array<double, 12> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                    0.01,   0.025,   0.05,   0.1,   0.5,    2.5};
  std::array<std::uint64_t, bounds.size()> counts{};  // per bucket, not cumulative
  std::uint64_t count = 0;
  double sum = 0;  // seconds

  void observe(double seconds) {
    if (seconds < 0) seconds = 0;
    ++count;
    sum += seconds;
    for (std::size_t i = 0; i < bounds.size(); ++i)
      if (seconds <= bounds[i]) {
        ++counts[i];
        return;
      }
  }
};

// Calls of one operation: how many, how many failed, how long they took.
struct call_stats {
  std::uint64_t calls = 0, errors = 0;
  histogram duration;
};

}  // namespace emu
