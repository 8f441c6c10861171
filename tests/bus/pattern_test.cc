// Pattern semantics the AWS corpus does not pin down, written as match tables
// (see emulator/bus/PATTERNS.md).
#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "emulator/bus/pattern.h"

using emu::json;

namespace {
bool m(const char* pattern, const char* event) { return emu::bus::pattern::parse(pattern).matches(json::parse(event)); }
std::string error_of(const char* pattern) {
  try {
    emu::bus::pattern::parse(pattern);
    return "OK";
  } catch (const emu::bus::pattern_error& e) {
    return e.what();
  }
}
}  // namespace

// event-ruler refuses matches that take fields from different elements of one array.
TEST_CASE("patterns: fields matched inside an array come from one element", "[bus][patterns]") {
  const char* p = R"({"a": {"b": ["1"], "c": ["2"]}})";
  CHECK(m(p, R"({"a": [{"b": "1", "c": "2"}]})"));
  CHECK_FALSE(m(p, R"({"a": [{"b": "1"}, {"c": "2"}]})"));
  CHECK(m(p, R"({"a": [{"b": "1"}, {"b": "1", "c": "2"}]})"));
  // Different arrays do not constrain each other.
  CHECK(m(R"({"x": {"b": ["1"]}, "y": {"c": ["2"]}})", R"({"x": [{"b": "1"}], "y": [{"c": "2"}]})"));
}

TEST_CASE("patterns: $or nests and combines with siblings", "[bus][patterns]") {
  const char* p = R"({"source": ["s"], "$or": [{"a": ["1"]}, {"$or": [{"b": ["2"]}, {"c": [{"exists": true}]}]}]})";
  CHECK(m(p, R"({"source": "s", "a": "1"})"));
  CHECK(m(p, R"({"source": "s", "b": "2"})"));
  CHECK(m(p, R"({"source": "s", "c": null})"));
  CHECK_FALSE(m(p, R"({"source": "t", "a": "1"})"));
  CHECK_FALSE(m(p, R"({"source": "s", "b": "3"})"));
  // A one-element $or is just a key named "$or".
  CHECK(m(R"({"$or": ["x"]})", R"({"$or": "x"})"));
}

TEST_CASE("patterns: operators at their edges", "[bus][patterns]") {
  CHECK(m(R"({"w": [{"wildcard": "a\\*b*"}]})", R"({"w": "a*bcd"})"));
  CHECK_FALSE(m(R"({"w": [{"wildcard": "a\\*b*"}]})", R"({"w": "axbcd"})"));
  CHECK(m(R"({"w": [{"wildcard": "h*llo"}]})", R"({"w": "hllo"})"));
  CHECK(m(R"({"ip": [{"cidr": "2001:db8::/32"}]})", R"({"ip": "2001:0db8:0000:0000:0000:0000:0000:0001"})"));
  CHECK_FALSE(m(R"({"ip": [{"cidr": "10.0.0.0/8"}]})", R"({"ip": "11.0.0.1"})"));
  CHECK_FALSE(m(R"({"ip": [{"cidr": "10.0.0.0/8"}]})", R"({"ip": "2001:db8::1"})"));
  CHECK(m(R"({"n": [{"numeric": [">=", 1, "<", 2]}]})", R"({"n": 1})"));
  CHECK_FALSE(m(R"({"n": [{"numeric": [">=", 1, "<", 2]}]})", R"({"n": 2})"));
  CHECK(m(R"({"n": [{"numeric": ["=", 300]}]})", R"({"n": 3.0e2})"));
  CHECK(m(R"({"s": [{"equals-ignore-case": "ÉCOLE"}]})", R"({"s": "école"})"));
  // Ignore-case operators compare ASCII in place and fold the rest; either way the same answer.
  CHECK(m(R"({"s": [{"prefix": {"equals-ignore-case": "éc"}}]})", R"({"s": "ÉCOLE"})"));
  CHECK(m(R"({"s": [{"suffix": {"equals-ignore-case": "LE"}}]})", R"({"s": "ÉCOle"})"));
  CHECK(m(R"({"s": [{"suffix": {"equals-ignore-case": "ΣΗ"}}]})", R"({"s": "ПИСЬМО ση"})"));
  CHECK_FALSE(m(R"({"s": [{"equals-ignore-case": "école"}]})", R"({"s": "ecole"})"));
  CHECK_FALSE(m(R"({"s": [{"prefix": {"equals-ignore-case": "abc"}}]})", R"({"s": "ab"})"));
  CHECK(emu::bus::fold_case("AÉ\xC3"
                            "A\xC1\x81Z") ==
        "aé\xC3"
        "a\xC1\x81z");  // bytes that are not UTF-8 stay
  CHECK(m(R"({"s": [{"anything-but": {"prefix": "init"}}]})", R"({"s": 12})"));
  CHECK_FALSE(m(R"({"s": [{"anything-but": "x"}]})", R"({})"));
  CHECK(m(R"({"s": [{"anything-but": "x"}]})", R"({"s": null})"));
  CHECK(m(R"({"s": [{"exists": false}]})", R"({"s": {"t": 1}})"));  // an object is not a leaf
  CHECK(m(R"({"a": {}})", R"({"b": 1})"));
}

