// The runtime every component receives: clock, id source, logger, trace recorder, scheduler.
// No component reads the wall clock, draws random numbers or sleeps except through these.
#pragma once

#include <memory>
#include <ostream>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/logger.h"
#include "emulator/core/scheduler.h"
#include "emulator/core/trace.h"

namespace emu {

class runtime {
 public:
  // A virtual-time runtime starting at `start` (scenarios, tests).
  static std::unique_ptr<runtime> make_virtual(instant start, std::uint64_t seed, log_level level,
                                               std::ostream* log_out, std::size_t trace_capacity = 100'000) {
    return std::unique_ptr<runtime>(
        new runtime(std::make_unique<manual_clock>(start), seed, level, log_out, trace_capacity));
  }
  // A wall-clock runtime (serve). It runs for days, so its trace keeps only the newest
  // `trace_capacity` entries (about 0.5 KB each): bounded memory under any load.
  static std::unique_ptr<runtime> make_real(std::uint64_t seed, log_level level, std::ostream* log_out,
                                            std::size_t trace_capacity = 10'000) {
    return std::unique_ptr<runtime>(new runtime(std::make_unique<serve_clock>(), seed, level, log_out, trace_capacity));
  }

  // serve's clock, which its admin API moves and switches (null in a virtual-time runtime).
  serve_clock* served_clock() { return dynamic_cast<serve_clock*>(clock_.get()); }

  emu::clock& clock() { return *clock_; }
  id_source& ids() { return ids_; }
  logger& log() { return log_; }
  trace_recorder& trace() { return trace_; }
  scheduler& sched() { return sched_; }

  // Memory to free away from the world lock. What falls out of a ring (a bus's kept events) was
  // written long ago and is cold, and under serve freeing it under the lock kept the other
  // requests waiting. Kept, when serve asks for it, until the edge takes it after a request (it
  // goes once the lock is released), at most max_released at once; otherwise freed at once.
  // Called, like take_released, under the world lock.
  void release_later(std::shared_ptr<const void> p) {
    if (keep_released_ && released_.size() < max_released) released_.push_back(std::move(p));
  }
  std::vector<std::shared_ptr<const void>> take_released() { return std::exchange(released_, {}); }
  void keep_released(bool on) {
    keep_released_ = on;
    if (!on) released_.clear();
  }
  static constexpr std::size_t max_released = 4096;

 private:
  runtime(std::unique_ptr<emu::clock> c, std::uint64_t seed, log_level level, std::ostream* out,
          std::size_t trace_capacity = 100'000)
      : clock_(std::move(c)), ids_(seed), log_(*clock_, level, out), trace_(*clock_, trace_capacity), sched_(*clock_) {}

  std::unique_ptr<emu::clock> clock_;
  id_source ids_;
  logger log_;
  trace_recorder trace_;
  scheduler sched_;
  bool keep_released_ = false;
  std::vector<std::shared_ptr<const void>> released_;
};

}  // namespace emu
