// The DynamoDB store in process, without HTTP: 100,000 FoodEstablishment-shaped items loaded,
// then GetItem, PutItem and a 25-item Query on a GSI — ops/s, p50/p99 latency, and resident
// memory. Prints `name: value unit`. Wall-clock reads are fine here: this is a benchmark.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/dynamo/service.h"

using emu::json;

namespace {

double rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

json item(int i, int cities) {
  std::string id = std::to_string(i), city = "City" + std::to_string(i % cities), name = "Restaurant " + id;
  return {{"PK", {{"S", "EST#" + id}}},
          {"SK", {{"S", "META#" + id}}},
          {"GSI1PK", {{"S", "LOC#" + city}}},
          {"GSI1SK", {{"S", "EST#" + name + "#" + id}}},
          {"name", {{"S", name}}},
          {"city", {{"S", city}}},
          {"cuisineType", {{"S", "Vietnamese"}}},
          {"rating", {{"N", "4.5"}}},
          {"priceRange", {{"S", "$$"}}},
          {"description", {{"S", "A restaurant used by the benchmark, with a description of some length."}}}};
}

template <class F>
void timed(const char* name, int n, F&& op) {
  std::vector<double> us;
  us.reserve(std::size_t(n));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto a = std::chrono::steady_clock::now();
    op(i);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::sort(us.begin(), us.end());
  std::printf("dynamo_inprocess_%s: %.0f ops/s\n", name, n / s);
  std::printf("dynamo_inprocess_%s_p50: %.1f us\n", name, us[us.size() / 2]);
  std::printf("dynamo_inprocess_%s_p99: %.1f us\n", name, us[us.size() * 99 / 100]);
}

}  // namespace

int main() {
  // The runtime `serve` uses (its bounded trace included), so memory figures are serve's.
  auto rt = emu::runtime::make_real(1, emu::log_level::off, nullptr);
  emu::dynamo::service db(*rt, "000000000000", "us-east-1");
  db.create_table(json::parse(R"({"TableName": "Bench", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"},
      {"AttributeName": "GSI1PK", "AttributeType": "S"}, {"AttributeName": "GSI1SK", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
      "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}]})"));
  const int n = 100'000, cities = 4000;  // 25 restaurants per city
  double before = rss_mb();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; i += 25) {
    json batch = json::array();
    for (int j = i; j < i + 25; ++j) batch.push_back({{"PutRequest", {{"Item", item(j, cities)}}}});
    db.batch_write_item({{"RequestItems", {{"Bench", batch}}}});
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("dynamo_inprocess_load_100k: %.0f items/s\n", n / load_s);
  std::printf("dynamo_inprocess_rss_100k_items: %.1f MB (%.1f MB before loading)\n", rss_mb(), before);

  timed("getitem", 50'000, [&](int i) {
    std::string id = std::to_string((i * 7919) % n);
    db.get_item({{"TableName", "Bench"}, {"Key", {{"PK", {{"S", "EST#" + id}}}, {"SK", {{"S", "META#" + id}}}}}});
  });
  timed("getitem_wire", 50'000, [&](int i) {
    std::string id = std::to_string((i * 7919) % n);
    db.get_item_wire({{"TableName", "Bench"}, {"Key", {{"PK", {{"S", "EST#" + id}}}, {"SK", {{"S", "META#" + id}}}}}});
  });
  timed("putitem", 50'000, [&](int i) {
    db.put_item({{"TableName", "Bench"}, {"Item", item((i * 7919) % n, cities)}});
  });
  std::size_t returned = 0;
  timed("query_gsi_25", 20'000, [&](int i) {
    json r = db.query({{"TableName", "Bench"},
                       {"IndexName", "GSI1"},
                       {"KeyConditionExpression", "GSI1PK = :c AND begins_with(GSI1SK, :p)"},
                       {"ExpressionAttributeValues",
                        {{":c", {{"S", "LOC#City" + std::to_string((i * 31) % cities)}}}, {":p", {{"S", "EST#"}}}}}});
    returned += r["Count"].get<std::size_t>();
  });
  timed("query_gsi_25_wire", 20'000, [&](int i) {
    db.query_wire({{"TableName", "Bench"},
                   {"IndexName", "GSI1"},
                   {"KeyConditionExpression", "GSI1PK = :c AND begins_with(GSI1SK, :p)"},
                   {"ExpressionAttributeValues",
                    {{":c", {{"S", "LOC#City" + std::to_string((i * 31) % cities)}}}, {":p", {{"S", "EST#"}}}}}});
  });
  std::printf("dynamo_inprocess_query_items_per_query: %.1f items\n", double(returned) / 20'000);
  std::printf("dynamo_inprocess_rss_after: %.1f MB\n", rss_mb());
}
