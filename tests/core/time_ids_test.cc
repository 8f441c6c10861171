#include <catch2/catch.hpp>

#include <set>

#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/logger.h"
#include "emulator/core/time_format.h"
#include "emulator/core/trace.h"

using namespace std::chrono_literals;

TEST_CASE("time: ISO 8601 round trip and offsets", "[core][time]") {
  auto t = emu::parse_iso8601("2024-12-01T12:34:56.789Z");
  REQUIRE(t);
  CHECK(emu::iso8601_ms(*t) == "2024-12-01T12:34:56.789Z");
  CHECK(emu::iso8601_seconds(*t) == "2024-12-01T12:34:56Z");
  CHECK(emu::parse_iso8601("2024-12-01T14:34:56.789+02:00") == t);
  CHECK(emu::parse_iso8601("2024-12-01T12:34:56.7Z") == *t - 89ms);
  for (const char* bad : {"", "2024-12-01", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-12-01T24:00:00Z",
                          "2024-12-01T00:00:00", "2024-12-01T00:00:00Zjunk", "2024-12-01T00:00:00.Z"})
    CHECK_FALSE(emu::parse_iso8601(bad));
  // Every field zero-padded; years past RFC 3339's four digits still written whole.
  CHECK(emu::iso8601_ms(emu::instant{}) == "1970-01-01T00:00:00.000Z");
  CHECK(emu::iso8601_ms(*emu::parse_iso8601("0001-02-03T04:05:06.007Z")) == "0001-02-03T04:05:06.007Z");
  CHECK(emu::iso8601_seconds(*emu::parse_iso8601("9999-12-31T23:59:59.999Z")) == "9999-12-31T23:59:59Z");
  CHECK(emu::iso8601_ms(emu::instant(253402300800000ms + 1ms)) == "10000-01-01T00:00:00.001Z");
  CHECK(emu::iso8601_seconds(emu::instant(-62135596800000ms - 24h)) == "0000-12-31T00:00:00Z");
  CHECK(emu::iso8601_ms(emu::instant(-62167219200000ms - 1ms)) == "-001-12-31T23:59:59.999Z");
}

TEST_CASE("time: durations", "[core][time]") {
  CHECK(emu::parse_duration("250ms") == 250ms);
  CHECK(emu::parse_duration("30s") == 30s);
  CHECK(emu::parse_duration("5m") == 5min);
  CHECK(emu::parse_duration("1h30m") == 90min);
  CHECK(emu::parse_duration("2d") == 48h);
  for (const char* bad : {"", "s", "10", "-1s", "1.5s", "1x", "99999999999999d"}) CHECK_FALSE(emu::parse_duration(bad));
  CHECK(emu::format_duration(90min) == "1h30m");
  CHECK(emu::format_duration(1500ms) == "1s500ms");
  CHECK(emu::format_duration(0ms) == "0s");
}

// Seeded ids make two runs of a scenario produce identical traces.
TEST_CASE("ids: the same seed gives the same UUID-shaped ids", "[core][ids]") {
  emu::id_source a(7), b(7), c(8);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string x = a.uuid();
    CHECK(x == b.uuid());
    CHECK(x.size() == 36);
    CHECK(x[14] == '4');
    CHECK(std::string("89ab").find(x[19]) != std::string::npos);
    seen.insert(x);
  }
  CHECK(seen.size() == 1000);
  CHECK(emu::id_source(7).uuid() != c.uuid());
  double u = a.unit();
  CHECK((u >= 0 && u < 1));
}

TEST_CASE("logger: JSON lines with time from the runtime clock, level filter", "[core][logger]") {
  emu::manual_clock clock(*emu::parse_iso8601("2024-12-01T00:00:00Z"));
  std::ostringstream out;
  emu::logger log(clock, emu::log_level::info, &out);
  log.debug("edge", "hidden");
  log.log(emu::log_level::warn, "bus", "slow", {{"rule", "r1"}}, "trace-1");
  auto line = emu::json::parse(out.str());
  CHECK(line["time"] == "2024-12-01T00:00:00.000Z");
  CHECK(line["level"] == "warn");
  CHECK(line["component"] == "bus");
  CHECK(line["trace_id"] == "trace-1");
  CHECK(line["rule"] == "r1");
  CHECK(out.str().find("hidden") == std::string::npos);
  CHECK(emu::parse_log_level("nope") == std::nullopt);
}

TEST_CASE("trace: entries are numbered, timed and bounded", "[core][trace]") {
  emu::manual_clock clock(*emu::parse_iso8601("2024-12-01T00:00:00Z"));
  emu::trace_recorder t(clock, 10);
  auto first = t.record("invoke", "functions", {{"f", 1}}, "tr");
  clock.advance(1s);
  t.record("invoke.result", "functions", {}, "tr", first);
  auto all = t.since(0);
  REQUIRE(all.size() == 2);
  CHECK(emu::to_json(all[1])["cause"] == first);
  CHECK(emu::to_json(all[1])["at"] == "2024-12-01T00:00:01.000Z");
  CHECK(t.since(first).size() == 1);
  for (int i = 0; i < 50; ++i) t.record("x", "y", {});
  CHECK(t.since(0).size() <= 10);
  CHECK(t.last_seq() == 52);
}

