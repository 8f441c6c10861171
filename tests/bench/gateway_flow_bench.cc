// The gateway query flow in process, layer by layer, so the HTTP figure of gateway_bench.py can
// be explained: N restaurants imported (virtual time), then µs per call of (1) the DynamoDB
// GSI1 query the Query Handler makes, (2) the Query Handler invoked with an API_REQUEST event,
// (3) a whole gateway request (keys, throttles, proxy event, Event Processor, bus, Query
// Handler, proxy response). Prints `name: value unit`. Wall-clock reads are fine here.
// Usage: gateway_flow_bench [restaurants] [calls] [request calls (default: calls)]
#include <chrono>
#include <cstdio>
#include <string>

#include "emulator/bellyfed/import.h"
#include "emulator/core/time_format.h"
#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

using emu::json;

namespace {

template <class F>
double micros_per_call(int n, F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  emu::system_def sys = emu::system::load("");
  for (auto& u : sys.gateway.usage_plans) u.rate = 1e9, u.burst = 1'000'000'000, u.quota_limit.reset();
  sys.gateway.waf_limit.reset();
  sys.gateway.account_rate = 1e9, sys.gateway.account_burst = 1'000'000'000;
  auto rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 1, emu::log_level::off, nullptr, 10'000);
  emu::system::instance system(*rt, sys, {"dev"});
  static const char* cities[] = {"Seattle", "Portland", "Austin",  "Boston", "Denver",
                                 "Miami",   "Chicago",  "Atlanta", "Dallas", "Reno"};
  for (int i = 0; i < n; ++i) {
    json r = {{"id", "r-" + std::to_string(i)},
              {"name", "Restaurant " + std::to_string(i)},
              {"city", cities[i % 10]},
              {"cuisineType", "Thai"},
              {"rating", 4.5},
              {"priceRange", "$$"}};
    system.sqs().send("restaurant-import-dev", r.dump());
    if (i % 1000 == 999) rt->sched().advance(std::chrono::seconds(1));
  }
  rt->sched().advance(std::chrono::seconds(10));
  json q = {{"TableName", "FoodEstablishment-dev"},
            {"IndexName", "GSI1"},
            {"KeyConditionExpression", "#pk = :pk"},
            {"ExpressionAttributeNames", {{"#pk", "GSI1PK"}}},
            {"ExpressionAttributeValues", {{":pk", {{"S", "LOC#Seattle"}}}}},
            {"Limit", 21}};
  if (system.dynamo().query(q)["Count"] != 21) return std::fprintf(stderr, "import failed\n"), 1;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 3000;  // a large count with `perf` shows where a request goes
  std::printf("gateway_flow_restaurants: %d\n", n);
  std::printf("gateway_flow_dynamo_query_21: %.1f us\n",
              micros_per_call(calls, [&](int) { system.dynamo().query(q); }));
  json ev = {{"detail-type", "GET_RESTAURANTS"},
             {"source", "api-gateway"},
             {"detail",
              {{"event_id", "e"},
               {"timestamp", "2024-12-01T00:00:00.000Z"},
               {"event_type", "GET_RESTAURANTS"},
               {"source", "api-gateway"},
               {"version", "1.0"},
               {"trace_id", "t"},
               {"status", "pending"},
               {"payload", {{"query", {{"city", "Seattle"}}}}}}}};
  std::printf("gateway_flow_query_handler: %.1f us\n",
              micros_per_call(calls, [&](int) { system.functions().invoke("QueryHandler-dev", ev, "t"); }));
  emu::gateway::http_request req;
  req.path = "/dev/restaurants";
  req.query = {{"city", "Seattle"}};
  req.headers = {{"X-Api-Key", "bellyfed-dev-local-key-0001"}, {"Host", "localhost"}, {"User-Agent", "bench"}};
  const int request_calls = argc > 3 ? std::atoi(argv[3]) : calls;  // `perf` of the whole request alone
  double whole = micros_per_call(request_calls, [&](int) {
    auto res = system.gateway().handle(req);
    if (res.status != 200) std::fprintf(stderr, "status %d %s\n", res.status, res.body.c_str()), std::exit(1);
  });
  std::printf("gateway_flow_request: %.1f us (%.0f requests/s on one core)\n", whole, 1e6 / whole);
}
