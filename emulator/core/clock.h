// Clocks: the only way product code learns the time.
//
// Every component reads time through `emu::clock`, never through std::chrono's clocks, so a
// scenario can run in virtual time and give byte-identical traces. `manual_clock` is the
// virtual clock the scenario runner moves; `system_clock` is the wall clock `serve` uses.
// Both are safe to read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace emu {

using duration = std::chrono::milliseconds;
using instant = std::chrono::sys_time<std::chrono::milliseconds>;

class clock {
 public:
  virtual ~clock() = default;
  virtual instant now() const = 0;
  // True for a clock that only moves when told to (the scheduler may then jump it forward).
  virtual bool is_virtual() const = 0;
  // A virtual clock: moves it forward to `t` (an earlier `t` leaves it where it is). The
  // scheduler calls it as it runs work due in virtual time; a real clock throws logic_error.
  virtual void jump(instant t);
  // A monotonic reading in nanoseconds for measuring how long work took (metrics): the steady
  // clock when time is real, the virtual time when it is not (work then takes no time, and
  // runs give identical figures).
  virtual std::int64_t ticks_ns() const { return std::int64_t(now().time_since_epoch().count()) * 1'000'000; }
};

// Seconds between two ticks_ns() readings.
inline double seconds_between(std::int64_t from_ns, std::int64_t to_ns) { return double(to_ns - from_ns) / 1e9; }

// A virtual clock. Time never moves by itself and never goes backwards.
class manual_clock final : public clock {
 public:
  explicit manual_clock(instant start) : now_ms_(start.time_since_epoch().count()) {}
  instant now() const override { return instant(duration(now_ms_.load())); }
  bool is_virtual() const override { return true; }
  // Moves the clock to `t`; a `t` in the past leaves it where it is.
  void set(instant t);
  void advance(duration d) { set(now() + d); }
  void jump(instant t) override { set(t); }

 private:
  std::atomic<long long> now_ms_;
};

// The clock of `serve`: the wall clock (shifted, once told to move) or, in virtual mode, a
// frozen instant that moves only when told — then serve runs work exactly as `run` does.
// Reads are safe from any thread; changes come from one thread at a time (under the world lock).
class serve_clock final : public clock {
 public:
  instant now() const override;
  bool is_virtual() const override { return frozen_.load(); }
  void jump(instant t) override { set(t); }
  std::int64_t ticks_ns() const override;
  // Moves to `t`; false if `t` is earlier than now (time never goes back, except by reset_to).
  bool set(instant t);
  void advance(duration d) { set(now() + d); }
  // Virtual: time stops where it is. Real: it goes on from there at the wall clock's pace.
  void set_virtual(bool on);
  // A new world (POST /_emu/reset): time restarts at `t`, which may be in the past.
  void reset_to(instant t);

 private:
  std::atomic<bool> frozen_{false};
  std::atomic<long long> frozen_ms_{0};  // virtual mode: the time
  std::atomic<long long> offset_ms_{0};  // real mode: added to the wall clock
};

// The wall clock, for `serve`.
class system_clock final : public clock {
 public:
  instant now() const override;
  bool is_virtual() const override { return false; }
  std::int64_t ticks_ns() const override;
};

// Real elapsed time, for what lies outside the emulated world: how long user code ran (REPORT
// lines) and how long to wait for a process before calling it a timeout. Virtual time stands
// still while user code runs, so these never feed emulator state or traces.
class stopwatch {
 public:
  using steady = std::chrono::steady_clock;
  stopwatch() : start_(steady::now()) {}
  double elapsed_ms() const { return std::chrono::duration<double, std::milli>(steady::now() - start_).count(); }
  // The instant `d` after the start, for condition-variable waits.
  steady::time_point after(std::chrono::milliseconds d) const { return start_ + d; }
  static steady::time_point now() { return steady::now(); }

 private:
  steady::time_point start_;
};

// The wall clock in Unix milliseconds, for user code that compares a deadline with its own
// clock (Lambda-Runtime-Deadline-Ms).
long long wall_unix_ms();

}  // namespace emu
