#include "emulator/core/scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace emu {

std::uint64_t scheduler::at(instant when, std::string name, task_fn fn) {
  std::function<void()> wake;
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_seq_++;
    heap_.push_back(task{when, id, std::move(name), std::move(fn)});
    std::push_heap(heap_.begin(), heap_.end(), later{});
    live_.insert(id);
    wake = wake_;
  }
  if (wake) wake();
  return id;
}

bool scheduler::cancel(std::uint64_t id) {
  std::lock_guard lock(mu_);
  return live_.erase(id) > 0;
}

void scheduler::drop_cancelled_top() const {
  while (!heap_.empty() && !live_.count(heap_.front().seq)) {
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    heap_.pop_back();
  }
}

std::optional<scheduler::task> scheduler::pop_due(instant limit) {
  std::lock_guard lock(mu_);
  drop_cancelled_top();
  if (heap_.empty() || heap_.front().when > limit) return std::nullopt;
  std::pop_heap(heap_.begin(), heap_.end(), later{});
  task t = std::move(heap_.back());
  heap_.pop_back();
  live_.erase(t.seq);
  return t;
}

std::size_t scheduler::run_until_idle() {
  std::size_t ran = 0;
  while (auto t = pop_due(clock_.now())) {
    if (++ran > max_tasks_per_instant)
      throw std::runtime_error("scheduler: more than " + std::to_string(max_tasks_per_instant) +
                               " tasks ran without time moving; last was '" + t->name +
                               "', which probably reschedules itself");
    t->fn();
  }
  return ran;
}

std::size_t scheduler::run_until(instant until) {
  if (!clock_.is_virtual()) throw std::logic_error("scheduler::run_until needs a virtual clock");
  std::size_t ran = run_until_idle();
  for (;;) {
    auto next = next_due();
    if (!next || *next > until) break;
    clock_.jump(*next);
    ran += run_until_idle();
  }
  clock_.jump(until);
  return ran + run_until_idle();
}

void scheduler::clear() {
  std::lock_guard lock(mu_);
  heap_.clear();
  live_.clear();
}

std::optional<instant> scheduler::next_due() const {
  std::lock_guard lock(mu_);
  drop_cancelled_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

std::size_t scheduler::pending() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

void scheduler::on_schedule(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

realtime_driver::realtime_driver(scheduler& s, std::function<void(const std::string&)> log_error)
    : sched_(s), log_error_(std::move(log_error)) {}

realtime_driver::~realtime_driver() { stop(); }

void realtime_driver::start() {
  sched_.on_schedule([this] { wake(); });
  thread_ = std::thread([this] { loop(); });
}

void realtime_driver::stop() {
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  sched_.on_schedule(nullptr);
}

void realtime_driver::wake() {
  if (holder_.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
    deferred_ = true;  // told at the section's end
    return;
  }
  {
    std::lock_guard lock(wake_mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void realtime_driver::leave_section() {
  holder_.store(std::thread::id(), std::memory_order_relaxed);
  if (!deferred_) return;
  deferred_ = false;
  auto next = sched_.next_due();
  if (!next) return;
  std::lock_guard lock(wake_mu_);
  // A driver that is not asleep reads the scheduler before it sleeps, and sees the task.
  if (sleeping_ && *next < sleep_until_) {
    woken_ = true;
    cv_.notify_all();
  }
}

void realtime_driver::changed() {
  {
    std::lock_guard lock(change_mu_);
    ++generation_;
  }
  change_cv_.notify_all();
}

std::uint64_t realtime_driver::generation() const {
  std::lock_guard lock(change_mu_);
  return generation_;
}

void realtime_driver::wait_for_change(std::uint64_t seen, instant until) {
  std::unique_lock lock(change_mu_);
  auto wait = until - sched_.time().now();
  if (wait.count() <= 0) return;
  // The runtime's clock is the wall clock in serve; bounded so a long poll re-checks at least
  // once a second.
  change_cv_.wait_for(lock, std::min<duration>(wait, std::chrono::seconds(1)), [&] { return generation_ != seen; });
}

void realtime_driver::wait_for_change(std::uint64_t seen, std::chrono::milliseconds real) {
  std::unique_lock lock(change_mu_);
  change_cv_.wait_for(lock, real, [&] { return generation_ != seen; });
}

void realtime_driver::loop() {
  for (;;) {
    try {
      std::lock_guard lock(world_);
      std::size_t ran = 0;
      try {
        // A virtual clock (serve --clock virtual) runs work only when told to advance.
        if (!sched_.time().is_virtual()) ran = sched_.run_until_idle();
      } catch (...) {
        if (commit_) commit_();  // what the tasks before the failing one did
        throw;
      }
      if (commit_) commit_();
      if (ran > 0) changed();
    } catch (const std::exception& e) {
      log_error_(e.what());
    }
    std::unique_lock lock(wake_mu_);
    if (stopping_) return;
    if (woken_) {
      woken_ = false;
      continue;
    }
    // Sleep until the next task is due by the scheduler's clock (at most a second, so a clock
    // that is not the wall clock still makes progress). This is the runtime's own wait.
    auto next = sched_.next_due();
    auto now = sched_.time().now();
    auto wait =
        next && !sched_.time().is_virtual() ? std::min<duration>(*next - now, std::chrono::seconds(1)) : duration(1000);
    if (wait.count() > 0) {
      sleeping_ = true;
      sleep_until_ = now + wait;
      cv_.wait_for(lock, wait, [this] { return woken_ || stopping_; });
      sleeping_ = false;
    }
    woken_ = false;
    if (stopping_) return;
  }
}

}  // namespace emu
