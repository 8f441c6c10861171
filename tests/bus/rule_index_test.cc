// The rule index must give exactly the rules a test of every pattern gives.
#include <catch2/catch.hpp>

#include <random>

#include "emulator/bus/rule_index.h"
#include "emulator/bus/walk.h"

using emu::json;

TEST_CASE("rule index: same result as testing every rule", "[bus][index]") {
  std::vector<std::string> patterns = {
      R"({"source": ["a"]})",
      R"({"source": ["a", "b"], "detail": {"n": [{"numeric": [">", 1]}]}})",
      R"({"source": [{"prefix": "a"}]})",
      R"({"$or": [{"source": ["c"]}, {"detail-type": ["x"]}]})",
      R"({"$or": [{"source": ["c"]}, {"detail": {"n": [1]}}]})",
      R"({"detail": {"tags": ["red"]}})",
      R"({"source": [{"anything-but": "a"}]})",
      R"({"detail": {"missing": [{"exists": false}]}, "source": ["b"]})",
      R"({"detail": {"gone": [{"exists": false}]}})",
      R"({"detail": {"tags": [{"suffix": "ed"}], "n": [1]}})",
      R"({"detail": {"pts": {"x": [1], "y": [2]}}})",
  };
  std::vector<std::string> events = {
      R"({"source": "a", "detail-type": "x", "detail": {"n": 2}})",
      R"({"source": "b", "detail-type": "y", "detail": {"n": 1, "tags": ["blue", "red"]}})",
      R"({"source": "c", "detail": {}})",
      R"({"source": "ab", "detail-type": "x"})",
      R"({"detail": {"n": 1}})",
      R"({"detail": {"gone": 1, "tags": "red", "n": 1}, "source": "a"})",
      R"({"detail": {"pts": [{"x": 1, "y": 3}, {"x": 3, "y": 2}]}})",
      R"({"detail": {"pts": [{"x": 1, "y": 3}, {"x": 1, "y": 2}]}})",
  };
  emu::bus::rule_index index;
  std::vector<emu::bus::pattern> compiled;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    compiled.push_back(emu::bus::pattern::parse(patterns[i]));
    index.add(std::uint32_t(i), compiled.back());
  }
  CHECK(index.unindexed() == 1);  // only the exists:false pattern has no field to file it under
  for (const auto& text : events) {
    json ev = json::parse(text);
    std::vector<std::uint32_t> want, got, from_text;
    for (std::size_t i = 0; i < compiled.size(); ++i)
      if (compiled[i].matches(ev)) want.push_back(std::uint32_t(i));
    index.match(ev, got);
    index.match_text(text, from_text);
    INFO("event " << text);
    CHECK(got == want);
    CHECK(from_text == want);
  }
  index.remove(0);
  std::vector<std::uint32_t> got;
  index.match(json::parse(events[0]), got);
  CHECK(std::find(got.begin(), got.end(), 0u) == got.end());
}

// The index, from the document and from text, must give exactly the rules each pattern gives
// on its own; returns how many that is.
static int agrees(const emu::bus::rule_index& index, const std::vector<emu::bus::pattern>& rules, const json& e) {
  std::vector<std::uint32_t> want, got, from_text;
  for (std::size_t r = 0; r < rules.size(); ++r)
    if (rules[r].matches(e)) want.push_back(std::uint32_t(r));
  index.match(e, got);
  index.match_text(e.dump(), from_text);
  INFO("event " << e.dump());
  REQUIRE(got == want);
  REQUIRE(from_text == want);
  return int(want.size());
}

