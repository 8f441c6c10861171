// Numbers (exact decimals, AWS's limits and messages, order-preserving key bytes) and
// attribute values (validation, normalisation, sizes, comparison).
#include <catch2/catch.hpp>

#include <algorithm>

#include "emulator/core/error.h"
#include "emulator/dynamo/number.h"
#include "emulator/dynamo/value.h"

using emu::json;
using emu::dynamo::number;

namespace {
std::string norm(const char* s) { return number::parse(s).to_string(); }
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const emu::aws_error& e) {
    return e.type() + ": " + e.message();
  }
  return "";
}
}  // namespace

TEST_CASE("numbers are normalised on the way in") {
  CHECK(norm("1.50") == "1.5");
  CHECK(norm("-0") == "0");
  CHECK(norm("0.000") == "0");
  CHECK(norm("007") == "7");
  CHECK(norm("1e3") == "1000");
  CHECK(norm("1.5E-3") == "0.0015");
  CHECK(norm("-12.340") == "-12.34");
  CHECK(norm("100") == "100");
  CHECK(norm(".5") == "0.5");
  CHECK(norm("5.") == "5");
}

TEST_CASE("invalid numbers, precision and range give AWS's messages") {
  for (const char* bad : {"", "-", "abc", "1e", "NaN", "Infinity", "+1", "0x10", "1.2.3", "1e+"})
    CHECK(error_of([&] {
            number::parse(bad);
          }).rfind("ValidationException: The parameter cannot be converted to a numeric value", 0) == 0);
  CHECK(error_of([] { number::parse("123456789012345678901234567890123456789"); }) ==
        "ValidationException: Attempting to store more than 38 significant digits in a Number");
  CHECK(error_of([] { number::parse("1E126"); }).find("Number overflow") != std::string::npos);
  CHECK(error_of([] { number::parse("1E-131"); }).find("Number underflow") != std::string::npos);
  // Extreme magnitudes come back as plain decimals, and parse back to the same number.
  CHECK(norm("1E125") == "1" + std::string(125, '0'));
  CHECK(norm("9.9999999999999999999999999999999999999E+125") ==
        "99999999999999999999999999999999999999" + std::string(88, '0'));
  CHECK(norm(norm("9.9999999999999999999999999999999999999E+125").c_str()) ==
        norm("9.9999999999999999999999999999999999999E+125"));
  CHECK(number::parse("1E-130").to_string() == "0." + std::string(129, '0') + "1");
  CHECK(number::parse(number::parse("1E-130").to_string()) == number::parse("1E-130"));
  // Zero is range-checked by the exponent it is written with; an exponent past a 64-bit integer
  // cannot be converted at all.
  CHECK(norm("0e125") == "0");
  CHECK(norm("0.0e126") == "0");
  CHECK(error_of([] { number::parse("0e126"); }).find("Number overflow") != std::string::npos);
  CHECK(error_of([] { number::parse("0e-131"); }).find("Number underflow") != std::string::npos);
  CHECK(error_of([] { number::parse("1e9223372036854775807"); }).find("Number overflow") != std::string::npos);
  CHECK(error_of([] { number::parse("1e9223372036854775808"); }) ==
        "ValidationException: The parameter cannot be converted to a numeric value: 1e9223372036854775808");
  // Trailing zeros do not count as significant digits.
  CHECK(norm("1000000000000000000000000000000000000000000") == "1000000000000000000000000000000000000000000");
}

TEST_CASE("arithmetic is exact decimal") {
  CHECK((number::parse("0.1") + number::parse("0.2")).to_string() == "0.3");
  CHECK((number::parse("1") - number::parse("1.0001")).to_string() == "-0.0001");
  CHECK((number::parse("-5") + number::parse("5")).to_string() == "0");
  CHECK((number::parse("99999999999999999999999999999999999999") + number::parse("0")).to_string() ==
        "99999999999999999999999999999999999999");
  CHECK(error_of([] {
          (number::parse("99999999999999999999999999999999999999") + number::parse("0.1")).to_string();
        }) == "ValidationException: Attempting to store more than 38 significant digits in a Number");
  CHECK(error_of([] {
          number::parse("9.9999999999999999999999999999999999999E+125") + number::parse("9E+125");
        }).find("overflow") != std::string::npos);
}

