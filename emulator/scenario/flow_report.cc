#include "emulator/scenario/flow_report.h"

#include <set>

#include "emulator/core/text.h"
#include "emulator/scenario/report.h"

namespace emu::scenario {
namespace {

struct counts {
  std::size_t passed = 0, failed = 0, errors = 0;
};

counts count(const std::vector<scenario_outcome>& all) {
  counts c;
  for (const auto& o : all)
    (o.result == status::passed ? c.passed : o.result == status::failed ? c.failed : c.errors)++;
  return c;
}

std::string summary_line(const std::vector<scenario_outcome>& all) {
  counts c = count(all);
  return std::to_string(all.size()) + " scenarios: " + std::to_string(c.passed) + " passed, " +
         std::to_string(c.failed) + " failed, " + std::to_string(c.errors) + " errors";
}

// The scenario's trace ids in the order their traces began, and how many there are in all.
std::vector<std::string> trace_ids(const scenario_outcome& o, std::size_t& total) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  total = 0;
  for (const auto& e : o.trace) {
    auto it = e.find("trace_id");
    if (it == e.end() || !it->is_string() || !seen.insert(it->get<std::string>()).second) continue;
    ++total;
    if (out.size() < max_diagrams_per_scenario) out.push_back(it->get<std::string>());
  }
  return out;
}

const char* mark(status s) { return s == status::passed ? "✅" : s == status::failed ? "❌" : "⚠️"; }

std::size_t steps_ran(const scenario_outcome& o) {
  std::size_t n = 0;
  for (const auto& s : o.steps) n += s.ran;
  return n;
}

// Markdown table cells: no line breaks, no column separators.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

// A fenced block whose fence is longer than any run of backticks inside it.
std::string fenced(const std::string& info, const std::string& body) {
  std::size_t longest = 0, run = 0;
  for (char c : body) run = c == '`' ? run + 1 : 0, longest = std::max(longest, run);
  std::string fence(std::max<std::size_t>(3, longest + 1), '`');
  return fence + info + "\n" + body + (body.empty() || body.back() == '\n' ? "" : "\n") + fence + "\n";
}

}  // namespace

std::string markdown_report(const std::vector<scenario_outcome>& all, const observe::diagram_names& names) {
  std::string out = "# bellyfed-emu run\n\n**" + summary_line(all) + "**\n\n";
  out += "| | scenario | file | steps | virtual time |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& o : all)
    out += std::string("| ") + mark(o.result) + " | " + cell(o.name) + " | `" + cell(o.file) + "` | " +
           std::to_string(steps_ran(o)) + " | " + o.virtual_elapsed + " |\n";
  for (const auto& o : all) {
    out += "\n## " + std::string(mark(o.result)) + " " + cell(o.name) + "\n\n`" + cell(o.file) + "` — " +
           status_name(o.result) + "\n\n";
    out += "| # | step | kind | result |\n| --- | --- | --- | --- |\n";
    for (const auto& s : o.steps)
      out += "| " + std::to_string(s.index) + " | " + cell(s.name) + " | " + cell(s.kind) + " | " +
             (s.ran ? status_name(s.result) : "not run") + " |\n";
    for (const auto& s : o.steps) {
      if (s.details.empty()) continue;
      std::string text;
      for (const auto& d : s.details) text += d + "\n";
      out += "\n**Step " + std::to_string(s.index) + " (" + cell(s.name) + "):**\n\n" + fenced("", text);
    }
    std::size_t total = 0;
    auto ids = trace_ids(o, total);
    for (const auto& id : ids) {
      auto d = observe::build_diagram(o.trace, id, names);
      if (d.messages.empty()) continue;
      out += "\n<details><summary>trace <code>" + xml_escape(id) + "</code></summary>\n\n" +
             fenced("mermaid", observe::to_mermaid(d)) + "\n</details>\n";
    }
    if (total > ids.size())
      out += "\n" + std::to_string(total - ids.size()) + " more traces are not drawn (the first " +
             std::to_string(ids.size()) + " are).\n";
  }
  return out;
}

std::string html_report(const std::vector<scenario_outcome>& all, const observe::diagram_names& names) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>bellyfed-emu run: " +
      xml_escape(summary_line(all)) +
      "</title>\n<style>\n"
      "body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}\n"
      "h1{font-size:20px} h2{font-size:16px;margin:0;display:inline}\n"
      "table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}\n"
      "details.scenario{border:1px solid #ddd;border-radius:4px;margin:8px 0;padding:6px 10px}\n"
      ".passed{color:#1a7f37} .failed,.error{color:#cf222e}\n"
      "pre{background:#f6f8fa;padding:8px;overflow:auto} .diagram{overflow:auto;margin:8px 0}\n"
      "</style>\n</head>\n<body>\n<h1>bellyfed-emu run</h1>\n<p id=\"summary\"><b>" +
      xml_escape(summary_line(all)) + "</b></p>\n";
  out += "<table><tr><th></th><th>scenario</th><th>file</th><th>steps</th><th>virtual time</th></tr>\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& o = all[i];
    out += "<tr><td class=\"" + std::string(status_name(o.result)) + "\">" + status_name(o.result) +
           "</td><td><a href=\"#s" + std::to_string(i + 1) + "\">" + xml_escape(o.name) + "</a></td><td><code>" +
           xml_escape(o.file) + "</code></td><td>" + std::to_string(steps_ran(o)) + "</td><td>" + o.virtual_elapsed +
           "</td></tr>\n";
  }
  out += "</table>\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& o = all[i];
    out += "<details class=\"scenario\" id=\"s" + std::to_string(i + 1) + "\"" +
           (o.result == status::passed ? "" : " open") + "><summary><h2 class=\"" + status_name(o.result) + "\">" +
           status_name(o.result) + "</h2> " + xml_escape(o.name) + " — <code>" + xml_escape(o.file) +
           "</code></summary>\n";
    out += "<table><tr><th>#</th><th>step</th><th>kind</th><th>result</th></tr>\n";
    for (const auto& s : o.steps) {
      std::string result = s.ran ? status_name(s.result) : "not run";
      out += "<tr><td>" + std::to_string(s.index) + "</td><td>" + xml_escape(s.name) + "</td><td>" +
             xml_escape(s.kind) + "</td><td class=\"" + result + "\">" + result + "</td></tr>\n";
      if (!s.details.empty()) {
        std::string text;
        for (const auto& d : s.details) text += d + "\n";
        out += "<tr><td></td><td colspan=\"3\"><pre class=\"diff\">" + xml_escape(text) + "</pre></td></tr>\n";
      }
    }
    out += "</table>\n";
    std::size_t total = 0;
    auto ids = trace_ids(o, total);
    for (const auto& id : ids) {
      auto d = observe::build_diagram(o.trace, id, names);
      if (d.messages.empty()) continue;
      out += "<p>trace <code>" + xml_escape(id) + "</code></p>\n<div class=\"diagram\">\n" + observe::to_svg(d) +
             "</div>\n";
    }
    if (total > ids.size())
      out += "<p>" + std::to_string(total - ids.size()) + " more traces are not drawn (the first " +
             std::to_string(ids.size()) + " are).</p>\n";
    out += "</details>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace emu::scenario
