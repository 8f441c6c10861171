// DynamoDB's expression parser and evaluator, attribute values and numbers. The first byte
// picks what the rest is: a condition (evaluated against an item), an update (applied), a
// projection (applied), an attribute value in JSON (normalised, sized, keyed, compared), or a
// number (parsed, printed, parsed again: the same number). Refusals must be aws_error.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "emulator/core/error.h"
#include "emulator/core/json.h"
#include "emulator/dynamo/expr.h"
#include "emulator/dynamo/number.h"
#include "emulator/dynamo/value.h"

namespace {

const emu::json& names() {
  static const emu::json n = {{"#a", "a"}, {"#b", "b"}, {"#l", "l"}, {"#m", "m"}};
  return n;
}

const emu::json& values() {
  static const emu::json v = [] {
    emu::json x = {{":s", {{"S", "x"}}},
                   {":n", {{"N", "1.5"}}},
                   {":b", {{"B", "AAE="}}},
                   {":t", {{"BOOL", true}}},
                   {":z", {{"NULL", true}}},
                   {":l", {{"L", {{{"N", "1"}}, {{"S", "a"}}}}}},
                   {":m", {{"M", {{"a", {{"N", "2"}}}}}}},
                   {":ss", {{"SS", {"a", "b"}}}},
                   {":ns", {{"NS", {"1", "2"}}}}};
    for (auto& [k, av] : x.items()) emu::dynamo::normalise_value(av, 1, emu::dynamo::dialect::current);
    return x;
  }();
  return v;
}

const emu::json& item() {
  static const emu::json i = [] {
    emu::json x = {{"a", {{"S", "x"}}},
                   {"b", {{"N", "3"}}},
                   {"l", {{"L", {{{"N", "1"}}, {{"M", {{"c", {{"S", "d"}}}}}}}}}},
                   {"m", {{"M", {{"a", {{"N", "2"}}}, {"ss", {{"SS", {"q"}}}}}}}}};
    emu::dynamo::normalise_item(x, emu::dynamo::dialect::current);
    return x;
  }();
  return i;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  emu::dynamo::expr_scope scope;
  scope.names = &names();
  scope.values = &values();
  try {
    switch (data[0] % 5) {
      case 0:
        (void)emu::dynamo::evaluate(emu::dynamo::parse_condition(text, "ConditionExpression", scope), item());
        break;
      case 1:
        (void)emu::dynamo::apply_update(item(), emu::dynamo::parse_update(text, scope));
        break;
      case 2:
        (void)emu::dynamo::project(item(), emu::dynamo::parse_projection(text, scope));
        break;
      case 3: {
        emu::json av = emu::parse_client_json(text);
        // Each layer's wording of the same value (they build different messages).
        for (auto d : {emu::dynamo::dialect::older, emu::dynamo::dialect::enveloped}) {
          emu::json copy = av;
          try {
            emu::dynamo::normalise_value(copy, 1, d);
          } catch (const emu::aws_error&) {}
        }
        emu::dynamo::normalise_value(av, 1, emu::dynamo::dialect::current);
        (void)emu::dynamo::value_size(av);
        (void)emu::dynamo::compare(av, av);
        if (!emu::dynamo::equal(av, av)) std::abort();
        (void)emu::dynamo::to_plain(av);
        auto t = emu::dynamo::type_of(av);
        if (t == "S" || t == "N" || t == "B") (void)emu::dynamo::key_bytes(av);
        break;
      }
      default: {
        auto n = emu::dynamo::number::parse(text);
        if (!(emu::dynamo::number::parse(n.to_string()) == n)) std::abort();
        (void)(n + n);
        (void)(n - n);
        (void)n.key_bytes();
        break;
      }
    }
  } catch (const emu::aws_error&) {
  } catch (const emu::json::exception&) {  // a value in JSON that does not parse
  }
  return 0;
}
