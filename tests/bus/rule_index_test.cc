// The rule index must give exactly the rules a test of every pattern gives.
#include <catch2/catch.hpp>

#include "emulator/bus/rule_index.h"

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
