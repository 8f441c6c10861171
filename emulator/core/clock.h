// Clocks: the only way product code learns the time.
//
// Every component reads time through `emu::clock`, never through std::chrono's clocks, so a
// scenario can run in virtual time and give byte-identical traces. `manual_clock` is the
// virtual clock the scenario runner moves; `system_clock` is the wall clock `serve` uses.
// Both are safe to read from any thread.
#pragma once

#include <atomic>
#include <chrono>

namespace emu {

using duration = std::chrono::milliseconds;
using instant = std::chrono::sys_time<std::chrono::milliseconds>;

class clock {
 public:
  virtual ~clock() = default;
  virtual instant now() const = 0;
  // True for a clock that only moves when told to (the scheduler may then jump it forward).
  virtual bool is_virtual() const = 0;
};

// A virtual clock. Time never moves by itself and never goes backwards.
class manual_clock final : public clock {
 public:
  explicit manual_clock(instant start) : now_ms_(start.time_since_epoch().count()) {}
  instant now() const override { return instant(duration(now_ms_.load())); }
  bool is_virtual() const override { return true; }
  // Moves the clock to `t`; a `t` in the past leaves it where it is.
  void set(instant t);
  void advance(duration d) { set(now() + d); }

 private:
  std::atomic<long long> now_ms_;
};

// The wall clock, for `serve`.
class system_clock final : public clock {
 public:
  instant now() const override;
  bool is_virtual() const override { return false; }
};

}  // namespace emu