TEST_CASE("key bytes sort as the numbers do") {
  std::vector<std::string> values = {"-1e10", "-100", "-99.5", "-1", "-0.5", "-0.05", "0",   "1E-130", "0.05",
                                     "0.5",   "1",    "1.5",   "9",  "10",   "99.99", "100", "1e10"};
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    INFO(values[i] << " < " << values[i + 1]);
    CHECK(number::parse(values[i]) < number::parse(values[i + 1]));
    CHECK(number::parse(values[i]).key_bytes() < number::parse(values[i + 1]).key_bytes());
  }
  CHECK(number::parse("1").key_bytes() == number::parse("1.0").key_bytes());
}

TEST_CASE("attribute values are validated") {
  using emu::dynamo::dialect;
  auto bad = [](const char* text, dialect d = dialect::current) {
    json v = json::parse(text);
    return error_of([&] { emu::dynamo::normalise_value(v, 0, d); });
  };
  CHECK(bad(R"({})").find("Supplied AttributeValue is empty") != std::string::npos);
  CHECK(bad(R"({"S": "a", "N": "1"})").find("more than one datatypes") != std::string::npos);
  CHECK(bad(R"({"N": 1})").rfind("SerializationException", 0) == 0);
  CHECK(bad(R"({"SS": []})") ==
        "ValidationException: One or more parameter values were invalid: An string set  may not be empty");
  // Duplicate members, in each layer's words: the current one sorts until the first repeat and
  // quotes; the older one lists as sent.
  const std::string invalid = "ValidationException: One or more parameter values were invalid: ";
  CHECK(bad(R"({"SS": ["b", "a", "b", "0"]})") ==
        invalid + R"(Input collection ["a", "b", "b", "0"] contains duplicates.)");
  CHECK(bad(R"({"BS": ["/w==", "AA==", "AA=="]})") ==
        invalid + R"(Input collection ["AA==","/w==","AA=="]of type BS contains duplicates.)");
  CHECK(bad(R"({"NS": ["1", "1.0"]})") == invalid + "Input collection contains duplicates.");
  CHECK(bad(R"({"SS": ["b", "a", "b"]})", dialect::older) ==
        invalid + "Input collection [b, a, b] contains duplicates.");
  CHECK(bad(R"({"BS": ["/w==", "AA==", "AA=="]})", dialect::older) ==
        invalid + "Input collection [/w==, AA==, AA==]of type BS contains duplicates.");
  CHECK(bad(R"({"NS": ["2", "1", "2"]})", dialect::older) ==
        "ValidationException: Input collection contains duplicates");
  CHECK(bad(R"({"SS": ["a", "a"]})", dialect::enveloped) ==
        "ValidationException: 1 validation error detected: One or more parameter values were invalid: Input collection "
        "[\"a\", \"a\"] contains duplicates.");
  // Numbers: the older layer reads as BigDecimal does.
  const std::string nan = "ValidationException: The parameter cannot be converted to a numeric value";
  CHECK(bad(R"({"N": ""})") == nan + ": ");
  CHECK(bad(R"({"N": ""})", dialect::older) == nan);
  CHECK(bad(R"({"N": "1e2147483647"})").find("Number overflow") != std::string::npos);
  CHECK(bad(R"({"N": "1e2147483647"})", dialect::older).find("Number underflow") != std::string::npos);
  CHECK(bad(R"({"N": "1e2147483648"})", dialect::older).find("Number overflow") != std::string::npos);
  CHECK(bad(R"({"NULL": false})").find("Null attribute value types must have the value of true") != std::string::npos);
  CHECK(bad(R"({"B": "***"})").rfind("SerializationException", 0) == 0);
  CHECK(bad(R"({"X": "1"})").rfind("SerializationException", 0) == 0);
  std::string deep = R"({"S": "x"})";
  for (int i = 0; i < 40; ++i) deep = R"({"L": [)" + deep + "]}";
  CHECK(bad(deep.c_str()).find("Nesting Levels have exceeded supported limits") != std::string::npos);
  json ok = json::parse(R"({"M": {"n": {"N": "1.50"}, "s": {"NS": ["2.0", "1"]}}})");
  emu::dynamo::normalise_value(ok, 0, dialect::current);
  CHECK(ok.dump() == R"({"M":{"n":{"N":"1.5"},"s":{"NS":["2","1"]}}})");
}

