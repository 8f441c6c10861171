// Pattern-matching benchmark (BENCHMARKS.md, "pattern matching"): events/s matched from JSON
// text on one core, citylots-shaped events, with the 14 × 5 event-ruler benchmark rules, per
// group, and with 1 to 10,000 exact rules. Prints `name: value unit` and the per-rule match
// counts. Usage: pattern_bench EVENTS.jsonl RULES.json
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "emulator/bus/rule_index.h"

using emu::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Matches every event's JSON text against `index` — flattened straight from the text, reading
// only the paths the rules name (or through a JSON document with `dom`); returns events/s and
// fills counts.
double run(const std::vector<std::string>& lines, const emu::bus::rule_index& index, std::vector<long>& counts,
           bool dom = false) {
  std::fill(counts.begin(), counts.end(), 0);
  std::vector<std::uint32_t> hits;
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& line : lines) {
    hits.clear();
    if (dom)
      index.match(json::parse(line), hits);
    else
      index.match_text(line, hits);
    for (auto id : hits) ++counts[id];
  }
  return double(lines.size()) / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pattern_bench EVENTS.jsonl RULES.json\n");
    return 1;
  }
  std::vector<std::string> lines;
  {
    std::ifstream in(argv[1]);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) lines.push_back(std::move(l));
  }
  json groups = json::parse(std::ifstream(argv[2]));
  std::printf("events: %zu\n", lines.size());

  // Parsing alone, for scale.
  {
    auto t0 = std::chrono::steady_clock::now();
    std::size_t n = 0;
    for (const auto& l : lines) n += json::parse(l).size();
    std::printf("json_parse_only: %.0f events/s\n", double(lines.size()) / seconds_since(t0));
    (void)n;
  }

  emu::bus::rule_index all;
  std::vector<emu::bus::pattern> patterns;
  std::vector<std::string> names;
  std::uint32_t id = 0;
  for (const auto& [group, spec] : groups.items()) {
    emu::bus::rule_index one;
    std::uint32_t local = 0;
    for (const auto& r : spec["rules"]) {
      auto p = emu::bus::pattern::compile(r);
      patterns.push_back(p);
      all.add(id++, p);
      one.add(local++, p);
      names.push_back(group + "[" + std::to_string(local - 1) + "]");
    }
    std::vector<long> counts(local);
    std::printf("group_%s_5_rules: %.0f events/s\n", group.c_str(), run(lines, one, counts));
  }
  std::vector<long> counts(id), dom_counts(id);
  std::printf("all_70_rules_via_json_document: %.0f events/s\n", run(lines, all, dom_counts, true));
  double rate = run(lines, all, counts);
  std::printf("all_70_rules: %.0f events/s\n", rate);
  if (counts != dom_counts) {
    std::fprintf(stderr, "pattern_bench: text and document flattening disagree on match counts\n");
    return 2;
  }
  // The index against each pattern tested on its own (no shared tables, no triggers), on the
  // first events: the two must agree rule by rule.
  {
    std::size_t n = std::min<std::size_t>(lines.size(), 20'000);
    std::vector<long> by_index(id), by_pattern(id);
    std::vector<std::uint32_t> hits;
    for (std::size_t i = 0; i < n; ++i) {
      hits.clear();
      all.match_text(lines[i], hits);
      for (auto h : hits) ++by_index[h];
      auto flat = emu::bus::flatten_text(lines[i]);
      for (std::uint32_t r = 0; r < id; ++r) by_pattern[r] += patterns[r].matches(flat);
    }
    if (by_index != by_pattern) {
      std::fprintf(stderr, "pattern_bench: the rule index and the patterns tested one by one disagree\n");
      return 2;
    }
    std::printf("index_agrees_with_each_pattern: %zu events\n", n);
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    std::printf("match_count %s: %ld events\n", names[i].c_str(), counts[i]);

  // Scaling with exact rules on MAPBLKLOT: values taken from the events, so some match.
  std::vector<std::string> values;
  for (const auto& l : lines) {
    if (values.size() >= 10'000) break;
    values.push_back(json::parse(l)["properties"]["MAPBLKLOT"].get<std::string>());
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  for (std::size_t i = 0; values.size() < 10'000; ++i) values.push_back("NOPE" + std::to_string(i));
  double at10 = 0, at10000 = 0;
  for (std::size_t n : {1, 10, 100, 1000, 10000}) {
    emu::bus::rule_index idx;
    for (std::size_t i = 0; i < n; ++i)
      idx.add(std::uint32_t(i), emu::bus::pattern::compile({{"properties", {{"MAPBLKLOT", {values[i]}}}}}));
    std::vector<long> c(n);
    double r = run(lines, idx, c);
    if (n == 10) at10 = r;
    if (n == 10000) at10000 = r;
    std::printf("exact_rules_%zu: %.0f events/s\n", n, r);
  }
  std::printf("slowdown_10_to_10000_exact_rules: %.2f x\n", at10 / at10000);
  return 0;
}
