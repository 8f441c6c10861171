#include <catch2/catch.hpp>

#include "emulator/core/yaml_json.h"
#include "emulator/scenario/matcher.h"

namespace {

// Matches YAML `want` against JSON `actual`; returns "" or the differences, one per line.
std::string diff(const std::string& want, const std::string& actual) {
  YAML::Node n = YAML::Load(want);
  auto e = emu::scenario::compile_expected(n, "t.yaml", "$");
  emu::scenario::match_env env;
  env.resolve = [](const std::string& s) { return s == "${x}" ? emu::json(5) : emu::json(s); };
  env.pattern = [](const emu::json& p, const emu::json& v, std::string&) { return p["equals"] == v; };
  std::string out;
  for (const auto& m : emu::scenario::match(*e, emu::json::parse(actual), env)) out += m.path + ": " + m.message + "\n";
  return out;
}

std::string compile_error(const std::string& want) {
  try {
    emu::scenario::compile_expected(YAML::Load(want), "t.yaml", "$");
    return "OK";
  } catch (const emu::load_error& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("matcher: maps are subsets unless !exact", "[scenario][matcher]") {
  CHECK(diff("{a: 1}", R"({"a":1,"b":2})") == "");
  CHECK(diff("!exact {a: 1}", R"({"a":1,"b":2})") ==
        "$.b: unexpected key (the expectation is !exact), value number 2\n");
  CHECK(diff("{a: {b: x}}", R"({"a":{"b":"y"}})") == "$.a.b: expected string \"x\", got string \"y\"\n");
  CHECK(diff("{a: 1}", R"({})") == "$.a: expected number 1, got nothing (missing)\n");
  CHECK(diff("{a: 1}", R"([1])") == "$: expected an object, got array [1]\n");
}

TEST_CASE("matcher: scalars, numbers numerically, quoted strings stay strings", "[scenario][matcher]") {
  CHECK(diff("1", "1.0") == "");
  CHECK(diff("1.5", "1.5") == "");
  CHECK(diff("'1'", "1") == "$: expected string \"1\", got number 1\n");
  CHECK(diff("true", "true") == "");
  CHECK(diff("~", "null") == "");
  CHECK(diff("~", "0") != "");
  CHECK(diff("${x}", "5") == "");  // a whole-string template keeps its type
}

TEST_CASE("matcher: lists in order, !unordered, !contains", "[scenario][matcher]") {
  CHECK(diff("[1, 2]", "[1,2]") == "");
  CHECK(diff("[1, 2]", "[2,1]") != "");
  CHECK_THAT(diff("[1, 2]", "[1,2,3]"), Catch::Contains("expected an array of 2 elements, got 3"));
  CHECK(diff("!unordered [2, 1]", "[1,2]") == "");
  CHECK_THAT(diff("!unordered [1, 1]", "[1,2]"), Catch::Contains("no element matches number 1"));
  CHECK_THAT(diff("!unordered [1]", "[1,2]"), Catch::Contains("in any order"));
  CHECK(diff("!contains [{id: b}]", R"([{"id":"a"},{"id":"b","x":1}])") == "");
  CHECK_THAT(diff("!contains [{id: c}]", R"([{"id":"a"}])"), Catch::Contains("no element matches"));
  // Each expected element needs its own actual element.
  CHECK(diff("!contains [{a: 1}, {a: 1, b: 2}]", R"([{"a":1,"b":2},{"a":1}])") == "");
  CHECK(diff("!contains [{a: 1}, {a: 1}]", R"([{"a":1}])") != "");
}

TEST_CASE("matcher: every tag, passing and failing", "[scenario][matcher]") {
  CHECK(diff("{a: !any}", R"({"a":null})") == "");
  CHECK(diff("{a: !any}", R"({})") == "$.a: expected any value, got nothing (missing)\n");
  CHECK(diff("{a: !absent}", R"({})") == "");
  CHECK(diff("{a: !absent}", R"({"a":1})") == "$.a: expected the key to be absent, got number 1\n");
  for (auto [t, v] : std::vector<std::pair<const char*, const char*>>{{"string", "\"s\""},
                                                                      {"number", "1.5"},
                                                                      {"boolean", "false"},
                                                                      {"null", "null"},
                                                                      {"object", "{}"},
                                                                      {"array", "[]"}}) {
    CHECK(diff(std::string("!type ") + t, v) == "");
    CHECK(diff(std::string("!type ") + t, std::string(t) == "string" ? "1" : "\"s\"") != "");
  }
  CHECK(diff("!regex '^EST#'", "\"EST#1\"") == "");
  CHECK(diff("!regex '^EST#'", "\"META#1\"") == "$: expected a string matching /^EST#/, got string \"META#1\"\n");
  CHECK(diff("!regex 'x'", "3") != "");
  CHECK(diff("{a: !uuid}", R"({"a":"123e4567-e89b-42d3-a456-426614174000"})") == "");
  CHECK(diff("[!uuid]", R"(["123e4567"])") == "$[0]: expected a UUID, got string \"123e4567\"\n");
  CHECK(diff("{a: !iso8601}", R"({"a":"2024-12-01T00:00:00Z"})") == "");
  CHECK(diff("{a: !iso8601}", R"({"a":"yesterday"})") != "");
  CHECK(diff("!len 3", "[1,2,3]") == "");
  CHECK(diff("!len 3", "\"abc\"") == "");
  CHECK(diff("!len 3", R"({"a":1})") != "");
  CHECK(diff("!gt 5", "6") == "");
  CHECK(diff("!gt 5", "5") != "");
  CHECK(diff("!lt 5", "4.9") == "");
  CHECK(diff("!lt 5", "\"4\"") != "");
  CHECK(diff("!between [1, 5]", "5") == "");
  CHECK(diff("!between [1, 5]", "5.1") == "$: expected a number between 1.0 and 5.0, got number 5.1\n");
  CHECK(diff("!pattern {equals: 3}", "3") == "");
  CHECK(diff("!pattern {equals: 3}", "4") != "");
}

TEST_CASE("matcher: bad tags are load errors with file:line", "[scenario][matcher]") {
  CHECK(compile_error("a: !nope 1") ==
        "t.yaml:1:4: $.a: unknown tag !nope (known: !exact !unordered !contains !any !absent !type !regex !uuid "
        "!iso8601 !len !gt !lt !between !pattern)");
  CHECK_THAT(compile_error("!type text"), Catch::Contains("!type must be"));
  CHECK_THAT(compile_error("!regex '('"), Catch::Contains("invalid regular expression"));
  CHECK_THAT(compile_error("!len -1"), Catch::Contains("whole number"));
  CHECK_THAT(compile_error("!gt abc"), Catch::Contains("needs a number"));
  CHECK_THAT(compile_error("!between [5, 1]"), Catch::Contains("low is greater"));
  CHECK_THAT(compile_error("!between 3"), Catch::Contains("[low, high]"));
  CHECK_THAT(compile_error("!exact [1]"), Catch::Contains("!exact takes a map"));
  CHECK_THAT(compile_error("!unordered {a: 1}"), Catch::Contains("takes a list"));
}

// run --target sends a check's YAML to serve: tags and the quoting that makes '3' a string survive.
TEST_CASE("yaml_text: tags and quoting survive a round trip", "[scenario][matcher]") {
  YAML::Node n = emu::parse_yaml("a: !any\nb: !regex '^x'\nc: [!len 3, '3', 3]\nd: !pattern {x: [1]}\ne: ~\n", "t");
  YAML::Node back = emu::parse_yaml(emu::yaml_text(n), "t");
  CHECK(back["a"].Tag() == "!any");
  CHECK(back["b"].Tag() == "!regex");
  CHECK(back["b"].Scalar() == "^x");
  CHECK(back["c"][0].Tag() == "!len");
  CHECK(back["c"][1].Tag() == "!");  // quoted: a string
  CHECK(back["c"][2].Tag() == "?");  // plain: a number
  CHECK(back["d"].Tag() == "!pattern");
  CHECK(back["d"]["x"][0].Scalar() == "1");
  CHECK(emu::yaml_to_json(back["e"], "t", "e").is_null());
}

// YAML's escapes \N and \_ are U+0085 and U+00A0; yaml-cpp 0.7 gives them as single bytes that
// are not UTF-8, which the JSON writers downstream refuse. parse_yaml encodes them.
TEST_CASE("parse_yaml: the escapes \\N and \\_ become UTF-8", "[scenario][matcher]") {
  YAML::Node n = emu::parse_yaml("\"k\\N\": \"a\\Nb\\_c\"\nd: [\"\\_\", 'x\\N', \"é\\N\"]\n", "t");
  CHECK(n["k\xC2\x85"].Scalar() ==
        "a\xC2\x85"
        "b\xC2\xA0"
        "c");
  CHECK(n["k\xC2\x85"].Tag() == "!");
  CHECK(n["d"][0].Scalar() == "\xC2\xA0");
  CHECK(n["d"][1].Scalar() == "x\\N");  // single-quoted: no escapes
  CHECK(n["d"][2].Scalar() == "\xC3\xA9\xC2\x85");
  CHECK(emu::yaml_to_json(n, "t", "").dump() ==
        "{\"k\xC2\x85\":\"a\xC2\x85"
        "b\xC2\xA0"
        "c\",\"d\":[\"\xC2\xA0\",\"x\\\\N\",\"\xC3\xA9\xC2\x85\"]}");
}