TEST_CASE("patterns: errors not in the AWS corpus", "[bus][patterns]") {
  CHECK(error_of(R"({"n": [{"numeric": [">", 5, "<", 1]}]})") == "Bottom must be less than top");
  CHECK(error_of(R"({"n": [{"numeric": ["~", 1]}]})") == "Unrecognized numeric range operator: ~");
  CHECK(error_of(R"({"n": [{"exists": "yes"}]})") == "exists match pattern must be either true or false.");
  CHECK(error_of(R"({"w": [{"wildcard": "a\\b"}]})") == "Invalid escape character at pos 1");
  CHECK(error_of(R"({"a": [["x"]]})") == "Match value must be String, number, true, false, or null");
  CHECK_THAT(error_of("{not json"), Catch::Contains("syntax error"));
  std::string many = R"({"$or": [)";
  for (int i = 0; i < 40; ++i) many += std::string(i ? "," : "") + R"({"a": ["1"]})";
  many += R"(], "x": {"$or": [)";
  for (int i = 0; i < 40; ++i) many += std::string(i ? "," : "") + R"({"b": ["1"]})";
  many += "]}}";
  CHECK_THAT(error_of(many.c_str()), Catch::Contains("1000 combinations"));
}

// flatten_text must see exactly the leaves the document walk sees.
TEST_CASE("patterns: flattening text equals flattening the document", "[bus][patterns]") {
  const char* text = R"({"a": {"b.c": [1, -2.5e3, "x\u00e9\ud83d\ude00\n"], "d": [[true, null], {"e": false}]},
                         "f": {}, "g": [], "h": "\"quoted\""})";
  json doc = json::parse(text);  // leaves view into it
  auto from_doc = emu::bus::flatten(doc);
  auto from_text = emu::bus::flatten_text(text);
  REQUIRE(from_doc.leaves.size() == from_text.leaves.size());
  auto path_of = [](const emu::bus::flat_event& ev, std::uint32_t id) {
    std::string found;
    for (const char* p : {"a.b.c", "a.d", "a.d.e", "h"})
      if (ev.table().find(p) == std::int32_t(id)) found = p;
    return found;
  };
  for (std::size_t i = 0; i < from_doc.leaves.size(); ++i) {
    CHECK(path_of(from_doc, from_doc.leaves[i].path) == path_of(from_text, from_text.leaves[i].path));
    CHECK(!path_of(from_doc, from_doc.leaves[i].path).empty());
    CHECK(from_doc.leaves[i].value == from_text.leaves[i].value);
    const auto& a = from_doc.leaves[i];
    const auto& b = from_text.leaves[i];
    REQUIRE(a.count == b.count);
    for (std::uint32_t k = 0; k < a.count; ++k)
      CHECK(from_doc.positions[a.first + k] == from_text.positions[b.first + k]);
  }
  emu::bus::path_table only;
  auto id = only.intern("a.d.e");
  emu::bus::flat_event some;
  emu::bus::flatten_text(text, &only, some);
  REQUIRE(some.leaves.size() == 1);
  CHECK(some.leaves[0].path == id);
  CHECK(some.at("a.d.e").size() == 1);
  CHECK(some.leaves[0].value.b == false);
  for (const char* bad : {"", "{", "{\"a\" 1}", "[1,]", "\"\\x\"", "\"\\ud800\"", "01x", "{\"a\": tru}", "[1] 2"})
    CHECK_THROWS_AS(emu::bus::flatten_text(bad), emu::bus::pattern_error);
  CHECK_THROWS_AS(emu::bus::flatten_text(std::string(5000, '[') + std::string(5000, ']')), emu::bus::pattern_error);
}