// The ring keeps its texts in chunks it reuses: entries of every size (one larger than a chunk),
// trace ids shared between neighbours or not, read back exactly after thousands have fallen out.
TEST_CASE("trace: the newest entries read back exactly as the ring turns over", "[core][trace]") {
  emu::manual_clock clock(*emu::parse_iso8601("2024-12-01T00:00:00Z"));
  emu::trace_recorder t(clock, 50);
  auto text_of = [](int i) {
    std::size_t n = i % 97 == 0 ? 70'000 : std::size_t(i % 13) * 40;
    return "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(n, char('a' + i % 26)) + "\"}";
  };
  auto trace_of = [](int i) { return i % 7 == 0 ? std::string() : "trace-" + std::to_string(i / 3); };
  for (int i = 0; i < 5000; ++i) {
    if (i % 5 == 0)
      t.record_with("kind-" + std::to_string(i % 4), "c", text_of(i), "payload", emu::share(emu::json(i)), trace_of(i),
                    std::uint64_t(i));
    else
      t.record_text("kind-" + std::to_string(i % 4), "component", text_of(i), trace_of(i), std::uint64_t(i));
  }
  auto all = t.since(0);
  REQUIRE(all.size() == 50);
  CHECK(t.dropped() == 4950);
  for (std::size_t k = 0; k < all.size(); ++k) {
    int i = 4950 + int(k);
    const emu::trace_entry& e = all[k];
    CHECK(e.seq == std::uint64_t(i + 1));
    CHECK(e.kind == "kind-" + std::to_string(i % 4));
    CHECK(e.trace_id == trace_of(i));
    CHECK(e.cause == std::uint64_t(i));
    emu::json want = emu::json::parse(text_of(i));
    if (i % 5 == 0) want["payload"] = i;
    CHECK(e.data() == want);
  }
  // Entries 4980–4982 carry the id; each was caused by the one before, back to the ring's start.
  auto related = t.related("trace-1660");
  REQUIRE(related.size() == 33);
  CHECK(related.front().seq == 4951);
  CHECK(related.back().trace_id == "trace-1660");
  std::size_t newest_first = 0;
  std::uint64_t last = 0;
  t.visit(0, true, [&](const emu::trace_entry& e) {
    CHECK((last == 0 || e.seq == last - 1));
    last = e.seq;
    return ++newest_first < 10;
  });
  CHECK(newest_first == 10);
}

// Entries keep their data as text and a payload (last) by reference; the text form of an entry
// is its document's, invalid UTF-8 replaced.
TEST_CASE("trace: data as text, payloads last, the text form equals the document", "[core][trace]") {
  emu::manual_clock clock(*emu::parse_iso8601("2024-12-01T00:00:00Z"));
  emu::trace_recorder t(clock, 10);
  emu::json event = {{"detail", {{"n", 1.5}, {"list", {1, "two", nullptr}}}}, {"bad", "\xff"}};
  t.record_with("invoke", "functions", R"({"function":"f","request_id":"r"})", "event", emu::share(event), "tr");
  t.record_with("log", "logs", "{}", "message", emu::share("text"));
  t.record("gateway.response", "gateway", {{"status", 200}});
  auto all = t.since(0);
  REQUIRE(all.size() == 3);
  emu::json d = all[0].data();
  CHECK(emu::dump_lossy(d) ==
        R"({"function":"f","request_id":"r","event":{"detail":{"n":1.5,"list":[1,"two",null]},"bad":")"
        "\xEF\xBF\xBD\"}}");
  CHECK(all[1].data() == emu::json{{"message", "text"}});
  for (const auto& e : all) {
    std::string text;
    emu::append_json(text, e);
    CHECK(text == emu::dump_lossy(emu::to_json(e)));
  }
}

// Text written without a document reads as the document would have: plain strings as they are,
// quotes, backslashes, control characters and bytes that are not UTF-8 as dump_lossy writes them.
TEST_CASE("append_json_string and record_text write what dump_lossy would") {
  for (std::string s : {std::string(""), std::string("plain text 123"), std::string("a \"quote\" and \\"),
                        std::string("tab\tnew\nline\x01"), std::string("caf\xc3\xa9"), std::string("bad \xff byte")}) {
    std::string out;
    emu::append_json_string(out, s);
    CHECK(out == emu::dump_lossy(emu::json(s)));
  }
  emu::manual_clock clock(*emu::parse_iso8601("2024-12-01T00:00:00Z"));
  emu::trace_recorder t(clock, 10);
  std::string data = "{\"rule\":";
  emu::append_json_string(data, "r\"1");
  data += "}";
  t.record_text("rule.match", "bus", data, "tr", 7);
  auto all = t.since(0);
  REQUIRE(all.size() == 1);
  CHECK(all[0].data() == emu::json{{"rule", "r\"1"}});
  CHECK(all[0].trace_id == "tr");
  CHECK(all[0].cause == 7);
}

// serve's clock: the wall clock until frozen; frozen, it moves only when told; never back,
// except by a reset.
TEST_CASE("serve_clock: real, virtual, set, reset") {
  emu::serve_clock c;
  CHECK_FALSE(c.is_virtual());
  auto t = *emu::parse_iso8601("2030-01-01T00:00:00Z");
  CHECK(c.set(t));
  CHECK(c.now() >= t);
  c.set_virtual(true);
  CHECK(c.is_virtual());
  auto frozen = c.now();
  CHECK(c.now() == frozen);
  c.advance(std::chrono::seconds(30));
  CHECK(c.now() == frozen + std::chrono::seconds(30));
  CHECK_FALSE(c.set(frozen));  // time never goes back
  CHECK(c.now() == frozen + std::chrono::seconds(30));
  c.jump(frozen + std::chrono::minutes(1));
  CHECK(c.now() == frozen + std::chrono::minutes(1));
  auto old = *emu::parse_iso8601("2024-12-01T00:00:00Z");
  c.reset_to(old);
  CHECK(c.now() == old);
  c.set_virtual(false);  // on from where it stood
  CHECK(c.now() >= old);
  CHECK(c.now() < old + std::chrono::minutes(1));
}
