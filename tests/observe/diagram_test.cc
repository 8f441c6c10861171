// Sequence diagrams of traces (emulator/observe/diagram.h): the three seed flows, run as a
// scenario in process, drawn with the seed's participants and messages in the seed's order,
// and compared with golden Mermaid files (tests/observe/golden/, rewritten with
// EMU_UPDATE_GOLDEN=1).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/core/runtime.h"
#include "emulator/observe/diagram.h"
#include "emulator/scenario/loader.h"
#include "emulator/scenario/runner.h"
#include "emulator/system/definition.h"

namespace {

using emu::json;
using emu::observe::diagram;

const emu::system_def& sys() {
  static const emu::system_def def = emu::system::load("");
  return def;
}

// The seed's three figures (docs: ../shared/seed, "Event Flow Examples"), as (from, to) pairs.
using arrows = std::vector<std::pair<std::string, std::string>>;
const arrows figure1 = {{"Import Script", "SQS"},
                        {"SQS", "Event Processor"},
                        {"Event Processor", "EventBridge"},
                        {"EventBridge", "DynamoDB Import"},
                        {"DynamoDB Import", "DynamoDB"}};
const arrows figure2 = {{"Frontend", "API Gateway"},        {"API Gateway", "Event Processor"},
                        {"Event Processor", "EventBridge"}, {"EventBridge", "Query Handler"},
                        {"Query Handler", "DynamoDB"},      {"Query Handler", "Frontend"}};
const arrows figure3 = {{"Client", "Next.js Server Action"},     {"Next.js Server Action", "PostgreSQL"},
                        {"Next.js Server Action", "PostgreSQL"}, {"Next.js Server Action", "PostgreSQL"},
                        {"Next.js Server Action", "PostgreSQL"}, {"Next.js Server Action", "Client"},
                        {"Outbox Processor", "PostgreSQL"},      {"PostgreSQL", "Outbox Processor"},
                        {"Outbox Processor", "PostgreSQL"},      {"Outbox Processor", "EventBridge"},
                        {"EventBridge", "Event Consumer"},       {"Outbox Processor", "PostgreSQL"}};

arrows arrows_of(const diagram& d) {
  arrows out;
  for (const auto& m : d.messages)
    if (m.kind != emu::observe::diagram_message::style::note) out.emplace_back(m.from, m.to);
  return out;
}

std::vector<std::string> participants_of(const arrows& a) {
  std::vector<std::string> out;
  for (const auto& [f, t] : a)
    for (const auto& p : {f, t})
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  return out;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_golden(const std::string& name, const std::string& text) {
  auto path = std::filesystem::path(EMU_SOURCE_DIR) / "tests" / "observe" / "golden" / name;
  if (std::getenv("EMU_UPDATE_GOLDEN")) std::ofstream(path) << text;
  CHECK(text == read(path));
}

// The trace id of the first entry of `kind` (with detail-type `type`, when given).
std::string trace_of_first(const json& trace, const std::string& kind, const std::string& type = "") {
  for (const auto& e : trace)
    if (e["kind"] == kind && (type.empty() || e["data"].value("detail-type", "") == type)) return e["trace_id"];
  return "";
}

json run_flows() {
  auto dir = std::filesystem::temp_directory_path() / ("emu_diagram_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "flows.yaml";
  std::ofstream(path) << R"(scenario: the seed's three flows
fixtures: [fixtures/restaurants/seattle.yaml]
steps:
  - sqs.send: {queue: restaurant-import, body: {id: r-9, name: Pho Nine, city: Oslo, cuisineType: Vietnamese}}
  - settle: {}
  - http: {path: /restaurants, query: {city: Seattle}, headers: {X-Api-Key: "${api_key}"}}
    expect: {status: 200}
  - action: {name: createRestaurant, input: {id: r-10, name: Ten, address: 1 Main St, city: Oslo}}
  - advance: 5s
)";
  emu::scenario::registry reg;
  // Fixture paths resolve beside the scenario or from the project root: run from the source tree.
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(EMU_SOURCE_DIR);
  auto s = emu::scenario::load_scenario(path.string(), reg, sys());
  auto out = emu::scenario::run_scenario(s, sys(), reg);
  std::filesystem::current_path(cwd);
  std::filesystem::remove_all(dir);
  REQUIRE(out.result == emu::scenario::status::passed);
  return out.trace;
}

}  // namespace

TEST_CASE("diagram: the seed's three flows are drawn as Figures 1, 2 and 3", "[observe][diagram]") {
  json trace = run_flows();
  auto names = emu::observe::names_for(sys(), {"dev"});

  diagram f1 = emu::observe::build_diagram(trace, trace_of_first(trace, "event.put", "RESTAURANT_IMPORT"), names);
  CHECK(arrows_of(f1) == figure1);
  CHECK(f1.participants == participants_of(figure1));
  check_golden("figure1.mmd", emu::observe::to_mermaid(f1));

  diagram f2 = emu::observe::build_diagram(trace, trace_of_first(trace, "gateway.request"), names);
  CHECK(arrows_of(f2) == figure2);
  CHECK(f2.participants == participants_of(figure2));
  check_golden("figure2.mmd", emu::observe::to_mermaid(f2));

  // Figure 3, then what the Event Consumer does with the event (its projection write).
  diagram f3 = emu::observe::build_diagram(trace, trace_of_first(trace, "action.request"), names);
  auto a3 = arrows_of(f3);
  REQUIRE(a3.size() >= figure3.size());
  CHECK(arrows(a3.begin(), a3.begin() + std::ptrdiff_t(figure3.size())) == figure3);
  auto p3 = participants_of(figure3);
  CHECK(std::vector<std::string>(f3.participants.begin(), f3.participants.begin() + std::ptrdiff_t(p3.size())) == p3);
  check_golden("figure3.mmd", emu::observe::to_mermaid(f3));
  check_golden("figure3.svg", emu::observe::to_svg(f3));

  // Deterministic: a second run draws the same bytes.
  json again = run_flows();
  CHECK(emu::observe::to_svg(emu::observe::build_diagram(again, trace_of_first(again, "action.request"), names)) ==
        emu::observe::to_svg(f3));
  CHECK(emu::observe::build_diagram(trace, "no-such-trace", names).messages.empty());
}

TEST_CASE("diagram: names, escaping and causes", "[observe][diagram]") {
  CHECK(emu::observe::title_of("QueryHandler") == "Query Handler");
  CHECK(emu::observe::title_of("EventProcessor-dev") == "Event Processor-dev");
  CHECK(emu::observe::title_of("SQSReader") == "SQS Reader");
  CHECK(emu::observe::title_of("DynamoDBImport") == "Dynamo DB Import");
  CHECK(emu::observe::names_for(sys(), {"dev"}).functions.at("DynamoDBImport-dev") == "DynamoDB Import");

  // Text that would end a Mermaid statement or open an entity is written as entities; SVG text
  // is XML-escaped.
  json entries = json::array({
      {{"seq", 1},
       {"kind", "event.put"},
       {"component", "bus"},
       {"trace_id", "t"},
       {"cause", nullptr},
       {"data", {{"detail-type", "A;B#<c>&"}, {"accepted", true}}}},
      {{"seq", 2},
       {"kind", "rule.no_match"},
       {"component", "bus"},
       {"trace_id", "t"},
       {"cause", 1},
       {"data", json::object()}},
  });
  diagram d = emu::observe::build_diagram(entries, "t", {});
  CHECK(emu::observe::to_mermaid(d) ==
        "sequenceDiagram\n    participant Client as Client\n    participant EventBridge as EventBridge\n"
        "    Client->>EventBridge: A#59;B#35;<c>& event\n    Note over EventBridge: no rule matched\n");
  CHECK(emu::observe::to_svg(d).find("A;B#&lt;c&gt;&amp; event") != std::string::npos);
}

TEST_CASE("trace: related entries follow causes back and take in what the trace caused", "[observe][trace]") {
  auto rt = emu::runtime::make_virtual(emu::instant{}, 1, emu::log_level::off, nullptr, 5);
  auto& tr = rt->trace();
  auto send = tr.record("sqs.send", "sqs", json::object());  // 1: no trace
  emu::trace_scope outer(tr, {"", send});
  auto put = tr.record("event.put", "bus", json::object(), "t-1");  // 2: cause 1
  tr.record("other", "bus", json::object(), "t-2");                 // 3: another trace
  tr.record("closer", "outbox", json::object(), "", put);           // 4: no trace, caused by 2
  auto related = tr.related("t-1");
  std::vector<std::uint64_t> seqs;
  for (const auto& e : related) seqs.push_back(e.seq);
  CHECK(seqs == std::vector<std::uint64_t>{1, 2, 4});
  // The ring keeps 5: once the send is gone, the trace starts at what is left.
  for (int i = 0; i < 3; ++i) tr.record("filler", "x", json::object());
  seqs.clear();
  for (const auto& e : tr.related("t-1")) seqs.push_back(e.seq);
  CHECK(seqs.empty());  // no entry with the trace id is left (4 names 2 but carries none)
  CHECK(tr.related("t-9").empty());
}
