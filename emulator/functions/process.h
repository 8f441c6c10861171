// Child processes for user code: spawned in a process group of their own, with their stdout and
// stderr on one pipe, and killed as a group (a handler's own children go too). A guard process
// (this binary, `__guard`) holds the other end of a pipe from the emulator; when the emulator
// exits in any way — SIGKILL and crashes included — the pipe closes and the guard kills every
// group still registered, so no user process outlives `serve` or `run`.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace emu::functions {

struct spawn_spec {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH (of `env`, else the emulator's)
  std::vector<std::string> env;   // NAME=value, the whole environment
  std::string cwd;                // empty: the emulator's
};

class process_guard;

// One running child. The destructor kills its group and reaps it.
class child_process {
 public:
  // Throws std::runtime_error with the reason (e.g. "node: command not found").
  child_process(const spawn_spec& spec, process_guard* guard);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  int output_fd() const { return out_; }  // stdout and stderr; EOF once every writer is gone
  // Blocks until the child exits; returns "exit status N" or "signal: NAME" (Go's wording, as
  // Lambda's messages have it). Call from one thread only.
  std::string wait_exit();
  // SIGKILL to the whole group; harmless when already gone.
  void kill_group();
  // The child's peak resident memory (VmHWM) in MB, 0 if unknown.
  long max_memory_mb() const;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  std::mutex mu_;
  process_guard* guard_;
};

// The guard process. `exe` is this program (/proc/self/exe); it is started on first use.
class process_guard {
 public:
  explicit process_guard(std::string exe) : exe_(std::move(exe)) {}
  ~process_guard();
  void watch(pid_t group);
  void forget(pid_t group);

 private:
  void send(int value);
  std::string exe_;
  std::mutex mu_;
  int fd_ = -1;
  pid_t pid_ = -1;
  bool failed_ = false;
};

// The guard's main (`bellyfed-emu __guard`): reads group ids (negative: forget) from stdin until
// EOF, then kills the groups it still holds. Returns the exit code.
int guard_main();

}  // namespace emu::functions
