// EventBridge under `serve --data-dir` (emulator/durable/store.h). Namespaces:
// "events.changes" (a number in call order → {"op", "request"}: every successful API call that
// changed buses, rules, targets, tags or archives) and "events.archive/<name>" (a number in
// arrival order → {"time", "event"}: the archive's events).
//
// Keeping the calls rather than the resulting state means a restart rebuilds buses, rules,
// schedules and archives through the very code that built them the first time, with the
// system definition's resources already in place (so a PutTargets on a defined rule lands as it
// did). Creation times become the restart's time.

#include "emulator/bus/service.h"
#include "emulator/core/time_format.h"
#include "emulator/durable/store.h"

namespace emu::bus {
namespace {

const std::string changes_ns = "events.changes";
std::string archive_ns(const std::string& archive) { return "events.archive/" + archive; }

}  // namespace

bool service::changes_configuration(const std::string& op) {
  static const char* const ops[] = {"PutRule",       "DeleteRule",     "EnableRule",     "DisableRule", "PutTargets",
                                    "RemoveTargets", "CreateEventBus", "DeleteEventBus", "TagResource", "UntagResource",
                                    "CreateArchive", "UpdateArchive",  "DeleteArchive"};
  for (const char* o : ops)
    if (op == o) return true;
  return false;
}

void service::record_change(const std::string& op, const json& request) {
  if (store_)
    store_->put(changes_ns, durable::number_key(next_change_++), dump_lossy(json{{"op", op}, {"request", request}}));
}

void service::save_archived(archive& a) {
  if (!store_) return;
  const auto& [t, envelope] = a.events.back();
  store_->put(archive_ns(a.name), durable::number_key(a.stored_end++),
              dump_lossy(json{{"time", iso8601_ms(t)}, {"event", envelope}}));
}

void service::unsave_archived(archive& a, std::size_t count) {
  if (!store_) return;
  if (count == a.events.size()) {
    store_->erase_namespace(archive_ns(a.name));
    return;
  }
  std::uint64_t first = a.stored_end - a.events.size();
  for (std::size_t i = 0; i < count; ++i) store_->erase(archive_ns(a.name), durable::number_key(first + i));
}

void service::persist(durable::store& s) {
  for (const auto& [key, text] : s.scan(changes_ns)) {
    json change = json::parse(text);
    std::string op = change.at("op");
    try {
      (this->*operations().at(op))(change.at("request"));
    } catch (const std::exception& e) {
      // The system definition changed under the kept calls (a rule now defined differently, a
      // bus gone): the call is skipped, as it would fail if made now.
      rt_.log().warn("events", "a kept change could not be made again",
                     {{"op", op}, {"request", change.at("request")}, {"error", e.what()}});
    }
    next_change_ = std::stoull(key) + 1;
  }
  for (auto& [name, a] : archives_) {
    for (const auto& [key, text] : s.scan(archive_ns(name))) {
      json e = json::parse(text);
      a.events.emplace_back(parse_iso8601(e.at("time").get<std::string>()).value_or(rt_.clock().now()),
                            std::move(e.at("event")));
      a.stored_end = std::stoull(key) + 1;
    }
  }
  store_ = &s;
}

}  // namespace emu::bus
