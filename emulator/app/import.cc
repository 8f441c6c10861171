#include "emulator/app/import.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "emulator/bellyfed/import.h"
#include "emulator/core/args.h"
#include "emulator/core/clock.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

namespace emu::app {
namespace {

const char* const help = R"(usage: bellyfed-emu import FILE [options]

The BellyFed import script: every record of FILE (a JSON array of restaurant records, or one
JSON record per line) becomes one SQS message on the stage's import queue, sent with
SendMessageBatch in batches of 10. A progress bar shows on a terminal.

options:
  --endpoint URL    the running `serve` to send to (default http://127.0.0.1:4566)
  --queue NAME      the queue, without its stage (default restaurant-import)
  --stage STAGE     the stage (default dev); the queue is NAME-STAGE
  --in-process      do not send anywhere: run the whole import flow (SQS → Event Processor →
                    EventBridge → DynamoDB Import → DynamoDB) in this process, in virtual time,
                    and report how many restaurants landed and how many records failed
  --system FILE     system definition for --in-process (default: the built-in BellyFed one)
  -h, --help        this text

A serve that is still starting is waited for (5 s). If the endpoint fails or the import is interrupted (Ctrl-C, SIGTERM), it stops after the batch
in flight and says how many records were sent and the number of the first one that was not.

exit status: 0 every record was sent (imported, with --in-process); 1 usage error; 2 the file
cannot be read; 3 the endpoint failed; 4 some records were refused or failed to import;
130 interrupted.
)";

class progress {
 public:
  progress(std::ostream& err, std::size_t total) : err_(err), total_(total), tty_(isatty(STDERR_FILENO)) {}
  void update(std::size_t done) {
    if (!tty_ || total_ == 0) return;
    int width = 30, filled = int(double(done) / double(total_) * width);
    err_ << "\rimporting [" << std::string(std::size_t(filled), '#') << std::string(std::size_t(width - filled), ' ')
         << "] " << done << "/" << total_ << std::flush;
    if (done == total_) err_ << "\n";
  }

 private:
  std::ostream& err_;
  std::size_t total_;
  bool tty_;
};

int in_process(const json& records, const parsed_args& a, std::ostream& out, std::ostream& err) {
  system_def sys = system::load(a.value("system"));
  std::string stage = a.value("stage", "dev");
  if (std::find(sys.stages.begin(), sys.stages.end(), stage) == sys.stages.end()) {
    err << "bellyfed-emu import: unknown stage '" << stage << "'\n";
    return 1;
  }
  // A bounded trace: an import of 100,000 records would otherwise keep millions of entries.
  auto rt = runtime::make_virtual(*parse_iso8601("2024-12-01T00:00:00Z"), 0, log_level::off, nullptr, 10'000);
  system::instance system(*rt, sys, {stage});
  std::string queue = resource_name(a.value("queue", "restaurant-import"), stage);
  if (!system.sqs().find(queue)) {
    err << "bellyfed-emu import: the system has no queue " << queue << "\n";
    return 1;
  }
  progress bar(err, records.size());
  std::size_t sent = 0;
  for (const auto& r : records) {
    system.sqs().send(queue, r.dump());
    if (++sent % 100 == 0) {
      rt->sched().run_until_idle();
      bar.update(sent);
    }
  }
  // Deliver everything, retries and redrives included (they take virtual minutes).
  rt->sched().run_until(rt->clock().now() + std::chrono::hours(2));
  bar.update(records.size());
  std::size_t imported = 0, failed = 0;
  json page = {{"LastEvaluatedKey", nullptr}};
  json req = {{"TableName", resource_name("FoodEstablishment", stage)}, {"Select", "COUNT"}};
  do {
    if (!page["LastEvaluatedKey"].is_null()) req["ExclusiveStartKey"] = page["LastEvaluatedKey"];
    page = system.dynamo().scan(req);
    imported += page["Count"].get<std::size_t>();
  } while (page.contains("LastEvaluatedKey"));
  json dlqs = json::object();
  json queues = system.sqs().metrics();  // items() must not outlive it
  for (auto& [name, counts] : queues.items()) {
    std::size_t n = counts["visible"].get<std::size_t>() + counts["in_flight"].get<std::size_t>();
    if (name.find("dlq") != std::string::npos && n > 0) dlqs[name] = n, failed += n;
  }
  out << "imported " << imported << " of " << records.size() << " records into "
      << resource_name("FoodEstablishment", stage) << " (in process, virtual time)\n";
  if (failed) out << "failed: " << failed << " (dead-letter queues: " << dlqs.dump() << ")\n";
  return failed ? 4 : 0;
}

int to_endpoint(const json& records, const parsed_args& a, std::ostream& out, std::ostream& err) {
  std::string endpoint = a.value("endpoint", "http://127.0.0.1:4566");
  httplib::Client client(endpoint);
  if (!client.is_valid()) {
    err << "bellyfed-emu import: invalid --endpoint " << endpoint << "\n";
    return 1;
  }
  client.set_connection_timeout(5);
  client.set_read_timeout(60);
  httplib::Headers sqs_headers = {{"X-Amz-Target", ""},
                                  {"Authorization", "AWS4-HMAC-SHA256 Credential=import/x/us-east-1/sqs/aws4_request"}};
  auto call = [&](const std::string& op, const json& body, json& result) -> std::string {
    httplib::Headers h = {{"X-Amz-Target", "AmazonSQS." + op}};
    auto res = client.Post("/", h, body.dump(), "application/x-amz-json-1.0");
    if (!res)
      return "cannot reach " + endpoint + ": " + httplib::to_string(res.error()) +
             " error (is `bellyfed-emu serve` running there? --endpoint names another, --in-process needs none)";
    result = json::parse(res->body, nullptr, false);
    if (res->status != 200)
      return result.is_object() ? result.value("__type", "error") + ": " + result.value("message", res->body)
                                : res->body;
    return "";
  };
  std::string queue = resource_name(a.value("queue", "restaurant-import"), a.value("stage", "dev"));
  json r;
  // A serve started just before may not listen yet: the first call is retried for 5 s while
  // nothing answers (real time: another process is starting).
  std::string first = call("GetQueueUrl", {{"QueueName", queue}}, r);
  for (stopwatch since; !first.empty() && first.starts_with("cannot reach") && since.elapsed_ms() < 5000;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first = call("GetQueueUrl", {{"QueueName", queue}}, r);
  }
  if (auto e = first; !e.empty()) {
    err << "bellyfed-emu import: " << e << "\n";
    return 3;
  }
  std::string url = r["QueueUrl"];
  // Ctrl-C and SIGTERM end the loop after the batch in flight, so the count below is exact.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigset_t before;
  pthread_sigmask(SIG_BLOCK, &stop_signals, &before);
  std::atomic<bool> interrupted = false, done = false;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (!done) interrupted = true;
  });
  struct release {
    std::thread& t;
    std::atomic<bool>& finished;
    sigset_t mask;
    ~release() {
      finished = true;
      pthread_kill(t.native_handle(), SIGTERM);
      t.join();
      pthread_sigmask(SIG_SETMASK, &mask, nullptr);
    }
  } releaser{waiter, done, before};

