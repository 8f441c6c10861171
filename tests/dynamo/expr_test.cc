// The expression languages: parsing with AWS's messages, placeholder resolution, limits that
// keep any input from hanging the server, evaluation, projection and updates.
#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/dynamo/expr.h"
#include "emulator/dynamo/value.h"

using emu::json;
using namespace emu::dynamo;

namespace {

struct ctx {
  json names = json::object(), values = json::object();
  expr_scope scope;
  ctx(json n, json v) : names(std::move(n)), values(std::move(v)) {
    for (auto& [k, x] : values.items()) normalise_value(x, 1, emu::dynamo::dialect::current);
    if (!names.empty()) scope.names = &names;
    if (!values.empty()) scope.values = &values;
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const emu::aws_error& e) {
    return e.message();
  }
  return "";
}

bool holds(const char* cond, const json& plain_item, json values = json::object(), json names = json::object()) {
  ctx c(std::move(names), item_from_plain(values));
  return evaluate(parse_condition(cond, "ConditionExpression", c.scope), item_from_plain(plain_item));
}

json updated(const char* expr, const json& plain_item, json values = json::object()) {
  ctx c(json::object(), item_from_plain(values));
  return item_to_plain(apply_update(item_from_plain(plain_item), parse_update(expr, c.scope)));
}

}  // namespace

TEST_CASE("conditions evaluate like DynamoDB's") {
  json item = {{"a", 5}, {"s", "hello"}, {"l", {1, 2, 3}}, {"m", {{"x", {{"y", "deep"}}}}}, {"z", nullptr}};
  CHECK(holds("a = :v", item, {{":v", 5}}));
  CHECK(holds("a <> :v", item, {{":v", 6}}));
  CHECK(holds("nope <> :v", item, {{":v", 6}}));  // absent is unequal to anything
  CHECK_FALSE(holds("nope = :v", item, {{":v", 6}}));
  CHECK(holds("a BETWEEN :lo AND :hi", item, {{":lo", 1}, {":hi", 5}}));
  CHECK(holds("a IN (:x, :y)", item, {{":x", 4}, {":y", 5}}));
  CHECK(holds("begins_with(s, :p)", item, {{":p", "he"}}));
  CHECK(holds("contains(s, :p)", item, {{":p", "ell"}}));
  CHECK(holds("contains(l, :p)", item, {{":p", 2}}));
  CHECK(holds("size(l) = :n AND size(s) > :m", item, {{":n", 3}, {":m", 4}}));
  CHECK(holds("m.x.y = :v", item, {{":v", "deep"}}));
  CHECK(holds("l[1] = :v", item, {{":v", 2}}));
  CHECK(holds("attribute_exists(m.x) AND attribute_not_exists(m.q)", item));
  CHECK(holds("attribute_type(z, :t)", item, {{":t", "NULL"}}));
  CHECK(holds("NOT (a < :v) OR s = :s", item, {{":v", 1}, {":s", "x"}}));
  CHECK(holds("a > :v", item, {{":v", 4.99}}));
  CHECK_FALSE(holds("s > :v", item, {{":v", 1}}));  // different types never compare
  CHECK(holds("#k = :v", item, {{":v", 5}}, {{"#k", "a"}}));
  // A path compared with itself is refused, as DynamoDB does; so are redundant parentheses.
  CHECK_THROWS_WITH(holds("a = a", item),
                    "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for "
                    "this operator or function; operator: =, first operand: [a]");
  CHECK_THROWS_WITH(holds("((a = :v))", item, {{":v", 5}}),
                    "Invalid ConditionExpression: The expression has redundant parentheses;");
  CHECK(holds("(a = :v) AND (NOT (s = :s))", item, {{":v", 5}, {":s", "x"}}));
  CHECK(holds("not a = :v and (s = :s or s = :t)", item, {{":v", 1}, {":s", "x"}, {":t", "hello"}}));
}

