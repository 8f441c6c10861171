// Seeded id source: every id and every bit of jitter the product draws comes from here.
//
// Ids are UUID-shaped (version 4 layout) but drawn from splitmix64 seeded by the scenario's
// `seed`, so two runs of a scenario produce the same ids in the same order. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "emulator/core/clock.h"

namespace emu {

class id_source {
 public:
  explicit id_source(std::uint64_t seed) : state_(seed) {}
  // Starts the sequence again from `seed` (a reset world draws the ids a fresh one would).
  void reseed(std::uint64_t seed) {
    std::lock_guard lock(mu_);
    state_ = seed;
  }
  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex.
  std::string uuid();
  std::uint64_t next_u64();
  // Uniform in [0, 1), for retry jitter.
  double unit();
  // Exponential backoff with jitter: `base` doubled `doublings` times (at most 30), capped at
  // `cap`, then scaled by a draw between half and all of it. One draw per call.
  duration backoff(duration base, duration cap, int doublings);

 private:
  std::uint64_t next_locked();
  std::mutex mu_;
  std::uint64_t state_;
};

}  // namespace emu
