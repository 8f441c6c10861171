#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/core/scheduler.h"
#include "emulator/core/time_format.h"

using namespace std::chrono_literals;

namespace {
emu::instant t0() { return *emu::parse_iso8601("2024-12-01T00:00:00Z"); }
}  // namespace

// Determinism rests on this order: by time, then by the order tasks were scheduled.
TEST_CASE("scheduler: tasks run in (time, sequence) order", "[core][scheduler]") {
  emu::manual_clock clock(t0());
  emu::scheduler s(clock);
  std::vector<std::string> ran;
  s.at(t0() + 2s, "c", [&] { ran.push_back("c@2s"); });
  s.at(t0() + 1s, "a", [&] { ran.push_back("a@1s"); });
  s.at(t0() + 1s, "b", [&] { ran.push_back("b@1s"); });
  s.at(t0(), "now", [&] { ran.push_back("now"); });
  CHECK(s.run_until_idle() == 1);
  CHECK(ran == std::vector<std::string>{"now"});
  CHECK(s.advance(5s) == 3);
  CHECK(ran == std::vector<std::string>{"now", "a@1s", "b@1s", "c@2s"});
  CHECK(clock.now() == t0() + 5s);
}

// A task sees the clock at its own instant, and tasks it schedules run in the same advance.
TEST_CASE("scheduler: advance moves the clock to each task and runs follow-ups", "[core][scheduler]") {
  emu::manual_clock clock(t0());
  emu::scheduler s(clock);
  std::vector<emu::instant> seen;
  s.after(10s, "first", [&] {
    seen.push_back(clock.now());
    s.after(5s, "second", [&] { seen.push_back(clock.now()); });
    s.after(0s, "same instant", [&] { seen.push_back(clock.now()); });
  });
  s.advance(30s);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == t0() + 10s);
  CHECK(seen[1] == t0() + 10s);
  CHECK(seen[2] == t0() + 15s);
  CHECK(s.pending() == 0);
  CHECK_FALSE(s.next_due());
}

TEST_CASE("scheduler: a cancelled task never runs", "[core][scheduler]") {
  emu::manual_clock clock(t0());
  emu::scheduler s(clock);
  int ran = 0;
  auto id = s.after(1s, "x", [&] { ++ran; });
  CHECK(s.cancel(id));
  CHECK_FALSE(s.cancel(id));
  s.advance(2s);
  CHECK(ran == 0);
}

TEST_CASE("scheduler: work beyond the window waits for a later advance", "[core][scheduler]") {
  emu::manual_clock clock(t0());
  emu::scheduler s(clock);
  int ran = 0;
  s.after(1min, "later", [&] { ++ran; });
  s.advance(59s);
  CHECK(ran == 0);
  CHECK(s.next_due() == t0() + 1min);
  s.advance(1s);
  CHECK(ran == 1);
}

// A task that reschedules itself at the same instant forever must not hang the runner.
TEST_CASE("scheduler: a self-rescheduling task is stopped with an error", "[core][scheduler]") {
  emu::manual_clock clock(t0());
  emu::scheduler s(clock);
  std::function<void()> again = [&] { s.after(0s, "loop", again); };
  s.after(0s, "loop", again);
  CHECK_THROWS_WITH(s.run_until_idle(), Catch::Contains("reschedules itself"));
}

TEST_CASE("scheduler: run_until needs a virtual clock", "[core][scheduler]") {
  emu::system_clock clock;
  emu::scheduler s(clock);
  CHECK_THROWS_AS(s.advance(1s), std::logic_error);
}

TEST_CASE("scheduler: an exception in a task reaches the caller and the task is consumed", "[core][scheduler]") {
  emu::manual_clock clock(t0());
  emu::scheduler s(clock);
  int after = 0;
  s.after(0s, "bad", [] { throw std::runtime_error("boom"); });
  s.after(0s, "good", [&] { ++after; });
  CHECK_THROWS_WITH(s.run_until_idle(), "boom");
  s.run_until_idle();
  CHECK(after == 1);
}

// serve feeds the scheduler from HTTP threads; the driver must pick the work up promptly.
TEST_CASE("realtime driver: runs tasks posted from another thread", "[core][scheduler]") {
  emu::system_clock clock;
  emu::scheduler s(clock);
  std::vector<std::string> errors;
  emu::realtime_driver driver(s, [&](const std::string& e) { errors.push_back(e); });
  driver.start();
  std::mutex mu;
  std::condition_variable cv;
  int ran = 0;
  std::thread feeder([&] {
    for (int i = 0; i < 3; ++i)
      s.after(0s, "posted", [&] {
        std::lock_guard l(mu);
        ++ran;
        cv.notify_all();
      });
    s.after(0s, "throws", [] { throw std::runtime_error("task failed"); });
  });
  feeder.join();
  std::unique_lock l(mu);
  bool done = cv.wait_for(l, 10s, [&] { return ran == 3; });  // a bound, not a timing assertion
  l.unlock();
  driver.stop();
  CHECK(done);
  CHECK(driver.exclusive([] { return 42; }) == 42);
}

TEST_CASE("realtime driver: a task scheduled inside an exclusive section runs after it", "[core][scheduler]") {
  emu::system_clock clock;
  emu::scheduler s(clock);
  emu::realtime_driver driver(s, [](const std::string&) {});
  s.after(1h, "far", [] {});  // the driver sleeps as long as it may
  driver.start();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> ran;
  auto note = [&](std::string what) {
    return [&, what] {
      std::lock_guard l(mu);
      ran.push_back(what);
      cv.notify_all();
    };
  };
  // Sections tell the driver of their tasks when they end (not as each is scheduled), both from
  // exclusive and exclusive_quiet, and before a section lets go of the lock to wait outside it.
  driver.exclusive([&] { s.after(0s, "now", note("now")); });
  driver.exclusive_quiet([&] { s.after(20ms, "soon", note("soon")); });
  driver.exclusive([&] {
    s.after(0s, "before outside", note("before outside"));
    driver.outside([&] {
      std::unique_lock l(mu);
      cv.wait_for(l, 10s, [&] { return ran.size() == 3; });  // a bound, not a timing assertion
    });
    s.after(0s, "after outside", note("after outside"));
  });
  std::unique_lock l(mu);
  bool done = cv.wait_for(l, 10s, [&] { return ran.size() == 4; });
  l.unlock();
  driver.stop();
  CHECK(done);
  CHECK(ran.back() == "after outside");
  std::sort(ran.begin(), ran.end());
  CHECK(ran == std::vector<std::string>{"after outside", "before outside", "now", "soon"});
}
