// bellyfed-emu: command dispatch and help. Each command lives in emulator/app/ (serve, import)
// or emulator/scenario/cli.cc (run, check).
#include <iostream>
#include <string>
#include <vector>

#include "emulator/app/import.h"
#include "emulator/app/serve.h"
#include "emulator/app/wait.h"
#include "emulator/functions/process.h"
#include "emulator/scenario/cli.h"

namespace {

const char* const main_help = R"(usage: bellyfed-emu COMMAND [options]

Runs the BellyFed AWS event-driven system (API Gateway, EventBridge, Lambda, DynamoDB, SQS and a
PostgreSQL outbox) on one machine, offline, in deterministic virtual time.

commands:
  run [PATH ...]     run scenario files (default: scenarios/) and report; see `run --help`
  check [PATH ...]   validate scenario files and system definitions without running them
  serve              serve the AWS APIs, API Gateway stages and /_emu admin on one port
  import FILE        the import script: restaurant records to the import queue (see `import --help`)
  wait               exit 0 once a serve answers (see `wait --help`)
  version            print the version
  help               this text

`bellyfed-emu COMMAND --help` explains every option of a command.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // Not a command: the guard process user code runs under (emulator/functions/process.h).
  if (args.size() == 1 && args[0] == "__guard") return emu::functions::guard_main();
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << main_help;
    return args.empty() ? 1 : 0;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "run") return emu::scenario::run_command(args, std::cout, std::cerr);
    if (cmd == "check") return emu::scenario::check_command(args, std::cout, std::cerr);
    if (cmd == "serve") return emu::app::serve_command(args);
    if (cmd == "import") return emu::app::import_command(args, std::cout, std::cerr);
    if (cmd == "wait") return emu::app::wait_command(args, std::cout, std::cerr);
    if (cmd == "version" || cmd == "--version") {
      std::cout << "bellyfed-emu " << EMU_VERSION << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "bellyfed-emu: " << e.what() << "\n";
    return 3;
  }
  std::cerr << "bellyfed-emu: unknown command '" << cmd << "'\n\n" << main_help;
  return 1;
}
