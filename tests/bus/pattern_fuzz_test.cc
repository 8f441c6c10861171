// Hostile input must give an error or an answer, never a crash or a hang: random JSON
// patterns and events (a fixed seed, so failures reproduce), run under ASan/UBSan in CI.
#include <catch2/catch.hpp>

#include <random>

#include "emulator/bus/pattern.h"
#include "emulator/bus/rule_index.h"

using emu::json;

namespace {

json random_value(std::mt19937_64& rng, int depth) {
  static const char* const words[] = {"prefix",
                                      "suffix",
                                      "anything-but",
                                      "numeric",
                                      "exists",
                                      "cidr",
                                      "wildcard",
                                      "equals-ignore-case",
                                      "$or",
                                      "a",
                                      "b",
                                      "",
                                      "*",
                                      "a*b",
                                      "10.0.0.0/8",
                                      ">",
                                      "<=",
                                      "="};
  switch (rng() % (depth > 4 ? 5 : 7)) {
    case 0:
      return nullptr;
    case 1:
      return bool(rng() % 2);
    case 2:
      return double(std::int64_t(rng() % 2001) - 1000) / 7.0;
    case 3:
      return words[rng() % std::size(words)];
    case 4:
      return std::int64_t(rng() % 100);
    case 5: {
      json a = json::array();
      for (int i = int(rng() % 4); i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      for (int i = int(rng() % 4); i > 0; --i) o[words[rng() % std::size(words)]] = random_value(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("patterns: random patterns and events never crash", "[bus][patterns][fuzz]") {
  std::mt19937_64 rng(20261130);
  int compiled = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    json p = random_value(rng, 0), e = random_value(rng, 0);
    try {
      auto pat = emu::bus::pattern::compile(p);
      ++compiled;
      // The rule index must agree with the pattern, from the document and from text.
      emu::bus::rule_index index;
      index.add(1, pat);
      std::vector<std::uint32_t> hits, text_hits;
      index.match(e, hits);
      index.match_text(e.dump(), text_hits);
      CHECK(hits.size() == (pat.matches(e) ? 1u : 0u));
      CHECK(text_hits == hits);
    } catch (const emu::bus::pattern_error&) {
      ++rejected;
    }
  }
  CHECK(compiled > 100);
  CHECK(rejected > 100);
  // Text that is not JSON at all.
  for (const char* t : {"", "{", "{\"a\":", "[[[[", "{\"a\": [1,]}", "\xff\xfe", "{\"a\": [\"\\ud800\"]}"})
    CHECK_THROWS_AS(emu::bus::pattern::parse(t), emu::bus::pattern_error);
}
