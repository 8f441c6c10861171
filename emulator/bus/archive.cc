// Archives and replays: a bus's events (optionally filtered by a pattern) are kept for their
// retention period; a replay re-sends the ones in a time window to the same bus, in one-minute
// batches of event time, one batch per virtual minute, with "replay-name" in the envelope.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "emulator/bus/request.h"
#include "emulator/bus/service.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"

namespace emu::bus {
namespace {

using request::member;

std::string required(const json& req, const char* name) {
  std::string wire = name;
  wire[0] = char(std::tolower(wire[0]));
  return request::required_string(req, name, wire.c_str());
}

std::string optional(const json& req, const char* name, const std::string& def = {}) {
  return request::optional_string(req, name).value_or(def);
}

using request::epoch_seconds;

instant time_member(const json& req, const char* name) {
  const json* v = member(req, name);
  if (v && v->is_number()) return instant(duration(static_cast<long long>(std::llround(v->get<double>() * 1000))));
  if (v && v->is_string())
    if (auto t = parse_iso8601(v->get<std::string>())) return *t;
  throw aws_error::validation(std::string("Parameter ") + name + " is not valid.");
}

std::optional<pattern> compile_or_throw(const std::string& text) {
  if (text.empty()) return std::nullopt;
  try {
    return pattern::parse(text);
  } catch (const pattern_error& e) {
    throw aws_error::invalid_event_pattern(std::string("Event pattern is not valid. Reason: ") + e.what());
  }
}

int retention_of(const json& req) {
  const json* v = member(req, "RetentionDays");
  if (!v) return 0;
  if (!v->is_number_integer() || v->get<long long>() < 0)
    throw aws_error::validation(
        "1 validation error detected: Value '" + v->dump() +
        "' at 'retentionDays' failed to satisfy constraint: Member must have value greater than or equal to 0");
  return v->get<int>();
}

}  // namespace

archive& service::archive_for(const json& req) {
  std::string name = required(req, "ArchiveName");
  auto it = archives_.find(name);
  if (it == archives_.end()) throw aws_error::resource_not_found("Archive " + name + " does not exist.");
  // Retention is applied when the archive is looked at: nothing older than its days is kept.
  archive& a = it->second;
  if (a.retention_days > 0) {
    instant cutoff = rt_.clock().now() - std::chrono::hours(24 * a.retention_days);
    auto keep = std::find_if(a.events.begin(), a.events.end(), [&](const auto& e) { return e.first >= cutoff; });
    unsave_archived(a, std::size_t(keep - a.events.begin()));
    a.events.erase(a.events.begin(), keep);
  }
  return a;
}

replay& service::replay_for(const json& req) {
  std::string name = required(req, "ReplayName");
  auto it = replays_.find(name);
  if (it == replays_.end()) throw aws_error::resource_not_found("Replay " + name + " does not exist.");
  return it->second;
}

json service::create_archive(const json& req) {
  std::string name = required(req, "ArchiveName");
  if (name.empty() || name.size() > 48)
    throw aws_error::validation(
        "1 validation error detected: Value '" + name +
        "' at 'archiveName' failed to satisfy constraint: Member must have length between 1 and 48");
  std::string source = required(req, "EventSourceArn");
  std::string bus = request::bus_name_in(source);
  if (!buses_.count(bus)) throw aws_error::resource_not_found("Event bus " + bus + " does not exist.");
  if (archives_.count(name)) throw aws_error("ResourceAlreadyExistsException", "Archive " + name + " already exists.");
  archive a;
  a.name = name;
  a.bus = bus;
  a.description = optional(req, "Description");
  a.pattern_text = optional(req, "EventPattern");
  a.compiled = compile_or_throw(a.pattern_text);
  a.retention_days = retention_of(req);
  a.created = rt_.clock().now();
  archives_[name] = std::move(a);
  return {
      {"ArchiveArn", arn("archive/" + name)}, {"State", "ENABLED"}, {"CreationTime", epoch_seconds(rt_.clock().now())}};
}

json service::describe_archive(const json& req) {
  archive& a = archive_for(req);
  std::size_t bytes = 0;
  for (const auto& e : a.events) bytes += e.second.dump().size();
  json out = {{"ArchiveArn", arn("archive/" + a.name)}, {"ArchiveName", a.name}, {"EventSourceArn", bus_arn(a.bus)}};
  if (!a.description.empty()) out["Description"] = a.description;
  if (!a.pattern_text.empty()) out["EventPattern"] = a.pattern_text;
  out["State"] = "ENABLED";
  out["RetentionDays"] = a.retention_days;
  out["SizeBytes"] = bytes;
  out["EventCount"] = a.events.size();
  out["CreationTime"] = epoch_seconds(a.created);
  return out;
}

json service::list_archives(const json& req) {
  std::string prefix = optional(req, "NamePrefix");
  std::string source = optional(req, "EventSourceArn");
  json list = json::array();
  std::vector<std::string> names;
  for (const auto& [n, a] : archives_)
    if (n.rfind(prefix, 0) == 0 && (source.empty() || bus_arn(a.bus) == source)) names.push_back(n);
  for (const auto& n : names) {
    json d = describe_archive({{"ArchiveName", n}});
    list.push_back({{"ArchiveName", n},
                    {"EventSourceArn", d["EventSourceArn"]},
                    {"State", "ENABLED"},
                    {"RetentionDays", d["RetentionDays"]},
                    {"SizeBytes", d["SizeBytes"]},
                    {"EventCount", d["EventCount"]},
                    {"CreationTime", d["CreationTime"]}});
  }
  return {{"Archives", list}};
}

json service::update_archive(const json& req) {
  archive& a = archive_for(req);
  if (member(req, "Description")) a.description = optional(req, "Description");
  if (member(req, "EventPattern")) {
    a.pattern_text = optional(req, "EventPattern");
    a.compiled = compile_or_throw(a.pattern_text);
  }
  if (member(req, "RetentionDays")) a.retention_days = retention_of(req);
  return {{"ArchiveArn", arn("archive/" + a.name)}, {"State", "ENABLED"}, {"CreationTime", epoch_seconds(a.created)}};
}

json service::delete_archive(const json& req) {
  archive& a = archive_for(req);
  unsave_archived(a, a.events.size());
  archives_.erase(a.name);
  return json::object();
}

json service::start_replay(const json& req) {
  std::string name = required(req, "ReplayName");
  if (replays_.count(name)) throw aws_error("ResourceAlreadyExistsException", "Replay " + name + " already exists.");
  std::string source = required(req, "EventSourceArn");
  auto slash = source.find(":archive/");
  std::string archive_name = slash == std::string::npos ? source : source.substr(slash + 9);
  archive& a = archive_for({{"ArchiveName", archive_name}});
  const json* dest = member(req, "Destination");
  if (!dest || !dest->is_object() || !dest->contains("Arn") || !(*dest)["Arn"].is_string())
    throw aws_error::validation(
        "1 validation error detected: Value null at 'destination' failed to satisfy constraint: Member must not be "
        "null");
  if ((*dest)["Arn"].get<std::string>() != bus_arn(a.bus))
    throw aws_error::validation("Cross event bus replay is not permitted.");
  replay r;
  r.name = name;
  r.description = optional(req, "Description");
  r.archive = a.name;
  r.bus = a.bus;
  if (dest->contains("FilterArns") && (*dest)["FilterArns"].is_array())
    for (const auto& f : (*dest)["FilterArns"])
      if (f.is_string()) r.filter_arns.push_back(f.get<std::string>());
  r.start = time_member(req, "EventStartTime");
  r.end = time_member(req, "EventEndTime");
  if (!(r.start < r.end)) throw aws_error::validation("Parameter EventStartTime must be before EventEndTime.");
  if (r.end > rt_.clock().now())
    throw aws_error::validation("Parameter EventEndTime is not valid. Reason: EventEndTime cannot be in the future.");
  r.replay_start = rt_.clock().now();
  replays_[name] = std::move(r);
  rt_.trace().record("replay.start", "bus", {{"replay", name}, {"archive", a.name}, {"bus", a.bus}});
  rt_.sched().after(duration(0), "replay " + name, [this, name] { run_replay_batch(name, 0); });
  return {{"ReplayArn", arn("replay/" + name)},
          {"State", "STARTING"},
          {"ReplayStartTime", epoch_seconds(rt_.clock().now())}};
}

void service::run_replay_batch(const std::string& name, std::size_t batch) {
  auto it = replays_.find(name);
  if (it == replays_.end()) return;
  replay& r = it->second;
  auto finish = [&](const std::string& state) {
    r.state = state;
    r.replay_end = rt_.clock().now();
    rt_.trace().record("replay.end", "bus", {{"replay", name}, {"state", state}});
  };
  if (r.state == "CANCELLING") return finish("CANCELLED");
  auto a = archives_.find(r.archive);
  auto b = buses_.find(r.bus);
  if (a == archives_.end() || b == buses_.end()) {
    r.state_reason = "The archive or its event bus no longer exists.";
    return finish("FAILED");
  }
  r.state = "RUNNING";
  // Batch `batch` holds the events of the batch-th minute of the window.
  instant from = r.start + std::chrono::minutes(batch);
  instant to = std::min(r.end, from + std::chrono::minutes(1));
  for (const auto& [t, envelope] : a->second.events) {
    if (t < from || t >= to) continue;
    json e = json::object();
    for (const auto& [k, v] : envelope.items()) {
      if (k == "resources") e["replay-name"] = name;
      e[k] = v;
    }
    auto seq = rt_.trace().record("event.replay", "bus", {{"replay", name}, {"bus", r.bus}, {"id", e["id"]}});
    accept(b->second, std::make_shared<const routed_event>(share(std::move(e))), {}, seq,
           r.filter_arns.empty() ? nullptr : &r.filter_arns);
    r.last_replayed = t;
  }
  if (to >= r.end) return finish("COMPLETED");
  // Skip empty minutes at once; pace batches that have events one virtual minute apart.
  std::size_t next = batch + 1;
  bool has_more = false;
  for (const auto& [t, envelope] : a->second.events)
    if (t >= to && t < r.end) {
      next = std::size_t(std::chrono::duration_cast<std::chrono::minutes>(t - r.start).count());
      has_more = true;
      break;
    }
  if (!has_more) return finish("COMPLETED");
  rt_.sched().after(std::chrono::minutes(1), "replay " + name, [this, name, next] { run_replay_batch(name, next); });
}

json service::describe_replay(const json& req) {
  replay& r = replay_for(req);
  json out = {{"ReplayName", r.name}, {"ReplayArn", arn("replay/" + r.name)}};
  if (!r.description.empty()) out["Description"] = r.description;
  out["State"] = r.state;
  if (!r.state_reason.empty()) out["StateReason"] = r.state_reason;
  out["EventSourceArn"] = arn("archive/" + r.archive);
  json dest = {{"Arn", bus_arn(r.bus)}};
  if (!r.filter_arns.empty()) dest["FilterArns"] = r.filter_arns;
  out["Destination"] = dest;
  out["EventStartTime"] = epoch_seconds(r.start);
  out["EventEndTime"] = epoch_seconds(r.end);
  if (r.last_replayed) out["EventLastReplayedTime"] = epoch_seconds(*r.last_replayed);
  out["ReplayStartTime"] = epoch_seconds(r.replay_start);
  if (r.state == "COMPLETED" || r.state == "CANCELLED" || r.state == "FAILED")
    out["ReplayEndTime"] = epoch_seconds(r.replay_end);
  return out;
}

json service::list_replays(const json& req) {
  std::string prefix = optional(req, "NamePrefix"), state = optional(req, "State");
  json list = json::array();
  for (const auto& [n, r] : replays_) {
    if (n.rfind(prefix, 0) != 0 || (!state.empty() && r.state != state)) continue;
    json d = describe_replay({{"ReplayName", n}});
    json item = {{"ReplayName", n},
                 {"EventSourceArn", d["EventSourceArn"]},
                 {"State", r.state},
                 {"EventStartTime", d["EventStartTime"]},
                 {"EventEndTime", d["EventEndTime"]},
                 {"ReplayStartTime", d["ReplayStartTime"]}};
    if (d.contains("ReplayEndTime")) item["ReplayEndTime"] = d["ReplayEndTime"];
    list.push_back(item);
  }
  return {{"Replays", list}};
}

json service::cancel_replay(const json& req) {
  replay& r = replay_for(req);
  if (r.state != "STARTING" && r.state != "RUNNING")
    throw aws_error("IllegalStatusException", "Replay " + r.name + " is not in a state that can be cancelled.");
  r.state = "CANCELLING";
  return {{"ReplayArn", arn("replay/" + r.name)}, {"State", "CANCELLING"}};
}

}  // namespace emu::bus
