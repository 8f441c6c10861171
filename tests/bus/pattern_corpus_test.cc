// The 155 AWS-validated TestEventPattern cases (tests/data/eventbridge): the file name says
// what AWS answered — `_NEG` no match, `_EXC` an invalid pattern with AWS's exact reason text,
// otherwise a match.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "emulator/bus/pattern.h"
#include "emulator/bus/rule_index.h"

namespace fs = std::filesystem;
using emu::json;

namespace {

const fs::path data = fs::path(EMU_SOURCE_DIR) / "tests/data/eventbridge";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The cases are JSON5 only in comments and trailing commas.
json parse_json5(const std::string& text) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
      continue;
    }
    out += c;
  }
  return json::parse(std::regex_replace(out, std::regex(",(\\s*[}\\]])"), "$1"));
}

// AWS's reason text for each _EXC case, from the recorded snapshot.
std::map<std::string, std::string> expected_reasons() {
  std::map<std::string, std::string> out;
  auto snap = json::parse(read(data / "localstack-test_events_patterns.snapshot.json"));
  const std::string prefix = "Event pattern is not valid. Reason: ";
  for (auto& [key, v] : snap.items()) {
    for (auto& [name, content] : v["recorded-content"].items()) {
      if (!content.contains("exception_message")) continue;
      std::string msg = content["exception_message"]["Error"]["Message"];
      if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
      out[name] = msg.substr(0, msg.find("\n at [Source"));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("patterns: the 155 AWS-validated cases", "[bus][patterns]") {
  auto reasons = expected_reasons();
  int cases = 0, matched = 0, negatives = 0, invalid = 0;
  std::vector<emu::bus::pattern> all_patterns;
  std::vector<json> all_events;
  for (const auto& entry : fs::directory_iterator(data / "localstack-event-patterns")) {
    if (entry.path().extension() != ".json5") continue;
    std::string name = entry.path().stem().string();
    json doc = parse_json5(read(entry.path()));
    ++cases;
    INFO("case " << name << ": pattern " << doc["EventPattern"].dump() << " event " << doc["Event"].dump());
    bool exc = name.ends_with("_EXC"), neg = name.ends_with("_NEG");
    if (exc) {
      ++invalid;
      REQUIRE(reasons.count(name));
      try {
        emu::bus::pattern::compile(doc["EventPattern"]);
        FAIL_CHECK("expected InvalidEventPatternException: " << reasons[name]);
      } catch (const emu::bus::pattern_error& e) {
        CHECK(std::string(e.what()) == reasons[name]);
      }
      continue;
    }
    auto p = emu::bus::pattern::compile(doc["EventPattern"]);
    CHECK(p.matches(doc["Event"]) == !neg);
    // The same answer from JSON text, whole and with the paths no rule names skipped.
    std::string text = doc["Event"].dump();
    CHECK(p.matches(emu::bus::flatten_text(text)) == !neg);
    // And from a rule index (paths no rule names skipped, operators filed by path), alone and
    // among all the other valid cases' patterns.
    emu::bus::rule_index one;
    one.add(7, p);
    std::vector<std::uint32_t> hits, text_hits;
    one.match(doc["Event"], hits);
    one.match_text(text, text_hits);
    CHECK(hits == (neg ? std::vector<std::uint32_t>{} : std::vector<std::uint32_t>{7}));
    CHECK(text_hits == hits);
    all_patterns.push_back(p);
    all_events.push_back(doc["Event"]);
    (neg ? negatives : matched)++;
  }
  emu::bus::rule_index all;
  for (std::uint32_t i = 0; i < all_patterns.size(); ++i) all.add(i, all_patterns[i]);
  for (const auto& ev : all_events) {
    std::vector<std::uint32_t> want, got;
    for (std::uint32_t i = 0; i < all_patterns.size(); ++i)
      if (all_patterns[i].matches(ev)) want.push_back(i);
    all.match(ev, got);
    INFO("event " << ev.dump());
    CHECK(got == want);
  }
  CHECK(cases == 155);
  CHECK(invalid == 38);
  CHECK(negatives == 51);
  CHECK(matched == 66);
  INFO(matched << " matches, " << negatives << " non-matches, " << invalid << " invalid");
}

// A pattern with a repeated key keeps the last one (raw JSON, not JSON5).
TEST_CASE("patterns: the last of duplicate keys wins", "[bus][patterns]") {
  auto p = emu::bus::pattern::parse(read(data / "localstack-event-patterns/complex_multi_key_event_pattern.json"));
  CHECK(p.matches(json::parse(read(data / "localstack-event-patterns/complex_multi_key_event.json"))));
}
