// Hostile input never crashes or hangs: random token soups through every expression parser,
// and random documents through value validation. Deterministic (seeded), so a failure repeats.
#include <catch2/catch.hpp>

#include <random>

#include "emulator/core/error.h"
#include "emulator/dynamo/expr.h"
#include "emulator/dynamo/value.h"

using emu::json;
using namespace emu::dynamo;

TEST_CASE("random expressions parse or fail with ValidationException, never crash") {
  static const char* tokens[] = {"a",
                                 "b.c",
                                 "l[0]",
                                 "#n",
                                 ":v",
                                 ":w",
                                 "(",
                                 ")",
                                 "[",
                                 "]",
                                 ",",
                                 ".",
                                 "=",
                                 "<>",
                                 "<",
                                 "<=",
                                 ">",
                                 ">=",
                                 "+",
                                 "-",
                                 "AND",
                                 "OR",
                                 "NOT",
                                 "BETWEEN",
                                 "IN",
                                 "SET",
                                 "REMOVE",
                                 "ADD",
                                 "DELETE",
                                 "size",
                                 "attribute_exists",
                                 "begins_with",
                                 "contains",
                                 "if_not_exists",
                                 "list_append",
                                 "attribute_type",
                                 "99999999999",
                                 "\xff",
                                 "é",
                                 "#",
                                 ":",
                                 "name",
                                 "x"};
  std::mt19937 rng(42);
  json names = {{"#n", "n"}};
  json values = json::parse(R"({":v": {"N": "1"}, ":w": {"L": [{"S": "x"}]}})");
  json item = item_from_plain({{"a", 1}, {"n", "s"}, {"l", {1, 2}}, {"b", {{"c", 3}}}});
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int n = int(rng() % 12) + 1;
    for (int k = 0; k < n; ++k) text += std::string(tokens[rng() % std::size(tokens)]) + (rng() % 3 ? " " : "");
    expr_scope scope;
    scope.names = &names;
    scope.values = &values;
    try {
      switch (i % 3) {
        case 0:
          evaluate(parse_condition(text, "ConditionExpression", scope), item);
          break;
        case 1:
          apply_update(item, parse_update(text, scope));
          break;
        default:
          project(item, parse_projection(text, scope));
          break;
      }
      ++parsed;
    } catch (const emu::aws_error& e) {
      REQUIRE(e.type() == "ValidationException");
    }
  }
  CHECK(parsed > 100);  // the soup is not all garbage: some of it parses and runs
}

TEST_CASE("random documents validate or fail with AWS errors, never crash") {
  std::mt19937 rng(7);
  std::function<json(int)> gen = [&](int depth) -> json {
    switch (rng() % (depth > 6 ? 5 : 9)) {
      case 0:
        return {{"S", std::string(rng() % 4, 'x')}};
      case 1:
        return {{"N", std::to_string(int(rng() % 2000) - 1000) + (rng() % 2 ? ".50" : "e5")}};
      case 2:
        return {{"BOOL", rng() % 2 == 0}};
      case 3:
        return {{"NULL", rng() % 4 != 0}};
      case 4:
        return {{"SS", rng() % 3 ? json{"a", "b"} : json::array()}};
      case 5:
        return {{"L", {gen(depth + 1), gen(depth + 1)}}};
      case 6:
        return {{"M", {{"k", gen(depth + 1)}}}};
      case 7:
        return {{"N", 12}};  // wrong JSON type
      default:
        return json::object();
    }
  };
  for (int i = 0; i < 5000; ++i) {
    json v = gen(0);
    try {
      normalise_value(v, 0, i % 2 ? emu::dynamo::dialect::older : emu::dynamo::dialect::current);
      CHECK(value_size(v) < 100000);
    } catch (const emu::aws_error& e) {
      REQUIRE((e.type() == "ValidationException" || e.type() == "SerializationException"));
    }
  }
}
