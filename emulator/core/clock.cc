#include "emulator/core/clock.h"

#include <stdexcept>

namespace emu {

void manual_clock::set(instant t) {
  long long want = t.time_since_epoch().count();
  long long cur = now_ms_.load();
  while (want > cur && !now_ms_.compare_exchange_weak(cur, want)) {}
}

void clock::jump(instant) { throw std::logic_error("only a virtual clock can be moved"); }

// The one place the product reads the wall clock.
instant system_clock::now() const { return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()); }

namespace {
std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

std::int64_t system_clock::ticks_ns() const { return steady_ns(); }

std::int64_t serve_clock::ticks_ns() const {
  return frozen_.load() ? std::int64_t(frozen_ms_.load()) * 1'000'000 : steady_ns();
}

instant serve_clock::now() const {
  if (frozen_.load()) return instant(duration(frozen_ms_.load()));
  return instant(duration(wall_unix_ms() + offset_ms_.load()));
}

bool serve_clock::set(instant t) {
  long long want = t.time_since_epoch().count();
  if (t < now()) return false;
  if (frozen_.load())
    frozen_ms_.store(want);
  else
    offset_ms_.store(want - wall_unix_ms());
  return true;
}

void serve_clock::set_virtual(bool on) {
  if (on == frozen_.load()) return;
  long long at = now().time_since_epoch().count();
  if (on) {
    frozen_ms_.store(at);
    frozen_.store(true);
  } else {
    offset_ms_.store(at - wall_unix_ms());  // on from where it stood, never back
    frozen_.store(false);
  }
}

void serve_clock::reset_to(instant t) {
  long long want = t.time_since_epoch().count();
  frozen_ms_.store(want);
  offset_ms_.store(want - wall_unix_ms());
}

long long wall_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace emu