// Many random rules in one index, over a small vocabulary of paths and values so that they
// match often: arrays of objects (where fields must come from one element), several fields per
// rule, every operator, `$or`, and numbers next to each other. The index, from the document and
// from text, must give exactly the rules each pattern gives on its own.
TEST_CASE("rule index: random rule sets agree with each pattern", "[bus][index]") {
  std::mt19937_64 rng(20261201);
  auto pick = [&](std::initializer_list<json> xs) { return *(xs.begin() + rng() % xs.size()); };
  auto value = [&]() -> json {
    return pick({"x", "xy", "yx", "X", "", "10.0.0.7", 1, 1.5, -2, 0, 0.1 + 0.2, 0.3, 1e300, true, false, nullptr});
  };
  auto op = [&]() -> json {
    switch (rng() % 13) {
      case 0:
        return value();
      case 1:
        return json{{"prefix", pick({"x", "", "Y"})}};
      case 2:
        return json{{"suffix", pick({"y", "x", ""})}};
      case 3:
        return json{{"equals-ignore-case", pick({"x", "XY", "yX"})}};
      case 4:
        return json{{"prefix", {{"equals-ignore-case", pick({"X", "y"})}}}};
      case 5:
        return json{{"suffix", {{"equals-ignore-case", pick({"Y", "x"})}}}};
      case 6:
        return json{{"wildcard", pick({"x*", "*y", "*", "x*y"})}};
      case 7:
        return json{{"anything-but",
                     pick({"x", json::array({"x", 1}), json::array({1.5, -2, 0.3, 1}), json{{"prefix", "x"}},
                           json{{"suffix", "y"}}, json{{"equals-ignore-case", "X"}}, json{{"wildcard", "x*"}}})}};
      case 8:
        return json{{"numeric", pick({json::array({"=", 0.3}), json::array({"<", 1}), json::array({">=", 0, "<", 1.5}),
                                      json::array({"=", 1.5})})}};
      case 9:
        return json{{"exists", bool(rng() % 2)}};
      case 10:
        return json{{"cidr", "10.0.0.0/24"}};
      case 11:
        return pick({1, 0.3, 1.5, 0.30000000000000004});
      default:
        return pick({"x", "xy"});
    }
  };
  const char* paths[] = {"a", "b", "c.d", "c.e", "f"};
  auto field = [&](json& pattern, const std::string& path) {
    json ops = json::array();
    for (int k = 1 + int(rng() % 2); k > 0; --k) ops.push_back(op());
    auto dot = path.find('.');
    if (dot == std::string::npos)
      pattern[path] = ops;
    else
      pattern[path.substr(0, dot)][path.substr(dot + 1)] = ops;
  };
  auto rule = [&]() {
    json p = json::object();
    for (int k = 1 + int(rng() % 3); k > 0; --k) field(p, paths[rng() % std::size(paths)]);
    if (rng() % 5 == 0) {
      json q = json::object(), r = json::object();
      field(q, paths[rng() % std::size(paths)]);
      field(r, paths[rng() % std::size(paths)]);
      p["$or"] = json::array({q, r});
    }
    return p;
  };
  auto event = [&]() {
    json e = json::object();
    for (const char* k : {"a", "b", "f"})
      if (rng() % 4) e[k] = rng() % 3 ? value() : json::array({value(), value()});
    auto element = [&]() {
      json c = json::object();
      if (rng() % 4) c["d"] = value();
      if (rng() % 4) c["e"] = value();
      return c;
    };
    if (rng() % 4) e["c"] = rng() % 2 ? element() : json::array({element(), element(), element()});
    return e;
  };
  int matched = 0;
  for (int round = 0; round < 40; ++round) {
    emu::bus::rule_index index;
    std::vector<emu::bus::pattern> rules;
    while (rules.size() < 60) {
      try {
        rules.push_back(emu::bus::pattern::compile(rule()));
        index.add(std::uint32_t(rules.size() - 1), rules.back());
      } catch (const emu::bus::pattern_error&) {}
    }
    for (int i = 0; i < 100; ++i) matched += agrees(index, rules, event());
  }
  CHECK(matched > 10'000);  // the rules do match: the comparison is not between empty sets
}

// String leaves are tested once per value and the answer remembered per path, up to a bound,
// and a path whose values rarely repeat stops remembering. Past both limits (unique values on
// `u`; on `r` each value twice, more values than the memo keeps), answers must stay exact.
TEST_CASE("rule index: remembered string tests stay exact past the memo's limits", "[bus][index]") {
  std::vector<std::string> patterns;
  for (const char* path : {"u", "r"})
    for (const char* op :
         {R"({"prefix": "a1"})", R"({"suffix": "9"})", R"({"wildcard": "b*5*"})",
          R"({"anything-but": {"prefix": "A"}})", R"({"equals-ignore-case": "AB12"})",
          R"({"prefix": {"equals-ignore-case": "b2"}})", R"("a17")", R"({"prefix": "a2"})", R"({"wildcard": "a*9"})"})
      patterns.push_back(std::string(R"({")") + path + R"(": [)" + op + "]}");
  emu::bus::rule_index index;
  std::vector<emu::bus::pattern> rules;
  for (const auto& p : patterns) {
    rules.push_back(emu::bus::pattern::parse(p));
    index.add(std::uint32_t(rules.size() - 1), rules.back());
  }
  const char* heads[] = {"a", "b", "A", "B", "ab"};
  auto value = [&](int i) { return heads[i % 5] + std::to_string(i); };
  int matched = 0;
  for (int i = 0; i < 12'000; ++i) matched += agrees(index, rules, {{"u", value(i)}, {"r", value(i / 2)}});
  CHECK(matched > 12'000);
}

// Text that turns out not to be JSON after a rule already held must leave nothing behind for the
// next event.
TEST_CASE("rule index: an event that fails part-way leaves no match behind", "[bus][index]") {
  emu::bus::rule_index index;
  index.add(7, emu::bus::pattern::parse(R"({"source": ["a"]})"));
  index.add(9, emu::bus::pattern::parse(R"({"source": [{"anything-but": "b"}]})"));
  std::vector<std::uint32_t> got;
  CHECK_THROWS_AS(index.match_text(R"({"source": "a", "source": tru})", got), emu::bus::pattern_error);
  got.clear();
  index.match_text(R"({"source": "b"})", got);
  CHECK(got.empty());
  index.match_text(R"({"source": "a"})", got);
  CHECK(got == std::vector<std::uint32_t>{7, 9});
}

// Text read in place (walk.h, walkable_in_place) is followed by its NUL and then whatever the
// memory holds. Here that is the rest of a valid event: a scan that ran past the NUL, or a load
// not masked to the text, would complete the truncated texts below and match, or miss the error.
TEST_CASE("rule index: text read in place ends at its NUL whatever follows", "[bus][index]") {
  emu::bus::rule_index index;
  index.add(1, emu::bus::pattern::parse(R"({"a": [{"exists": true}]})"));
  index.add(2, emu::bus::pattern::parse(R"({"a": [{"prefix": "ab"}], "b": [{"numeric": [">", 0]}]})"));
  index.add(3, emu::bus::pattern::parse(R"({"k": {"x": [{"anything-but": 0}]}})"));
  // Each text cut at every byte after its first; the cut-off rest stays in memory after the NUL.
  std::vector<std::string> events = {
      R"({"a":true,"b":12.5e1})",
      R"({"a":"abc\"\u00e9\ud83d\ude00","b":1})",
      R"({"z":{"q":[1,"}]",{"r":null}]},"a":false})",
      R"({"k":{"x":-12.75,"y":[0.5]},"a":[1,2]})",
      R"({"k":[{"x":1},{"x":0}],"a":"ab"})",
  };
  std::size_t in_place = 0;
  for (const auto& full : events) {
    for (std::size_t cut = 1; cut <= full.size(); ++cut) {
      std::string text;
      text.reserve(full.size() + 256);
      text = full;
      text.append(200, ' ');  // a run with no NUL in it, so scans would not stop there either
      text.resize(cut);
      in_place += emu::bus::walk::walkable_in_place(text);
      std::vector<std::uint32_t> got, want;
      INFO("text " << text);
      if (cut < full.size()) {
        CHECK_THROWS_AS(index.match_text(text, got), emu::bus::pattern_error);
        continue;
      }
      index.match(json::parse(text), want);
      index.match_text(text, got);
      CHECK(got == want);
      CHECK(!got.empty());
    }
  }
  CHECK(in_place > 0);  // the case above is the one tested
}
