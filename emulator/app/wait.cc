#include "emulator/app/wait.h"

#include <httplib.h>

#include <thread>

#include "emulator/core/args.h"
#include "emulator/core/clock.h"
#include "emulator/core/json.h"
#include "emulator/core/time_format.h"

namespace emu::app {
namespace {

const char* const wait_help = R"(usage: bellyfed-emu wait [--endpoint URL] [--timeout DURATION]

Waits until a bellyfed-emu serve answers GET /_emu/health at URL, then exits 0. Exits 3 if none
does within the timeout, 1 on a usage error.

options:
  --endpoint URL       the serve to wait for (default http://127.0.0.1:4566)
  --timeout DURATION   how long to wait, e.g. 500ms, 10s, 2m (default 10s, at most 10m)
  -h, --help           this text
)";

}  // namespace

int wait_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  parsed_args a;
  try {
    a = parse_args(argv, {{"endpoint", true}, {"timeout", true}});
    if (!a.positional.empty()) throw std::invalid_argument("unexpected argument " + a.positional[0]);
  } catch (const std::invalid_argument& e) {
    err << "bellyfed-emu wait: " << e.what() << "\n";
    return 1;
  }
  if (a.has("help")) {
    out << wait_help;
    return 0;
  }
  std::string endpoint = a.value("endpoint", "http://127.0.0.1:4566");
  auto timeout = parse_duration(a.value("timeout", "10s"));
  if (!timeout || *timeout > std::chrono::minutes(10)) {
    err << "bellyfed-emu wait: --timeout must be a duration up to 10m, e.g. 10s\n";
    return 1;
  }
  httplib::Client client(endpoint);
  if (!client.is_valid()) {
    err << "bellyfed-emu wait: invalid --endpoint " << endpoint << "\n";
    return 1;
  }
  client.set_connection_timeout(1);
  client.set_read_timeout(5);
  // Real time: this command waits for another process, outside any emulated world.
  stopwatch watch;
  std::string last = "no answer";
  for (;;) {
    if (auto res = client.Get("/_emu/health")) {
      json health = json::parse(res->body, nullptr, false);
      if (res->status == 200 && health.is_object() && health.value("status", "") == "ok") return 0;
      last = "GET /_emu/health answered " + std::to_string(res->status) + " (is it a bellyfed-emu serve?)";
    } else {
      last = httplib::to_string(res.error());
    }
    if (watch.elapsed_ms() >= double(timeout->count())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  err << "bellyfed-emu wait: no bellyfed-emu serve answered at " << endpoint << " within " << format_duration(*timeout)
      << " (last: " << last << ")\n";
  return 3;
}

}  // namespace emu::app
