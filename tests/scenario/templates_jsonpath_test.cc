#include <catch2/catch.hpp>

#include "emulator/core/jsonpath.h"
#include "emulator/scenario/templates.h"

using emu::json;

TEST_CASE("templates: whole-string keeps the type, splices otherwise", "[scenario][templates]") {
  auto lookup = [](const std::string& n) -> json {
    if (n == "n") return 42;
    if (n == "s") return "pho";
    throw std::out_of_range(n);
  };
  CHECK(emu::scenario::expand("${n}", lookup) == json(42));
  CHECK(emu::scenario::expand("id-${n}-${s}", lookup) == json("id-42-pho"));
  CHECK(emu::scenario::expand("cost $5", lookup) == json("cost $5"));
  CHECK(emu::scenario::expand("$${n}", lookup) == json("${n}"));
  CHECK(emu::scenario::expand_all(json{{"k-${s}", {"${n}", "x"}}}, lookup) == json{{"k-pho", {42, "x"}}});
  CHECK_THROWS_AS(emu::scenario::expand("${nope}", lookup), std::out_of_range);
  CHECK_THROWS_AS(emu::scenario::template_names("${open"), std::invalid_argument);
  CHECK(emu::scenario::template_names("a ${x} b ${env:HOME}") == std::vector<std::string>{"x", "env:HOME"});
}

TEST_CASE("jsonpath: the capture subset", "[scenario][jsonpath]") {
  json doc = json::parse(R"({"body":{"items":[{"id":"a"},{"id":"b"}],"odd key":1},"Items":[1,2,3]})");
  CHECK(emu::eval_jsonpath(doc, "$.body.items[0].id") == json("a"));
  CHECK(emu::eval_jsonpath(doc, "$.body.items[-1].id") == json("b"));
  CHECK(emu::eval_jsonpath(doc, "$.body['odd key']") == json(1));
  CHECK(emu::eval_jsonpath(doc, "$.Items.length()") == json(3));
  CHECK(emu::eval_jsonpath(doc, "$.body.items[*].id") == json({"a", "b"}));
  CHECK(emu::eval_jsonpath(doc, "$") == doc);
  CHECK_FALSE(emu::eval_jsonpath(doc, "$.body.items[5]"));
  CHECK_FALSE(emu::eval_jsonpath(doc, "$.nope.deeper"));
  CHECK(emu::check_jsonpath("body.x"));
  CHECK(emu::check_jsonpath("$.a[x]"));
  CHECK(emu::check_jsonpath("$.a.length().b"));
  CHECK_FALSE(emu::check_jsonpath("$.a[0]['b c'].length()"));
}
