#include "emulator/functions/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace emu::functions {
namespace {

// posix_spawn's attributes and file actions, released whatever happens.
struct spawn_setup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  spawn_setup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~spawn_setup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
  // Default signal dispositions and an empty mask: serve blocks SIGINT/SIGTERM in its threads,
  // and a child must not inherit that.
  void reset_signals(bool new_group) {
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setsigmask(&attr, &none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (new_group) {
      flags |= POSIX_SPAWN_SETPGROUP;
      posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, flags);
  }
};

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

child_process::child_process(const spawn_spec& spec, process_guard* guard) : guard_(guard) {
  if (spec.argv.empty() || spec.argv[0].empty()) throw std::runtime_error("no command to run");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  spawn_setup s;
  s.reset_signals(true);
  posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&s.actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&s.actions, fds[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, spec.cwd.c_str());
  auto argv = c_strings(spec.argv);
  auto envp = c_strings(spec.env);
  int rc = posix_spawnp(&pid_, spec.argv[0].c_str(), &s.actions, &s.attr, argv.data(), envp.data());
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    if (rc == ENOENT && !spec.cwd.empty() && access(spec.cwd.c_str(), X_OK) != 0)
      throw std::runtime_error("cannot enter " + spec.cwd + ": " + std::strerror(errno));
    if (rc == ENOENT) throw std::runtime_error(spec.argv[0] + ": command not found");
    throw std::runtime_error(spec.argv[0] + ": " + std::strerror(rc));
  }
  out_ = fds[0];
  if (guard_) guard_->watch(pid_);
}

child_process::~child_process() {
  kill_group();
  {
    std::lock_guard lock(mu_);
    if (!reaped_) {
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
      reaped_ = true;
    }
  }
  if (guard_) guard_->forget(pid_);
  if (out_ >= 0) close(out_);
}

void child_process::kill_group() {
  // The group outlives its leader while a child of the handler still runs in it.
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
}

std::string child_process::wait_exit() {
  int status = 0;
  pid_t r;
  while ((r = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {}
  {
    std::lock_guard lock(mu_);
    reaped_ = true;
  }
  if (r < 0) return "exit status unknown";
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    std::string n = name ? name : std::to_string(sig);
    for (auto& c : n) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (n == "kill") n = "killed";
    if (n == "segv") n = "segmentation fault";
    if (n == "abrt") n = "aborted";
    return "signal: " + n;
  }
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

long child_process::max_memory_mb() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return (std::strtol(line.c_str() + 6, nullptr, 10) + 1023) / 1024;
  return 0;
}

process_guard::~process_guard() {
  std::lock_guard lock(mu_);
  if (fd_ >= 0) close(fd_);  // the guard sees EOF, kills what is left and exits
  if (pid_ > 0)
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {}
}

void process_guard::watch(pid_t group) { send(int(group)); }
void process_guard::forget(pid_t group) { send(-int(group)); }

void process_guard::send(int value) {
  std::lock_guard lock(mu_);
  if (failed_) return;
  if (fd_ < 0) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      failed_ = true;
      return;
    }
    spawn_setup s;
    s.reset_signals(false);
    posix_spawn_file_actions_adddup2(&s.actions, sv[1], 0);
    posix_spawn_file_actions_addopen(&s.actions, 1, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args{exe_, "__guard"};
    auto argv = c_strings(args);
    int rc = posix_spawn(&pid_, exe_.c_str(), &s.actions, &s.attr, argv.data(), environ);
    close(sv[1]);
    if (rc != 0) {
      close(sv[0]);
      failed_ = true;
      return;
    }
    fd_ = sv[0];
  }
  // MSG_NOSIGNAL: a guard that died must not take the emulator with it through SIGPIPE.
  if (::send(fd_, &value, sizeof value, MSG_NOSIGNAL) != ssize_t(sizeof value)) failed_ = true;
}

int guard_main() {
  signal(SIGINT, SIG_IGN);  // Ctrl-C reaches the whole terminal group; the emulator decides
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  std::vector<int> groups;
  int value = 0;
  std::size_t have = 0;
  char* p = reinterpret_cast<char*>(&value);
  for (;;) {
    ssize_t n = read(0, p + have, sizeof value - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += std::size_t(n);
    if (have < sizeof value) continue;
    have = 0;
    if (value > 0) {
      groups.push_back(value);
    } else {
      for (auto it = groups.begin(); it != groups.end(); ++it)
        if (*it == -value) {
          groups.erase(it);
          break;
        }
    }
  }
  for (int g : groups) ::kill(-g, SIGKILL);
  return 0;
}

}  // namespace emu::functions