// Numbers read from text (converted lazily, on an operator's first use) convert exactly as
// std::from_chars does: random digit strings, and doubles printed at 15 to 17 digits with their
// last digit nudged, which lands near halfway points between doubles; overflow is infinity.
TEST_CASE("patterns: numbers from text convert like from_chars", "[bus][patterns]") {
  std::mt19937_64 rng(20261130);
  auto check = [](const std::string& text) {
    double want = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), want).ec == std::errc::result_out_of_range)
      want = text[0] == '-' ? -HUGE_VAL : HUGE_VAL;  // JSON readers take overflow as infinity
    double got = emu::bus::scalar::number_text(text).num();
    INFO(text);
    REQUIRE(std::memcmp(&got, &want, sizeof got) == 0);
  };
  for (int i = 0; i < 50'000; ++i) {
    std::string t = rng() % 2 ? "-" : "";
    int digits = 1 + int(rng() % 20), point = int(rng() % (digits + 1));
    std::string ds;
    for (int k = 0; k < digits; ++k) ds += char('0' + rng() % 10);
    if (point == 0 || point == digits)
      t += ds;
    else
      t += ds.substr(0, point) + "." + ds.substr(point);
    if (t == "-" || t.empty()) continue;
    check(t);
  }
  char buf[64];
  for (int i = 0; i < 50'000; ++i) {
    double d = std::ldexp(double(rng() >> 11), -int(rng() % 80));
    int precision = 15 + int(rng() % 3);
    int n = std::snprintf(buf, sizeof buf, "%.*f", precision - 1, d);
    std::string t(buf, std::size_t(n));
    if (t.find('e') != std::string::npos) continue;
    check(t);
    char& last = t.back();
    last = last == '9' ? '8' : char(last + 1);
    check(t);
  }
  check("0.0");
  check("-0.0");
  check("122.42916360922355");
  check("9007199254740993");
  check("18446744073709551615");
  check("1e400");
  check("-1e400");
}

// scalar::compare decides most comparisons from an estimate with an error bound; it must give
// exactly the sign of num() − c, above all for c next to the number, where the estimate cannot
// decide: the text's own value, its neighbours one ulp away, and values a few ulps off.
TEST_CASE("patterns: numbers from text compare exactly as converted", "[bus][patterns]") {
  std::mt19937_64 rng(20261201);
  auto sign = [](double a, double b) { return a < b ? -1 : a > b ? 1 : 0; };
  emu::bus::flat_event read;
  auto check = [&](const std::string& text, double c) {
    double exact = emu::bus::scalar::number_text(text).num();
    INFO(text << " against " << c);
    REQUIRE(emu::bus::scalar::number_text(text).compare(c) == sign(exact, c));
    // As the text walker reads it (its first eight digits known), where the text is JSON.
    if (text.find_first_of("eE") == std::string::npos || text.find('.') == std::string::npos) {
      emu::bus::flatten_text("[" + text + "]", nullptr, read);
      REQUIRE(read.leaves.at(0).value.compare(c) == sign(exact, c));
    }
  };
  auto around = [&](const std::string& text) {
    double x = emu::bus::scalar::number_text(text).num();
    double c = x;
    for (int k = 0; k < 4; ++k) c = std::nextafter(c, HUGE_VAL);
    for (int k = 0; k < 9; ++k, c = std::nextafter(c, -HUGE_VAL)) check(text, c);
    check(text, x * (1 + 1e-12));
    check(text, x * (1 - 1e-12));
    check(text, -x);
    check(text, 0.0);
    check(text, HUGE_VAL);
    check(text, -HUGE_VAL);
  };
  char buf[64];
  for (int i = 0; i < 20'000; ++i) {
    std::string t = rng() % 2 ? "-" : "";
    int digits = 1 + int(rng() % 24), point = int(rng() % (digits + 1));
    std::string ds;
    for (int k = 0; k < digits; ++k) ds += char('0' + rng() % 10);
    t += point == 0 || point == digits ? ds : ds.substr(0, point) + "." + ds.substr(point);
    if (rng() % 4 == 0) t += "e" + std::to_string(int(rng() % 60) - 30);
    around(t);
  }
  for (int i = 0; i < 20'000; ++i) {  // printed doubles, last digit nudged: near halfway points
    double d = std::ldexp(double(rng() >> 11), -int(rng() % 80)) * (rng() % 2 ? -1 : 1);
    int n = std::snprintf(buf, sizeof buf, "%.*g", 15 + int(rng() % 3), d);
    std::string t(buf, std::size_t(n));
    around(t);
    char& last = t.back();
    if (last >= '0' && last <= '9') last = last == '9' ? '8' : char(last + 1);
    around(t);
  }
  for (const char* t : {"0", "-0", "0.0", "-122.42916360922355", "37.729900216217324", "9007199254740993",
                        "18446744073709551615", "123456789012345678901234567890", "0.000000000000000000000001", "1e22",
                        "1e23", "1e-22", "1e-23", "1e400", "-1e400", "1e-400"})
    around(t);
}