TEST_CASE("equality, ordering and sizes follow DynamoDB") {
  using emu::dynamo::compare;
  using emu::dynamo::equal;
  CHECK(equal(json{{"N", "1"}}, json{{"N", "1.0"}}));
  CHECK(equal(json::parse(R"({"SS": ["a", "b"]})"), json::parse(R"({"SS": ["b", "a"]})")));
  CHECK_FALSE(equal(json{{"S", "1"}}, json{{"N", "1"}}));
  CHECK(*compare(json{{"S", "B"}}, json{{"S", "a"}}) < 0);  // byte order, not collation
  CHECK(*compare(json{{"S", "z"}}, json{{"S", "é"}}) < 0);  // UTF-8 bytes compare unsigned
  CHECK_FALSE(compare(json{{"S", "1"}}, json{{"N", "1"}}).has_value());
  CHECK(emu::dynamo::item_size(json::parse(R"({"ab": {"S": "xyz"}})")) == 5);
  // A number costs one byte plus half its significant digits on each side of the point, each
  // rounded up, plus one if negative (AWS's measured figures).
  CHECK(emu::dynamo::value_size(json{{"N", "12345"}}) == 4);
  CHECK(emu::dynamo::value_size(json{{"N", "123456"}}) == 4);
  CHECK(emu::dynamo::value_size(json{{"N", "3.14159"}}) == 5);
  CHECK(emu::dynamo::value_size(json{{"N", "1E125"}}) == 2);
  CHECK(emu::dynamo::value_size(json{{"N", "-1"}}) == 3);
}

TEST_CASE("plain JSON converts to attribute values and back") {
  json plain = json::parse(R"({"s": "x", "n": 1.5, "i": 7, "b": true, "z": null, "l": [1, "a"], "m": {"k": "v"}})");
  json av = emu::dynamo::item_from_plain(plain);
  CHECK(av["n"] == json{{"N", "1.5"}});
  CHECK(av["l"]["L"][1] == json{{"S", "a"}});
  CHECK(emu::dynamo::item_to_plain(av) == plain);
}

TEST_CASE("attribute-value text converts to plain text as item_to_plain does") {
  json item = json::parse(
      R"({"PK":{"S":"EST#1"},"name":{"S":"Caf\u00e9 \"Q\"\\n"},"n":{"N":"4.5"},"big":{"N":"12345678901234567890.5"},
    "neg":{"N":"-7"},"e":{"N":"1E+5"},"b":{"B":"aGk="},"t":{"BOOL":true},"z":{"NULL":true},"ss":{"SS":["a","b"]},
    "ns":{"NS":["1","2.5"]},"bs":{"BS":["aGk="]},"l":{"L":[{"S":"x"},{"M":{"k":{"N":"3"}}},{"L":[]}]},"m":{"M":{}}})");
  std::string text;
  emu::dynamo::append_plain_item(text, item.dump(), {"PK"});
  json want = emu::dynamo::item_to_plain(item);
  want.erase("PK");
  CHECK(json::parse(text) == want);
  text.clear();
  emu::dynamo::append_plain_item(text, " { \"a\" : { \"S\" : \"x\" } } ");
  CHECK(text == R"({"a":"x"})");
  for (const char* bad : {"", "{", R"({"a":{"Q":"x"}})", R"({"a":{"S":"x")", "[1]", R"({"a":{"L":[{"S":"x"})",
                          R"({"a":{"S":"x\)", R"({"a":{"S":"x\"}})", R"({"a\)"}) {
    text.clear();
    CHECK_THROWS_AS(emu::dynamo::append_plain_item(text, bad), std::invalid_argument);
  }
  auto parts = emu::dynamo::split_page_text(
      R"({"Items":[{"a":{"S":"x"}},{"b":{"N":"1"}}],"Count":2,"LastEvaluatedKey":{"a":{"S":"x"}}})");
  REQUIRE(parts.items.size() == 2);
  CHECK(parts.items[1] == R"({"b":{"N":"1"}})");
  CHECK(parts.last_evaluated_key == R"({"a":{"S":"x"}})");
  CHECK(emu::dynamo::split_page_text(R"({"Items":[],"Count":0})").items.empty());
}

TEST_CASE("pick_attributes reads named attributes from an item's text") {
  json item = json::parse(R"({"PK":{"S":"EST#1"},"na\"me":{"S":"q"},"m":{"M":{"PK":{"S":"inner"}}},"SK":{"N":"2"}})");
  json got = emu::dynamo::pick_attributes(item.dump(), {"SK", "PK", "na\"me", "absent"});
  CHECK(got == json{{"PK", {{"S", "EST#1"}}}, {"na\"me", {{"S", "q"}}}, {"SK", {{"N", "2"}}}});
  CHECK(emu::dynamo::pick_attributes("{}", {"PK"}).empty());
  CHECK_THROWS_AS(emu::dynamo::pick_attributes("[1]", {"PK"}), std::invalid_argument);
  CHECK_THROWS_AS(emu::dynamo::pick_attributes(R"({"PK":)", {"PK"}), std::invalid_argument);
}
