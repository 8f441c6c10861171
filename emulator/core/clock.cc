#include "emulator/core/clock.h"

namespace emu {

void manual_clock::set(instant t) {
  long long want = t.time_since_epoch().count();
  long long cur = now_ms_.load();
  while (want > cur && !now_ms_.compare_exchange_weak(cur, want)) {}
}

// The one place the product reads the wall clock.
instant system_clock::now() const { return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()); }

long long wall_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace emu
