// Client JSON's depth bound: counted outside strings, escapes included, before any parse.
#include <catch2/catch.hpp>

#include "emulator/core/json.h"

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
