// The scheduler: all asynchronous work in the emulator is a task due at a virtual instant.
//
// Tasks run in (time, sequence) order; a task may schedule more tasks. On a virtual clock the
// scenario runner calls `advance` / `run_until`, which jump the clock to each task's instant;
// `serve` uses `realtime_driver`, which runs due tasks as the wall clock reaches them (and none
// while serve's clock is virtual: then only advancing it runs work, as in a scenario). Same
// code path, different driver. Scheduling and cancelling are thread-safe; the run functions are
// meant for one driver thread at a time. A task that throws stops the run and the exception
// propagates to the caller of the run function (the task is consumed).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"

namespace emu {

class scheduler {
 public:
  using task_fn = std::function<void()>;
  // A run that executes more than this many tasks without the clock moving is a task that
  // keeps rescheduling itself: the run throws std::runtime_error instead of hanging.
  static constexpr std::size_t max_tasks_per_instant = 1'000'000;

  explicit scheduler(clock& c) : clock_(c) {}

  // Schedules `fn` at `when` (a past instant means "as soon as possible"). Returns its id.
  std::uint64_t at(instant when, std::string name, task_fn fn);
  std::uint64_t after(duration d, std::string name, task_fn fn) {
    return at(clock_.now() + d, std::move(name), std::move(fn));
  }
  // Returns false if the task already ran, was already cancelled or was never scheduled.
  bool cancel(std::uint64_t id);

  // Runs every task due now, including ones those tasks schedule for now. Returns the count.
  std::size_t run_until_idle();
  // Virtual clock only: runs tasks due up to `until`, moving the clock to each task's instant
  // on the way, and leaves the clock at `until`. Throws std::logic_error on a real clock.
  std::size_t run_until(instant until);
  std::size_t advance(duration d) { return run_until(clock_.now() + d); }

  // Drops every task (a reset world: the tasks belong to components that are gone).
  void clear();

  std::optional<instant> next_due() const;
  std::size_t pending() const;
  const clock& time() const { return clock_; }
  // Called (from any thread) whenever a task is added; the real-time driver uses it to wake.
  void on_schedule(std::function<void()> wake);

 private:
  struct task {
    instant when;
    std::uint64_t seq;
    std::string name;
    task_fn fn;
  };
  // Orders the heap so the earliest (time, seq) is on top.
  struct later {
    bool operator()(const task& a, const task& b) const { return std::pair(a.when, a.seq) > std::pair(b.when, b.seq); }
  };
  // Pops the first live task due at or before `limit`, if any. Cancelled tasks are dropped
  // lazily when they reach the top of the heap.
  std::optional<task> pop_due(instant limit);
  void drop_cancelled_top() const;

  clock& clock_;
  mutable std::mutex mu_;
  mutable std::vector<task> heap_;          // mutable: dropping cancelled tasks is not a change
  std::unordered_set<std::uint64_t> live_;  // ids scheduled and not yet run or cancelled
  std::uint64_t next_seq_ = 1;
  std::function<void()> wake_;
};

// Drives a scheduler from the wall clock for `serve`. Everything that touches the emulated
// system — HTTP handlers and due tasks — runs under one lock through `exclusive`, so the
// components need no locking of their own and behave exactly as in a scenario.
class realtime_driver {
 public:
  // `log_error` receives the message of any exception a task throws; the driver keeps going.
  realtime_driver(scheduler& s, std::function<void(const std::string&)> log_error);
  ~realtime_driver();
  void start();
  void stop();

  // Runs `f` under the world lock, then the commit hook (still under the lock, before the
  // caller answers anyone), and returns what `f` returned.
  template <class F>
  auto exclusive(F&& f) {
    changed_on_exit bump{*this};
    std::lock_guard lock(world_);
    section held{*this};
    return committed(f);
  }

  // Runs `f` with the world lock released: the calling thread holds it (inside `exclusive`, a
  // task, or `hold`). For waits on user code, whose calls back into the emulator need the lock.
  // The world may change meanwhile; callers keep no references into it across `f`.
  template <class F>
  void outside(F&& f) {
    bool mine = holder_.load(std::memory_order_relaxed) == std::this_thread::get_id();
    if (mine) leave_section();
    world_.unlock();
    struct relock {
      realtime_driver& d;
      bool mine;
      ~relock() {
        d.world_.lock();
        if (mine) d.holder_.store(std::this_thread::get_id(), std::memory_order_relaxed);
      }
    } again{*this, mine};
    f();
  }

  // Holds the world lock until the returned lock goes: `run` holds it while a scenario runs, so
  // requests on its callback endpoint are served only while user code waits (`outside`).
  std::unique_lock<std::mutex> hold() { return std::unique_lock(world_); }

  // The same without counting as a change (a long poll's retry).
  template <class F>
  auto exclusive_quiet(F&& f) {
    std::lock_guard lock(world_);
    section held{*this};
    return committed(f);
  }

  // Called at the end of every exclusive section and task run: where `serve` makes the
  // section's changes durable. Its exception reaches the section's caller (the client is told
  // the request failed). Set before start().
  void set_commit(std::function<void()> fn) { commit_ = std::move(fn); }

  // Long polls (SQS ReceiveMessage): the number of exclusive sections and task runs so far, and
  // a wait — without the world lock — until that number moves past `seen` or `until` passes.
  std::uint64_t generation() const;
  void wait_for_change(std::uint64_t seen, instant until);
  // The same for at most `real` of the wall clock, whatever the emulated clock does (an event
  // stream's wait in virtual time).
  void wait_for_change(std::uint64_t seen, std::chrono::milliseconds real);

 private:
  void loop();
  void wake();
  void changed();
  struct changed_on_exit {
    realtime_driver& d;
    ~changed_on_exit() { d.changed(); }
  };
  // An exclusive section on a request's thread. Tasks it schedules do not wake the driver at
  // once: the driver would only wait for the lock the section holds, and every request paid two
  // context switches for it. The section's end wakes the driver if one of them is due before it
  // would wake anyway (most requests run the work they schedule themselves and leave none).
  struct section {
    realtime_driver& d;
    explicit section(realtime_driver& drv) : d(drv) {
      d.holder_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    }
    ~section() { d.leave_section(); }
  };
  void leave_section();

  template <class F>
  auto committed(F& f) {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      if (commit_) commit_();
    } else {
      auto out = f();
      if (commit_) commit_();
      return out;
    }
  }

  scheduler& sched_;
  std::function<void(const std::string&)> log_error_;
  std::function<void()> commit_;
  std::mutex world_;
  std::mutex wake_mu_;
  std::condition_variable cv_;
  bool woken_ = false;
  bool stopping_ = false;
  // The driver's sleep (under wake_mu_): whether it waits and until when.
  bool sleeping_ = false;
  instant sleep_until_{};
  // The thread in an exclusive section, and whether a task it scheduled still has to be told
  // to the driver (only that thread touches deferred_, under the world lock).
  std::atomic<std::thread::id> holder_{};
  bool deferred_ = false;
  std::thread thread_;
  mutable std::mutex change_mu_;
  std::condition_variable change_cv_;
  std::uint64_t generation_ = 0;
};

}  // namespace emu
