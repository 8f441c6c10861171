// SQS and the import flow. (1) Over HTTP against a running `serve`: SendMessageBatch(10) →
// ReceiveMessage(10) → DeleteMessageBatch(10) round trips on 4 connections, in messages/s.
// (2) In process, virtual time: N restaurants through SQS → Event Processor → EventBridge →
// DynamoDB Import → DynamoDB. Prints `name: value unit`. Wall-clock reads are fine here.
// Usage: sqs_flow_bench [http://127.0.0.1:PORT] [restaurants]
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "emulator/core/time_format.h"
#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

using emu::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void http_round_trips(const std::string& endpoint) {
  httplib::Client setup(endpoint);
  auto call = [](httplib::Client& c, const std::string& op, const json& body) {
    auto r = c.Post("/", {{"X-Amz-Target", "AmazonSQS." + op}}, body.dump(), "application/x-amz-json-1.0");
    if (!r || r->status != 200) throw std::runtime_error(op + " failed" + (r ? ": " + r->body : ""));
    return json::parse(r->body);
  };
  std::string url = call(setup, "CreateQueue", {{"QueueName", "bench"}})["QueueUrl"];
  const int threads = 4;
  const double duration_s = 5;
  std::atomic<long> moved{0};
  std::vector<std::thread> pool;
  auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      httplib::Client c(endpoint);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);  // as SDKs do; Nagle's algorithm would add ~40 ms per request
      json entries = json::array();
      for (int i = 0; i < 10; ++i)
        entries.push_back(
            {{"Id", std::to_string(i)}, {"MessageBody", "{\"id\":\"r-" + std::to_string(t * 10 + i) + "\",\"n\":1}"}});
      while (seconds_since(t0) < duration_s) {
        call(c, "SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
        json got = call(c, "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
        json del = json::array();
        for (const auto& m : got.value("Messages", json::array()))
          del.push_back({{"Id", std::to_string(del.size())}, {"ReceiptHandle", m["ReceiptHandle"]}});
        if (!del.empty()) call(c, "DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", del}});
        moved += long(del.size());
      }
    });
  for (auto& th : pool) th.join();
  double s = seconds_since(t0);
  std::printf("sqs_http_send_receive_delete: %.0f messages/s (batches of 10, %d connections, %.0f s)\n",
              double(moved) / s, threads, s);
}

void import_flow(int n) {
  emu::system_def sys = emu::system::load("");
  // The trace bounded as `import --in-process` bounds it.
  auto rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr,
                                 std::getenv("TRACE_CAP") ? std::size_t(std::atol(std::getenv("TRACE_CAP"))) : 10'000);
  emu::system::instance system(*rt, sys, {"dev"});
  static const char* cities[] = {"Seattle", "Portland", "Austin", "Chicago", "Boston"};
  static const char* cuisines[] = {"Thai", "Mexican", "Italian", "Vietnamese"};
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    json r = {{"id", "r-" + std::to_string(i)},
              {"name", "Restaurant " + std::to_string(i)},
              {"city", cities[i % 5]},
              {"cuisineType", cuisines[i % 4]},
              {"menu", {{{"id", "m-1"}, {"name", "Soup"}, {"price", 9.5}}}}};
    system.sqs().send("restaurant-import-dev", r.dump());
    if (i % 1000 == 999) rt->sched().run_until_idle();
  }
  rt->sched().run_until_idle();
  double s = seconds_since(t0);
  json count = system.dynamo().scan({{"TableName", "FoodEstablishment-dev"}, {"Select", "COUNT"}});
  std::size_t landed = count["Count"].get<std::size_t>();
  while (count.contains("LastEvaluatedKey")) {
    count = system.dynamo().scan({{"TableName", "FoodEstablishment-dev"},
                                  {"Select", "COUNT"},
                                  {"ExclusiveStartKey", count["LastEvaluatedKey"]}});
    landed += count["Count"].get<std::size_t>();
  }
  std::printf("import_flow_in_process: %d restaurants in %.2f s (%.0f restaurants/s); %zu in FoodEstablishment\n", n, s,
              n / s, landed);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]).rfind("http", 0) == 0) http_round_trips(argv[1]);
  import_flow(argc > 2 ? std::atoi(argv[2]) : 100'000);
}
