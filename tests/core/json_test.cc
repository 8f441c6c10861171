// Client JSON's depth bound: counted outside strings, escapes included, before any parse.
#include <catch2/catch.hpp>

#include "emulator/core/json.h"
#include "emulator/core/json_scan.h"

TEST_CASE("json: depth is counted outside strings only", "[core][json]") {
  CHECK_FALSE(emu::json_nests_deeper(R"({"a": [1, {"b": 2}]})", 3));
  CHECK(emu::json_nests_deeper(R"({"a": [1, {"b": 2}]})", 2));
  CHECK_FALSE(emu::json_nests_deeper(R"({"a": "[[[[[[{{{{"})", 1));
  CHECK_FALSE(emu::json_nests_deeper(R"({"a": "\"[[[[", "b": "\\"})", 1));  // escaped quote, then a backslash
  CHECK(emu::json_nests_deeper(R"({"a": "\\", "b": [[]]})", 2));
  CHECK_FALSE(emu::json_nests_deeper("[[]][[]][[]]", 2));  // siblings do not add up
}

TEST_CASE("json: client text too deep or not JSON is discarded, never thrown", "[core][json]") {
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK(emu::parse_client_json(deep).is_discarded());
  CHECK(emu::parse_client_json("{").is_discarded());
  std::string ok = std::string(1000, '[') + std::string(1000, ']');
  CHECK(emu::parse_client_json(ok).is_array());
  CHECK(emu::parse_client_json("[" + ok + "]").is_discarded());
  CHECK(emu::parse_client_json(R"({"a": 1})")["a"] == 1);
}

namespace {
// nlohmann's own parser, as parse_client_json used to call it: what the fast one must match.
emu::json reference(std::string_view text) {
  if (emu::json_nests_deeper(text, emu::max_client_json_depth)) return emu::json(emu::json::value_t::discarded);
  return emu::json::parse(text, nullptr, false);
}
}  // namespace

TEST_CASE("json: the object scan and the parser accept what nlohmann's parser accepts", "[core][json]") {
  // Each text, scanned and parsed: the scan says valid exactly when nlohmann's parser gives an
  // object, and parse_client_json gives the same document (or none).
  const char* texts[] = {R"({})",
                         R"( {"a": [1, -0, 2.5, 1E+2, true, false, null, "x"]} )",
                         "\xEF\xBB\xBF{}",
                         " \xEF\xBB\xBF{}",
                         "{}\xEF\xBB\xBF",
                         "\xEF\xBB{}",
                         R"([])",
                         R"("s")",
                         R"(1)",
                         R"({"a":1e400})",
                         R"({"a":-1e400})",
                         R"({"a":1e-400})",
                         R"({"a":1.7976931348623157e308})",
                         R"({"a":1.8e308})",
                         R"({"a":01})",
                         R"({"a":-})",
                         R"({"a":0.e1})",
                         R"({"a":1.})",
                         R"({"a":.5})",
                         R"({"a":+1})",
                         R"({"a":1e})",
                         R"({"a":tru})",
                         R"({"a":nul})",
                         R"({"a":"\u0000"})",
                         R"({"a":"\uD83D\uDE00"})",
                         R"({"a":"\uDC00"})",
                         R"({"a":"\uD800"})",
                         R"({"a":"\uD800\u0041"})",
                         R"({"a":"\x"})",
                         R"({"a":"\u12G4"})",
                         "{\"a\":\"\x01\"}",
                         "{\"a\":\"\x7f\"}",
                         "{\"a\":\"\xC0\x80\"}",
                         "{\"a\":\"\xE0\x80\x80\"}",
                         "{\"a\":\"\xED\xA0\x80\"}",
                         "{\"a\":\"\xF4\x90\x80\x80\"}",
                         "{\"a\":\"\xF0\x9F\x98\x80\"}",
                         "{\"a\":\"\xE2\x82\"}",
                         "{\"a\":\"\xE2\x82\xAC\"}",
                         R"({"a":1,})",
                         R"({,})",
                         R"({"a" 1})",
                         R"({"a":1 "b":2})",
                         R"({"a":[1,]})",
                         R"({"a":[,1]})",
                         R"({"a":{}})",
                         R"({"a":[[],{}]})",
                         R"({"a":1}x)",
                         R"({"a":1}{})",
                         R"({"a":1)",
                         R"({"a)",
                         R"({'a':1})",
                         "{\"a\":1}\n\t\r ",
                         R"({1:2})",
                         R"({"a":"b"]})",
                         R"({"a":[1}})",
                         R"({"a":1e5000000000000000000})"};
  for (const char* t : texts) {
    INFO(t);
    emu::json ref = reference(t);
    CHECK(emu::scan_json_object(t, 1000).valid == ref.is_object());
    emu::json fast = emu::parse_client_json(t);
    REQUIRE(fast.is_discarded() == ref.is_discarded());
    if (!ref.is_discarded()) CHECK(fast.dump() == ref.dump());
  }
  std::string nul_inside("{\"a\":\"\0\"}", 9);
  CHECK_FALSE(emu::scan_json_object(nul_inside, 1000).valid);
  std::string nul_after("{\"a\":1} \0x", 10);  // the parser stops at a NUL after the value
  CHECK(emu::scan_json_object(nul_after, 1000).valid == reference(nul_after).is_object());
  CHECK(emu::scan_json_object(nul_after, 1000).object == "{\"a\":1}");
  std::string long_int = "{\"a\":" + std::string(320, '9') + "}";  // past a double's range: refused
  CHECK(emu::scan_json_object(long_int, 1000).valid == reference(long_int).is_object());
  CHECK_FALSE(emu::scan_json_object(long_int, 1000).valid);
}

TEST_CASE("json: the object scan bounds depth as the parser does", "[core][json]") {
  auto nested = [](int n) { return std::string(n - 1, '[').insert(0, "{\"a\":") + std::string(n - 1, ']') + "}"; };
  CHECK(emu::scan_json_object(nested(1000), 1000).valid);
  CHECK_FALSE(emu::scan_json_object(nested(1001), 1000).valid);
  CHECK(emu::parse_client_json(nested(1000)).is_object());
  CHECK(emu::parse_client_json(nested(1001)).is_discarded());
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK_FALSE(emu::scan_json_object("{\"a\":" + deep + "}", 1000).valid);  // no recursion, no crash
}

TEST_CASE("json: the object scan finds a top-level member and tells repeated keys", "[core][json]") {
  auto s = emu::scan_json_object(R"( {"x": {"trace_id": "inner"}, "trace_id" : "1-abc" , "y": 1} )", 1000, "trace_id");
  REQUIRE(s.valid);
  CHECK(s.plain_keys);
  CHECK(s.member == R"("1-abc")");
  CHECK(s.object.front() == '{');
  CHECK(s.object.back() == '}');
  CHECK(emu::scan_json_object(R"({"t":{"a":[1,2]}})", 1000, "t").member == R"({"a":[1,2]})");
  CHECK(emu::scan_json_object(R"({"x":{"t":1}})", 1000, "t").member.empty());
  CHECK_FALSE(emu::scan_json_object(R"({"a":1,"a":2})", 1000).plain_keys);
  CHECK_FALSE(emu::scan_json_object(R"({"b":{"a":1,"a":2}})", 1000).plain_keys);
  CHECK(emu::scan_json_object(R"({"a":{"a":1},"b":{"a":2}})", 1000).plain_keys);  // one per object
  CHECK_FALSE(emu::scan_json_object(R"({"\u0061":1})", 1000).plain_keys);
  std::string wide = "{";
  for (int i = 0; i < 65; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  CHECK_FALSE(emu::scan_json_object(wide + "}", 1000).plain_keys);
}

TEST_CASE("json: parse_client_json gives nlohmann's document, types and key order included", "[core][json]") {
  const char* texts[] = {R"({"b":1,"a":[2,-3,4.5,1e2,-0,18446744073709551615,18446744073709551616,-9223372036854775808,
                         -9223372036854775809,1e-400,4.9e-324,"\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t"],"b":{"x":null}})",
                         R"("just a string")",
                         R"(  12  )",
                         R"(true)",
                         R"([])",
                         "\xEF\xBB\xBF[1]",
                         R"({"a":{"a":{"a":1}}})"};
  for (const char* t : texts) {
    INFO(t);
    emu::json fast = emu::parse_client_json(t), ref = reference(t);
    REQUIRE_FALSE(ref.is_discarded());
    CHECK(fast.dump() == ref.dump());
    CHECK(fast == ref);
  }
  emu::json j = emu::parse_client_json(R"({"u":1,"s":-1,"f":1.0})");
  CHECK(j["u"].is_number_unsigned());
  CHECK(j["s"].is_number_integer());
  CHECK(j["f"].is_number_float());
  CHECK(emu::parse_client_json(R"({"b":1,"a":2,"b":3})").dump() == R"({"b":3,"a":2})");  // last value, first place
}