TEST_CASE("expression errors carry AWS's messages") {
  auto err = [](const char* expr, json values = json::object(), json names = json::object()) {
    ctx c(std::move(names), item_from_plain(values));
    return error_of([&] { parse_condition(expr, "ConditionExpression", c.scope); });
  };
  CHECK(err("a = :v") ==
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute "
        "value: :v");
  CHECK(err("#a = :v", {{":v", 1}}) ==
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute "
        "name: #a");
  CHECK(err("name = :v", {{":v", 1}}) ==
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name");
  CHECK(err("Status = :v", {{":v", 1}}) ==
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Status");
  CHECK(err("a = = :v", {{":v", 1}}) == "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\"");
  CHECK(err("a = :v AND", {{":v", 1}}) == "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"");
  CHECK(err("foo(a)") == "Invalid ConditionExpression: Invalid function name; function: foo");
  CHECK(err("begins_with(a)") ==
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: "
        "begins_with, number of operands: 1");
  CHECK(err("a = size(b) AND attribute_exists(:v)", {{":v", 1}}) ==
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: "
        "attribute_exists");
  CHECK(err("list_append(a, b)") ==
        "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append");
  CHECK(err("a = attribute_exists(b)") ==
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: "
        "attribute_exists");
  CHECK(err("") == "Invalid ConditionExpression: The expression can not be empty;");
  CHECK(err("a ! b").find("Syntax error; token: \"!\"") != std::string::npos);
  CHECK(err("attribute_type(a, :t)", {{":t", "STRING"}}).find("Invalid attribute type name found; type: STRING") !=
        std::string::npos);
}

TEST_CASE("limits stop hostile expressions") {
  ctx c(json::object(), item_from_plain({{":v", 1}}));
  std::string deep(5000, '(');
  CHECK(error_of([&] { parse_condition(deep, "ConditionExpression", c.scope); }).find("Expression size has exceeded") !=
        std::string::npos);
  std::string nested = std::string(150, '(') + "a = :v" + std::string(150, ')');
  CHECK(error_of([&] { parse_condition(nested, "ConditionExpression", c.scope); }).find("nested levels") !=
        std::string::npos);
  std::string many = "a = :v";
  for (int i = 0; i < 301; ++i) many += " OR a = :v";
  CHECK(error_of([&] { parse_condition(many, "ConditionExpression", c.scope); }).find("too many operators") !=
        std::string::npos);
  std::string in = "a IN (:v";
  for (int i = 0; i < 100; ++i) in += ", :v";
  CHECK(error_of([&] { parse_condition(in + ")", "ConditionExpression", c.scope); }).find("too many operands for IN") !=
        std::string::npos);
  std::string nots;
  for (int i = 0; i < 200; ++i) nots += "NOT ";
  CHECK_FALSE(error_of([&] { parse_condition(nots + "a = :v", "ConditionExpression", c.scope); }).empty());
}

TEST_CASE("unused names and values are rejected") {
  json names = {{"#a", "a"}, {"#b", "b"}};
  ctx c(names, item_from_plain({{":v", 1}, {":w", 2}}));
  parse_condition("#a = :v", "ConditionExpression", c.scope);
  CHECK(error_of([&] { c.scope.check_all_used(); }) ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
  parse_condition("#b = :v", "ConditionExpression", c.scope);
  CHECK(error_of([&] { c.scope.check_all_used(); }) ==
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}");
}

TEST_CASE("updates: SET with arithmetic and functions, REMOVE, ADD, DELETE") {
  json item = {{"n", 1}, {"l", {1, 2, 3}}, {"m", {{"k", "v"}}}};
  CHECK(updated("SET n = n + :d", item, {{":d", 2}})["n"] == 3);
  CHECK(updated("SET x = if_not_exists(x, :z)", item, {{":z", 0}})["x"] == 0);
  CHECK(updated("SET n = if_not_exists(n, :z)", item, {{":z", 0}})["n"] == 1);
  CHECK(updated("SET l = list_append(l, :t)", item, {{":t", {4}}})["l"] == json({1, 2, 3, 4}));
  CHECK(updated("SET m.k2 = :v, l[1] = :w", item, {{":v", "x"}, {":w", 9}}) ==
        json{{"n", 1}, {"l", {1, 9, 3}}, {"m", {{"k", "v"}, {"k2", "x"}}}});
  CHECK(updated("SET l[10] = :v", item, {{":v", 4}})["l"] == json({1, 2, 3, 4}));  // past the end appends
  CHECK(updated("REMOVE l[0], l[2], m.k", item) == json{{"n", 1}, {"l", {2}}, {"m", json::object()}});
  CHECK(updated("ADD n :d, c :d", item, {{":d", 5}}) ==
        json{{"n", 6}, {"l", {1, 2, 3}}, {"m", {{"k", "v"}}}, {"c", 5}});
  // Sets: ADD unions, DELETE removes, an emptied set disappears.
  ctx c(json::object(), json::parse(R"({":a": {"SS": ["x", "y"]}, ":d": {"SS": ["x", "y"]}})"));
  json with_set = apply_update(json::object(), parse_update("ADD s :a", c.scope));
  CHECK(with_set["s"]["SS"].size() == 2);
  ctx c2(json::object(), json::parse(R"({":d": {"SS": ["x", "y"]}})"));
  CHECK(apply_update(with_set, parse_update("DELETE s :d", c2.scope)).empty());
}

TEST_CASE("update errors: overlapping paths, operand types, missing parents") {
  auto err = [](const char* expr, json item, json values = json::object()) {
    ctx c(json::object(), item_from_plain(values));
    return error_of([&] { apply_update(item_from_plain(item), parse_update(expr, c.scope)); });
  };
  CHECK(err("SET a = :v, a.b = :v", json::object(), {{":v", 1}}) ==
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these "
        "paths; path one: [a], path two: [a, b]");
  // DynamoDB's words for these (quoted in ScyllaDB Alternator's test_update_expression.py).
  CHECK(err("SET a = :v REMOVE a", json::object(), {{":v", 1}}) ==
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these "
        "paths; path one: [a], path two: [a]");
  CHECK(err("SET a.b = :v, a[0] = :v", json::object(), {{":v", 1}}) ==
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these "
        "paths; path one: [a, b], path two: [a, [0]]");
  {
    ctx c(json::object(), json::object());
    CHECK(error_of([&] { parse_projection("a, a", c.scope); }) ==
          "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of "
          "these paths; path one: [a], path two: [a]");
    CHECK(error_of([&] { parse_projection("a[0].b, a", c.scope); }) ==
          "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of "
          "these paths; path one: [a, [0], b], path two: [a]");
    CHECK(parse_projection("a.b, a.c, b[0], b[1]", c.scope).size() == 4);
  }
  CHECK(err("SET a = :v SET b = :v", json::object(), {{":v", 1}}) ==
        "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;");
  CHECK(err("SET a = s + :v", {{"s", "x"}}, {{":v", 1}}) ==
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand "
        "type: S");
  CHECK(err("SET a = b + :v", json::object(), {{":v", 1}}) ==
        "The provided expression refers to an attribute that does not exist in the item");
  CHECK(err("SET a.b = :v", json::object(), {{":v", 1}}) ==
        "The document path provided in the update expression is invalid for update");
  // An operand ADD does not take at all; one it takes, of another type than the attribute.
  CHECK(err("ADD n :v", {{"n", 1}}, {{":v", "x"}}).find("Incorrect operand type") != std::string::npos);
  CHECK(err("ADD s :v", {{"s", "x"}}, {{":v", 1}}) ==
        "Invalid UpdateExpression: An operand in the update expression has an incorrect data type");
  CHECK(err("SET a = size(b)", json::object()) ==
        "Invalid UpdateExpression: The function is not allowed in an update expression; function: size");
}

TEST_CASE("projections keep nested paths and compact list elements") {
  json item = item_from_plain({{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"l", {10, 20, 30}}});
  ctx c(json::object(), json::object());
  CHECK(item_to_plain(project(item, parse_projection("b.c, l[2], l[0], nope", c.scope))) ==
        json{{"b", {{"c", 2}}}, {"l", {10, 30}}});
  CHECK(item_to_plain(project(item, parse_projection("a, b", c.scope))) == json{{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}});
}
