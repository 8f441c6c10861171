#include "emulator/observe/flows.h"

#include <algorithm>

#include "emulator/core/time_format.h"

namespace emu::observe {
namespace {

std::string text(const json& data, const char* key) {
  auto it = data.find(key);
  return it != data.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_error(const std::string& kind) {
  return kind.ends_with(".error") || kind.ends_with(".failed") || kind == "delivery.dlq" ||
         kind == "delivery.dropped" || kind == "outbox.crash";
}

}  // namespace

std::string summary_of(const trace_entry& first) {
  const json d = first.data();
  if (first.kind == "gateway.request")
    return text(d, "method") + " " + text(d, "path") + (text(d, "stage").empty() ? "" : " (" + text(d, "stage") + ")");
  if (first.kind == "sqs.send") return "message to " + text(d, "queue");
  if (first.kind == "action.request") return "Server Action " + text(d, "action");
  if (first.kind == "event.put") {
    std::string type = text(d, "detail-type");
    return "event " + (type.empty() ? std::string("?") : type) + " from " + text(d, "source");
  }
  if (first.kind == "invoke") return "invoke " + text(d, "function");
  if (first.kind == "dynamodb.stream.receive")
    return "stream records of " + text(d, "table") + " to " + text(d, "function");
  return first.kind;
}

json to_json(const flow& f) {
  return {{"trace_id", f.trace_id},
          {"first_seq", f.first_seq},
          {"last_seq", f.last_seq},
          {"entries", f.entries},
          {"errors", f.errors},
          {"started", iso8601_ms(f.started)},
          {"updated", iso8601_ms(f.updated)},
          {"kind", f.kind},
          {"summary", f.summary}};
}

std::vector<flow> flow_tracker::update(const trace_recorder& trace, std::size_t limit) {
  std::map<std::uint64_t, const flow*> changed;  // by last_seq: newest change last
  std::vector<std::string> touched;
  trace.visit(after_, false, [&](const trace_entry& e) {
    after_ = e.seq;
    if (e.trace_id.empty()) return true;
    auto it = flows_.find(e.trace_id);
    if (it == flows_.end()) {
      flow f;
      f.trace_id = e.trace_id;
      f.first_seq = e.seq;
      f.started = e.at;
      f.kind = e.kind;
      f.summary = summary_of(e);
      it = flows_.emplace(e.trace_id, std::move(f)).first;
    }
    flow& f = it->second;
    f.last_seq = e.seq;
    f.updated = e.at;
    ++f.entries;
    if (is_error(e.kind)) ++f.errors;
    touched.push_back(e.trace_id);
    return true;
  });
  // Forget the flows updated longest ago.
  if (flows_.size() > max_flows_) {
    std::vector<std::pair<std::uint64_t, std::string>> by_age;
    for (const auto& [id, f] : flows_) by_age.emplace_back(f.last_seq, id);
    std::sort(by_age.begin(), by_age.end());
    for (std::size_t i = 0; i + max_flows_ < by_age.size(); ++i) flows_.erase(by_age[i].second);
  }
  for (const auto& id : touched)
    if (auto it = flows_.find(id); it != flows_.end()) changed[it->second.last_seq] = &it->second;
  std::vector<flow> out;
  for (auto it = changed.rbegin(); it != changed.rend() && out.size() < limit; ++it) out.push_back(*it->second);
  return out;
}

}  // namespace emu::observe