  progress bar(err, records.size());
  std::size_t sent = 0, refused = 0;
  auto stopped = [&](std::size_t next) {
    out << "sent " << sent << " of " << records.size() << " records to " << url << "; from record " << next + 1
        << " on, none was confirmed\n";
  };
  for (std::size_t i = 0; i < records.size(); i += 10) {
    if (interrupted) {
      err << "\nbellyfed-emu import: interrupted\n";
      stopped(i);
      return 130;
    }
    json entries = json::array();
    for (std::size_t k = i; k < std::min(records.size(), i + 10); ++k)
      entries.push_back({{"Id", std::to_string(k)}, {"MessageBody", records[k].dump()}});
    if (auto e = call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}}, r); !e.empty()) {
      err << "\nbellyfed-emu import: " << e << "\n";
      stopped(i);
      return 3;
    }
    for (const auto& f : r.value("Failed", json::array())) {
      err << "record " << f.value("Id", "?") << " refused: " << f.value("Code", "") << ": " << f.value("Message", "")
          << "\n";
      ++refused;
    }
    sent += r.value("Successful", json::array()).size();
    bar.update(std::min(records.size(), i + 10));
  }
  out << "sent " << sent << " of " << records.size() << " records to " << url << "\n";
  return refused ? 4 : 0;
}

}  // namespace

int import_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  parsed_args a;
  try {
    a = parse_args(argv, {{"endpoint", true},
                          {"queue", true},
                          {"stage", true},
                          {"in-process", false},
                          {"system", true},
                          {"help", false}});
  } catch (const std::invalid_argument& e) {
    err << "bellyfed-emu import: " << e.what() << "\n\n" << help;
    return 1;
  }
  if (a.has("help")) {
    out << help;
    return 0;
  }
  if (a.positional.size() != 1) {
    err << "bellyfed-emu import: expected exactly one FILE\n\n" << help;
    return 1;
  }
  json records;
  try {
    records = bellyfed::read_import_file(a.positional[0]);
  } catch (const std::exception& e) {
    err << "bellyfed-emu import: " << e.what() << "\n";
    return 2;
  }
  try {
    return a.has("in-process") ? in_process(records, a, out, err) : to_endpoint(records, a, out, err);
  } catch (const load_error& e) {
    err << e.what() << "\n";
    return 2;
  }
}

}  // namespace emu::app
