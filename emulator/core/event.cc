#include "emulator/core/event.h"

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"

namespace emu {

json to_json(const standard_event& e) {
  return {{"event_id", e.event_id}, {"timestamp", e.timestamp}, {"event_type", e.event_type}, {"source", e.source},
          {"version", e.version},   {"trace_id", e.trace_id},   {"status", e.status},         {"payload", e.payload}};
}

json to_json(standard_event&& e) {
  return {{"event_id", std::move(e.event_id)},     {"timestamp", std::move(e.timestamp)},
          {"event_type", std::move(e.event_type)}, {"source", std::move(e.source)},
          {"version", std::move(e.version)},       {"trace_id", std::move(e.trace_id)},
          {"status", std::move(e.status)},         {"payload", std::move(e.payload)}};
}

std::vector<std::string> validate_standard_event(const json& j) {
  std::vector<std::string> problems;
  if (!j.is_object()) return {"event: must be a JSON object"};
  static const char* const required[] = {"event_id", "timestamp", "event_type", "source",
                                         "version",  "trace_id",  "status"};
  for (const char* field : required) {
    auto it = j.find(field);
    if (it == j.end())
      problems.push_back(std::string(field) + ": is required");
    else if (!it->is_string() || it->get_ref<const std::string&>().empty())
      problems.push_back(std::string(field) + ": must be a non-empty string");
  }
  if (auto it = j.find("timestamp"); it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty() &&
                                     !parse_iso8601(it->get_ref<const std::string&>()))
    problems.push_back("timestamp: must be an ISO 8601 time such as 2024-12-01T12:00:00.000Z");
  if (!j.contains("payload"))
    problems.push_back("payload: is required");
  else if (!j["payload"].is_object())
    problems.push_back("payload: must be a JSON object");
  if (auto it = j.find("version"); it != j.end() && it->is_string() && *it != "1.0")
    problems.push_back("version: must be \"1.0\"");
  if (auto it = j.find("trace_id"); it != j.end() && it->is_string() && it->get_ref<const std::string&>().size() > 256)
    problems.push_back("trace_id: must be at most 256 characters");
  for (auto& [k, v] : j.items()) {
    (void)v;
    bool known = k == "payload";
    for (const char* field : required) known = known || k == field;
    if (!known) problems.push_back(k + ": is not a field of the standard event");
  }
  return problems;
}

std::string trace_root(std::string_view header) {
  auto p = header.find("Root=");
  if (p == std::string_view::npos) return "";
  std::string_view rest = header.substr(p + 5);
  return std::string(rest.substr(0, rest.find(';')));
}

std::string standard_event_problems(const json& j) {
  std::string why;
  for (const auto& p : validate_standard_event(j)) why += (why.empty() ? "" : "; ") + p;
  return why;
}

standard_event standard_event_from_json(const json& j) {
  if (std::string why = standard_event_problems(j); !why.empty())
    throw aws_error::validation("invalid standard event: " + why);
  standard_event e;
  e.event_id = j["event_id"];
  e.timestamp = j["timestamp"];
  e.event_type = j["event_type"];
  e.source = j["source"];
  e.version = j["version"];
  e.trace_id = j["trace_id"];
  e.status = j["status"];
  e.payload = j["payload"];
  return e;
}

}  // namespace emu
