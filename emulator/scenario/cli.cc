#include "emulator/scenario/cli.h"
#include "emulator/core/digest.h"
#include "emulator/outbox/sql.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <thread>

#include "emulator/core/args.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/flow_report.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/report.h"
#include "emulator/scenario/target.h"
#include "emulator/system/definition.h"

namespace emu::scenario {

const char* const run_help = R"(usage: bellyfed-emu run [PATH ...] [options]

Runs scenario files (YAML, format v1; see docs/SCENARIOS.md) against an in-process emulated
system in virtual time. PATH is a file or a folder searched recursively for *.yaml and *.yml;
the default is scenarios/.

options:
  --system FILE        system definition to run against (default: the built-in BellyFed one)
  --tag T              run only scenarios tagged T (repeatable; any of them)
  --exclude-tag T      skip scenarios tagged T (repeatable)
  --filter TEXT        run only scenarios whose name or file path contains TEXT
  --jobs N             run N scenarios at a time, each in its own isolated system (default 1)
  --shard I/N          run only the I-th of N stable slices (by file path), for CI fan-out
  --junit FILE         write a JUnit XML report
  --json FILE          write a JSON report (byte-identical for identical runs)
  --html FILE          write an HTML report: one self-contained page with every scenario, step
                       and failure, and a sequence diagram (SVG) of each trace
  --markdown FILE      write a Markdown report with the diagrams as ```mermaid blocks (GitHub
                       renders them in job summaries, pull request comments and files)
  --golden DIR         compare each scenario's normalised trace with DIR/<file>.trace.json
  --update-golden      write the golden traces instead of comparing them
  --postgres URL       keep the outbox store in this PostgreSQL (postgresql://user@127.0.0.1:5432/db)
                       instead of SQLite; each scenario gets a schema of its own, dropped after it
  --target URL         run against a running serve at URL instead of in-process: each scenario
                       resets it (POST /_emu/reset: its seed, clock and stage, virtual time) and
                       loads its fixtures; http and aws steps go over the wire, the others through
                       its admin API. A URL that is not a bellyfed-emu runs only http and aws steps
                       (other steps are refused before anything runs). One scenario at a time
  --fail-fast          stop after the first scenario that does not pass
  --verbose            list every step, passing or not
  --quiet              print only failures and the summary
  --no-color           plain console output (also when NO_COLOR is set or stdout is not a TTY)
  -h, --help           this text

exit status: 0 all passed; 1 usage error; 2 a file does not parse or validate; 3 a runtime
error; 4 an expectation failed.
)";

const char* const check_help = R"(usage: bellyfed-emu check [PATH ...] [--system FILE]

Validates scenario files and system definitions without running anything: structure, step
kinds, expectation tags, JSONPaths, ${names}, durations and times; for system definitions,
every section and cross-reference. A file with a top-level `scenario:` key is a scenario;
one with `stages:` or `version:` is a system definition. PATH defaults to scenarios/.

options:
  --system FILE   the system definition scenarios are checked against (default: built-in)
  -h, --help      this text

exit status: 0 all valid; 1 usage error; 2 something does not parse or validate.
)";

namespace {

bool has_tag(const scenario& s, const std::string& t) {
  for (const auto& x : s.tags)
    if (x == t) return true;
  return false;
}

std::string golden_path(const std::string& dir, const std::string& file) {
  std::string name = file;
  for (auto& c : name)
    if (c == '/' || c == '\\') c = '_';
  return (std::filesystem::path(dir) / (name + ".trace.json")).string();
}

void apply_golden(scenario_outcome& o, const std::string& dir, bool update) {
  std::string path = golden_path(dir, o.file);
  std::string text = normalise_trace(o.trace).dump(2) + "\n";
  step_outcome g;
  g.index = int(o.steps.size()) + 1;
  g.name = "golden trace";
  g.kind = "golden";
  g.ran = true;
  if (update) {
    std::filesystem::create_directories(dir);
    std::ofstream(path, std::ios::binary) << text;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    g.details.push_back("no golden trace " + path + " (run with --update-golden to write it)");
  } else {
    std::stringstream ss;
    ss << in.rdbuf();
    std::string want = ss.str();
    if (want != text) {
      std::istringstream a(want), b(text);
      std::string la, lb;
      int line = 0;
      while (true) {
        ++line;
        bool ga = bool(std::getline(a, la)), gb = bool(std::getline(b, lb));
        if (!ga && !gb) break;
        if (!ga || !gb || la != lb) {
          g.details.push_back(path + ":" + std::to_string(line) + ": golden trace differs: expected \"" +
                              (ga ? la : "<end>") + "\", got \"" + (gb ? lb : "<end>") + "\"");
          break;
        }
      }
    }
  }
  if (!g.details.empty()) {
    g.result = status::failed;
    o.steps.push_back(g);
    if (o.result == status::passed) o.result = status::failed;
  }
}

bool write_file(const std::string& path, const std::string& text, std::ostream& err) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) {
    err << "bellyfed-emu: cannot write " << path << "\n";
    return false;
  }
  return true;
}

// Loads the system definition and lists the scenario files: the first half of both `run`
// and `check`. Returns an exit status when it failed (after printing why), else nullopt.
std::optional<int> load_inputs(const parsed_args& a, const char* cmd, system_def& sys, std::vector<std::string>& files,
                               std::ostream& err) {
  try {
    sys = system::load(a.value("system"));
  } catch (const load_error& e) {
    err << e.what() << "\n";
    return exit_invalid;
  }
  try {
    files = find_scenario_files(a.positional.empty() ? std::vector<std::string>{"scenarios"} : a.positional);
  } catch (const std::invalid_argument& e) {
    err << "bellyfed-emu " << cmd << ": " << e.what() << "\n";
    return exit_usage;
  }
  return std::nullopt;
}

}  // namespace

int run_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  parsed_args a;
  try {
    a = parse_args(argv, {{"system", true},
                          {"tag", true},
                          {"exclude-tag", true},
                          {"filter", true},
                          {"jobs", true},
                          {"shard", true},
                          {"junit", true},
                          {"json", true},
                          {"html", true},
                          {"markdown", true},
                          {"golden", true},
                          {"update-golden", false},
                          {"postgres", true},
                          {"target", true},
                          {"fail-fast", false},
                          {"verbose", false},
                          {"quiet", false},
                          {"no-color", false}});
  } catch (const std::invalid_argument& e) {
    err << "bellyfed-emu run: " << e.what() << "\n";
    return exit_usage;
  }
  if (a.has("help")) {
    out << run_help;
    return exit_ok;
  }
  auto usage = [&](const std::string& msg) {
    err << "bellyfed-emu run: " << msg << "\n";
    return exit_usage;
  };
  if (a.has("update-golden") && !a.has("golden")) return usage("--update-golden needs --golden DIR");
  int jobs = 1;
  if (a.has("jobs")) {
    try {
      jobs = std::stoi(a.value("jobs"));
    } catch (...) {
      jobs = 0;
    }
    if (jobs < 1 || jobs > 256) return usage("--jobs must be a number from 1 to 256");
  }
  std::uint64_t shard_i = 0, shard_n = 1;
  if (a.has("shard")) {
    std::string s = a.value("shard");
    auto slash = s.find('/');
    shard_n = 0;  // invalid unless both numbers parse
    if (slash != std::string::npos) try {
        shard_i = std::stoull(s.substr(0, slash));
        shard_n = std::stoull(s.substr(slash + 1));
      } catch (...) {
        shard_n = 0;
      }
    if (shard_n < 1 || shard_i < 1 || shard_i > shard_n) return usage("--shard must be I/N with 1 <= I <= N, e.g. 2/4");
    --shard_i;
  }
  console_style style;
  style.verbose = a.has("verbose");
  style.quiet = a.has("quiet");
  style.color = !a.has("no-color") && !std::getenv("NO_COLOR") && isatty(STDOUT_FILENO);

  system_def sys;
  std::vector<std::string> files;
  if (auto rc = load_inputs(a, "run", sys, files, err)) return *rc;
  if (shard_n > 1) {
    std::vector<std::string> mine;
    for (const auto& f : files)
      if (fnv1a64(f) % shard_n == shard_i) mine.push_back(f);
    files.swap(mine);
  }

  registry reg;
  std::vector<scenario> loaded;
  int bad = 0;
  for (const auto& f : files) {
    try {
      loaded.push_back(load_scenario(f, reg, sys));
    } catch (const load_error& e) {
      err << e.what() << "\n";
      ++bad;
    }
  }
  if (bad) {
    err << bad << " of " << files.size() << " scenario files do not validate; nothing was run\n";
    return exit_invalid;
  }
  std::vector<const scenario*> selected;
  auto tags = a.values("tag"), excluded = a.values("exclude-tag");
  std::string filter = a.value("filter");
  for (const auto& s : loaded) {
    bool keep = tags.empty();
    for (const auto& t : tags) keep = keep || has_tag(s, t);
    for (const auto& t : excluded) keep = keep && !has_tag(s, t);
    if (!filter.empty())
      keep = keep && (s.name.find(filter) != std::string::npos || s.file.find(filter) != std::string::npos);
    if (keep) selected.push_back(&s);
  }
  if (!style.quiet) {
    out << "bellyfed-emu run: " << selected.size() << " of " << loaded.size() << " scenarios";
    std::string notice = system::not_runnable_notice(sys);
    if (!notice.empty()) out << " (system " << (sys.name.empty() ? sys.file : sys.name) << "; " << notice << ")";
    out << "\n";
  }

  // Scenarios share nothing, so they can run on several threads; results print in file order.
  std::vector<scenario_outcome> outcomes(selected.size());
  std::vector<std::promise<void>> done(selected.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  bool fail_fast = a.has("fail-fast");
  std::string golden = a.value("golden");
  bool update_golden = a.has("update-golden");
  std::string postgres = a.value("postgres");
  std::unique_ptr<remote_target> target;
  if (a.has("target")) {
    if (jobs > 1) return usage("--target runs one scenario at a time (a serve is one system): drop --jobs");
    if (!postgres.empty()) return usage("--target and --postgres exclude each other (the serve has its own stores)");
    try {
      target = std::make_unique<remote_target>(a.value("target"));
      target->probe();
    } catch (const std::runtime_error& e) {
      err << "bellyfed-emu run: " << e.what() << "\n";
      return a.value("target").rfind("http", 0) == 0 ? exit_runtime : exit_usage;
    }
    int refused = 0;
    for (const auto* s : selected)
      if (std::string why = target->refusal(*s); !why.empty()) err << why << "\n", ++refused;
    if (refused) {
      err << refused << " scenarios cannot run against " << target->url() << "; nothing was run\n";
      return exit_invalid;
    }
  }
  if (!postgres.empty()) try {
      outbox::open_postgres(postgres);  // fail once, clearly, rather than in every scenario
    } catch (const std::exception& e) {
      err << "bellyfed-emu run: " << e.what() << "\n";
      return 3;
    }
  auto worker = [&] {
    for (std::size_t i; (i = next++) < selected.size();) {
      if (!stop) {
        outcomes[i] = target ? target->run(*selected[i], sys, reg) : run_scenario(*selected[i], sys, reg, postgres);
        if (!golden.empty() && outcomes[i].result == status::passed) apply_golden(outcomes[i], golden, update_golden);
        if (fail_fast && outcomes[i].result != status::passed) stop = true;
      }
      done[i].set_value();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < jobs; ++t) pool.emplace_back(worker);
  std::size_t printed = 0;
  std::vector<scenario_outcome> finished;
  if (jobs == 1) worker();
  for (; printed < selected.size(); ++printed) {
    done[printed].get_future().wait();
    if (outcomes[printed].file.empty()) continue;  // skipped after --fail-fast
    print_outcome(out, outcomes[printed], style);
    finished.push_back(outcomes[printed]);
  }
  for (auto& t : pool) t.join();

  print_summary(out, finished, style);
  bool ok = true;
  if (a.has("json")) ok &= write_file(a.value("json"), json_report(finished).dump(2) + "\n", err);
  if (a.has("junit")) ok &= write_file(a.value("junit"), junit_report(finished), err);
  if (a.has("html") || a.has("markdown")) {
    auto names = observe::names_for(sys, sys.stages);
    if (a.has("html")) ok &= write_file(a.value("html"), html_report(finished, names), err);
    if (a.has("markdown")) ok &= write_file(a.value("markdown"), markdown_report(finished, names), err);
  }
  if (!ok) return exit_runtime;
  int code = exit_ok;
  for (const auto& o : finished) {
    if (o.result == status::error)
      code = exit_runtime;
    else if (o.result == status::failed && code == exit_ok)
      code = exit_failed;
  }
  return code;
}

int check_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  parsed_args a;
  try {
    a = parse_args(argv, {{"system", true}});
  } catch (const std::invalid_argument& e) {
    err << "bellyfed-emu check: " << e.what() << "\n";
    return exit_usage;
  }
  if (a.has("help")) {
    out << check_help;
    return exit_ok;
  }
  system_def sys;
  std::vector<std::string> files;
  if (auto rc = load_inputs(a, "check", sys, files, err)) return *rc;
  registry reg;
  int bad = 0;
  // A definition whose functions' code or commands cannot be found would fail at the first
  // invocation: say so now, naming where each function is defined.
  auto code_found = [&](const system_def& def) {
    bool ok = true;
    for (const auto& f : def.functions) {
      system_def one;
      one.functions.push_back(f);
      for (const auto& why : system::not_runnable(one)) {
        err << def.file << ":" << f.line << ": functions." << f.name << ": "
            << why.substr(why.find(" (") + 2, why.size() - why.find(" (") - 3) << "\n";
        ok = false;
      }
    }
    return ok;
  };
  bool system_ok = code_found(sys);
  if (system_ok) out << "ok    " << (a.has("system") ? a.value("system") : sys.file) << " (system definition)\n";
  for (const auto& f : files) {
    try {
      YAML::Node root = load_yaml_file(f);
      bool is_system = root.IsMap() && !root["scenario"] && (root["stages"] || root["version"]);
      if (is_system) {
        if (!code_found(system::load(f))) {
          ++bad;
          continue;
        }
        out << "ok    " << f << " (system definition)\n";
      } else {
        auto s = load_scenario(f, reg, sys);
        out << "ok    " << f << " (scenario, " << s.steps.size() << " steps)\n";
      }
    } catch (const load_error& e) {
      err << e.what() << "\n";
      ++bad;
    }
  }
  out << files.size() - bad << " valid, " << bad << " invalid"
      << (system_ok ? "" : "; the system definition names code that cannot be found") << "\n";
  return bad || !system_ok ? exit_invalid : exit_ok;
}

}  // namespace emu::scenario
