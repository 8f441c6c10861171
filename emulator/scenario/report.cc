#include "emulator/scenario/report.h"

#include "emulator/core/text.h"

namespace emu::scenario {

const char* status_name(status s) {
  switch (s) {
    case status::passed:
      return "passed";
    case status::failed:
      return "failed";
    case status::error:
      return "error";
  }
  return "error";
}

namespace {

std::string paint(const console_style& st, const char* code, const std::string& text) {
  return st.color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
}

}  // namespace

void print_outcome(std::ostream& out, const scenario_outcome& o, const console_style& st) {
  const char* label = o.result == status::passed ? "PASS " : o.result == status::failed ? "FAIL " : "ERROR";
  const char* color = o.result == status::passed ? "32" : "31";
  std::size_t ran = 0;
  for (const auto& s : o.steps) ran += s.ran;
  if (o.result == status::passed && st.quiet) return;
  out << paint(st, color, label) << " " << o.file << " — " << o.name << " (" << ran << " steps, virtual "
      << o.virtual_elapsed << ")\n";
  for (const auto& s : o.steps) {
    if (s.result == status::passed && !st.verbose) continue;
    out << "      step " << s.index << " \"" << s.name << "\" (" << s.kind << "): " << status_name(s.result) << "\n";
    for (const auto& d : s.details) out << "        " << d << "\n";
  }
  out.flush();
}

void print_summary(std::ostream& out, const std::vector<scenario_outcome>& all, const console_style& st) {
  std::size_t pass = 0, fail = 0, err = 0;
  for (const auto& o : all) (o.result == status::passed ? pass : o.result == status::failed ? fail : err)++;
  std::string line = std::to_string(all.size()) + " scenarios: " + std::to_string(pass) + " passed, " +
                     std::to_string(fail) + " failed, " + std::to_string(err) + " errors";
  out << paint(st, fail + err ? "31;1" : "32;1", line) << "\n";
}

json json_report(const std::vector<scenario_outcome>& all) {
  json list = json::array();
  std::size_t pass = 0, fail = 0, err = 0;
  for (const auto& o : all) {
    (o.result == status::passed ? pass : o.result == status::failed ? fail : err)++;
    json steps = json::array();
    for (const auto& s : o.steps)
      steps.push_back({{"index", s.index},
                       {"line", s.line},
                       {"name", s.name},
                       {"kind", s.kind},
                       {"status", status_name(s.result)},
                       {"details", s.details}});
    list.push_back({{"file", o.file},
                    {"name", o.name},
                    {"tags", o.tags},
                    {"status", status_name(o.result)},
                    {"virtual_elapsed", o.virtual_elapsed},
                    {"steps", steps}});
  }
  return {{"format", "bellyfed-emu-report/1"},
          {"summary", {{"total", all.size()}, {"passed", pass}, {"failed", fail}, {"errors", err}}},
          {"scenarios", list}};
}

std::string junit_report(const std::vector<scenario_outcome>& all) {
  std::size_t fail = 0, err = 0;
  for (const auto& o : all) fail += o.result == status::failed, err += o.result == status::error;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bellyfed-emu\" tests=\"" +
                    std::to_string(all.size()) + "\" failures=\"" + std::to_string(fail) + "\" errors=\"" +
                    std::to_string(err) + "\">\n  <testsuite name=\"scenarios\" tests=\"" + std::to_string(all.size()) +
                    "\" failures=\"" + std::to_string(fail) + "\" errors=\"" + std::to_string(err) + "\">\n";
  for (const auto& o : all) {
    out += "    <testcase classname=\"" + xml_escape(o.file) + "\" name=\"" + xml_escape(o.name) + "\"";
    if (o.result == status::passed) {
      out += "/>\n";
      continue;
    }
    std::string text, first;
    for (const auto& s : o.steps)
      for (const auto& d : s.details) {
        if (first.empty()) first = d;
        text += d + "\n";
      }
    const char* tag = o.result == status::failed ? "failure" : "error";
    out += ">\n      <" + std::string(tag) + " message=\"" + xml_escape(first) + "\">" + xml_escape(text) + "</" + tag +
           ">\n    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace emu::scenario