// Skipped containers are read 64 bytes at a time: strings with brackets, quotes and escapes
// in them, crossing a block's edge at every offset, must skip exactly as the document reads
// (or fail as invalid JSON: a control character in a string, a container left open).
TEST_CASE("patterns: skipping containers across 64-byte blocks", "[bus][patterns]") {
  emu::bus::path_table keep_a;
  keep_a.intern("a");
  for (int shift = 0; shift <= 140; ++shift)
    for (const char* special : {"", "\\\"", "\\\\", "{", "]", "}", "[", "\\u00e9", "\\\\\\\"", "x\\\"]"}) {
      std::string body = std::string(10, 'k') + special + std::string(10, 'k');
      std::string text = R"({"skip": [)" + std::string(std::size_t(shift), ' ') + R"({"s": ")" + body +
                         R"("}, {"t": [1, {"u": "]}"}, [[]]]}], "a": 5})";
      INFO(text);
      json doc = json::parse(text);
      emu::bus::flat_event some;
      emu::bus::flatten_text(text, &keep_a, some);
      REQUIRE(some.leaves.size() == 1);
      CHECK(some.leaves[0].value.num() == 5);
      CHECK(emu::bus::flatten_text(text).leaves.size() == 4);
      std::string bad = text;
      bad[text.find(R"("s": ")") + 8] = '\t';  // a raw tab inside the skipped string
      CHECK_THROWS_AS(emu::bus::flatten_text(bad, &keep_a, some), emu::bus::pattern_error);
      std::string open = text.substr(0, text.find(R"(, "a")"));  // the skipped array never closes
      open.erase(open.size() - 1);
      CHECK_THROWS_AS(emu::bus::flatten_text(open, &keep_a, some), emu::bus::pattern_error);
    }
}

// The scanner reads sixteen and eight bytes at a time: strings, numbers and skipped containers
// of every length, with escapes, brackets and control characters at every offset, must read
// exactly as the document does (or fail as invalid JSON).
TEST_CASE("patterns: text scanning at every length and offset", "[bus][patterns]") {
  emu::bus::path_table keep_a;
  keep_a.intern("a");
  for (int len = 0; len <= 40; ++len)
    for (int at = 0; at <= len; ++at)
      for (const char* special : {"", "\\\"", "\\\\", "{", "]", "\\u00e9", "x"}) {
        std::string body(std::size_t(len), 'k');
        body.insert(std::size_t(at), special);
        std::string digits = "-" + std::string(std::size_t(len) + 1, '7') + "." + std::string(std::size_t(at) + 1, '3');
        std::string text =
            R"({"skip": [{"s": ")" + body + R"("}, [[)" + digits + R"(]]], "a": [")" + body + R"(", )" + digits + "]}";
        INFO(text);
        json doc = json::parse(text);
        emu::bus::flat_event some;
        emu::bus::flatten_text(text, &keep_a, some);
        REQUIRE(some.leaves.size() == 2);
        CHECK(some.leaves[0].value.s == doc["a"][0].get<std::string>());
        CHECK(some.leaves[1].value.num() == doc["a"][1].get<double>());
        auto all = emu::bus::flatten_text(text);
        CHECK(all.leaves.size() == 4);
        // A control character inside a string is not JSON, skipped or not.
        std::string bad = text;
        bad[text.find(R"("s": ")") + 6 + std::size_t(at)] = '\n';
        if (!body.empty() && at < len)
          CHECK_THROWS_AS(emu::bus::flatten_text(bad, &keep_a, some), emu::bus::pattern_error);
      }
}
