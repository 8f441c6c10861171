// The EventBridge service: event buses, rules with compiled patterns, targets with input
// transformation, asynchronous delivery with retries, backoff and dead-letter queues, and the
// EventBridge API operations (JSON 1.1 request/response shapes, AWS error names and texts).
//
// Depends on core only. Targets are reached through delivery functions that the composition root
// (emulator/system/instance.cc) installs per ARN service: "lambda", "sqs", "logs"; buses are
// delivered internally. Every delivery is a scheduler task, so retries and backoff run in
// virtual time in scenarios and in real time under `serve`.
// Not thread-safe: callers hold the runtime's world lock (realtime_driver::exclusive).
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/bus/pattern.h"
#include "emulator/bus/rule_index.h"
#include "emulator/core/json.h"
#include "emulator/core/json_scan.h"
#include "emulator/core/runtime.h"

namespace emu::durable {
class store;
}

namespace emu::bus {

// A failed delivery. `code` is what the dead-letter message's ERROR_CODE attribute says
// (NO_RESOURCE, NO_PERMISSIONS, THROTTLING, TIMEOUT, …); non-retryable failures go to the DLQ
// at once, as EventBridge does for missing resources and permissions.
class delivery_error : public std::runtime_error {
 public:
  delivery_error(std::string code, const std::string& message, bool retryable)
      : std::runtime_error(message), code_(std::move(code)), retryable_(retryable) {}
  const std::string& code() const { return code_; }
  bool retryable() const { return retryable_; }

 private:
  std::string code_;
  bool retryable_;
};

// Delivers `payload` to the target `arn`; `attributes` are message attributes (dead-letter
// messages carry RULE_ARN, TARGET_ARN, ERROR_CODE, …). Throws delivery_error (or anything) on
// failure.
using deliver_fn = std::function<void(const std::string& arn, const shared_json& payload, const json& attributes,
                                      const std::string& trace_id)>;

struct retry_policy {
  int maximum_retry_attempts = 185;
  duration maximum_event_age = std::chrono::hours(24);
};

struct target {
  std::string id;
  std::string arn;
  std::optional<std::string> input;       // JSON text
  std::optional<std::string> input_path;  // JSONPath
  std::optional<json> input_transformer;  // {InputPathsMap, InputTemplate}
  retry_policy retry;
  bool retry_set = false;
  std::optional<std::string> dead_letter_arn;
  json extra = json::object();  // other Target members, echoed back by ListTargetsByRule
};

struct rule {
  std::uint32_t id = 0;  // its key in the bus's rule_index
  std::string name;
  std::string bus;
  std::string description;
  std::string state = "ENABLED";
  std::string pattern_text;
  std::optional<pattern> compiled;
  std::string schedule;                   // "rate(5 minutes)"; empty for pattern rules
  std::uint64_t schedule_generation = 0;  // set anew by every PutRule, ending older schedules
  std::string managed_by;
  std::map<std::string, target> targets;  // by id
  std::map<std::string, std::string> tags;
  // Its rule.match trace entries' text but for the event's id: {"bus":…,"rule":…,"id": and
  // ,"targets":[…]}. Written when first needed; cleared when the targets change.
  std::string match_head, match_tail;
  int fail_next = 0;  // scenario fault: the next N deliveries of every target fail
  std::map<std::string, int> fail_target;
  // Metrics.
  std::uint64_t matched = 0, invocations = 0, failed_invocations = 0, dead_lettered = 0, dropped = 0;
};

struct event_bus {
  std::string name;
  std::string description;
  std::map<std::string, rule> rules;  // by name
  std::map<std::string, std::string> tags;
  instant created{};
  std::uint64_t events_in = 0, matched_events = 0;
  rule_index index;                                     // compiled patterns of `rules`
  std::unordered_map<std::uint32_t, rule*> rule_by_id;  // index id → its rule in `rules` (map nodes stay put)
  std::uint32_t next_rule_id = 1;
};

struct archive {
  std::string name;
  std::string bus;  // the source bus
  std::string description;
  std::string pattern_text;
  std::optional<pattern> compiled;
  int retention_days = 0;  // 0: keep forever
  instant created{};
  std::vector<std::pair<instant, json>> events;  // (event time, envelope), oldest first
  std::uint64_t stored_end = 0;  // under --data-dir: events are stored under keys stored_end - size … stored_end - 1
};

struct replay {
  std::string name;
  std::string description;
  std::string archive;
  std::string bus;
  std::vector<std::string> filter_arns;
  instant start{}, end{};
  std::string state = "STARTING";  // STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED, FAILED
  std::string state_reason;
  instant replay_start{}, replay_end{};
  std::optional<instant> last_replayed;
};

// An event's envelope on its way through a bus (AWS's members and key order), as JSON text, as a
// document, or both: each is made from the other the first time it is asked for. A client's
// event (PutEvents) is checked and matched as text and parsed only when a target, an archive or
// a reader needs the document; a built-in handler's or a schedule's is a document from the start.
// Not thread-safe: its readers hold the world lock.
class routed_event {
 public:
  explicit routed_event(shared_json doc);
  // `text`: an object's text that scan_json_object accepts (json_scan.h); with plain keys when
  // it is to be matched as text (the bus's kept copies of built-ins' events are only read).
  routed_event(std::string text, std::string id) : id_(std::move(id)), text_(std::move(text)) {}
  const std::string& id() const { return id_; }
  bool has_text() const { return !text_.empty(); }
  const std::string& text() const;  // as dump_lossy writes the document, when made from one
  const shared_json& doc() const;
  // The document without keeping it, for a reader that looks once (a dump of the kept events
  // would otherwise leave every one of them parsed).
  shared_json peek() const { return doc_ ? doc_ : share(parse_client_json(text_)); }

 private:
  std::string id_;
  mutable std::string text_;
  mutable shared_json doc_;
};
using shared_event = std::shared_ptr<const routed_event>;

// An event accepted onto a bus.
struct event_record {
  std::string bus;
  shared_event event;  // the one its deliveries carry
  instant at{};
  std::string trace_id;
};

class service {
 public:
  static constexpr std::size_t max_put_events_bytes = 256 * 1024;
  static constexpr int max_targets_per_rule = 5;
  static constexpr int max_rules_per_bus = 300;
  static constexpr int max_buses = 100;
  static constexpr std::size_t kept_events_per_bus = 10'000;

  service(runtime& rt, std::string account, std::string region);

  void set_delivery(const std::string& arn_service, deliver_fn fn) { delivery_[arn_service] = std::move(fn); }

  // ---- EventBridge API (request JSON → response JSON; throws aws_error) ----
  json put_events(const json& req) { return put_events(req, nullptr); }
  // PutEvents' entries' Details scanned before the world lock (api_prepare): by entry, the text
  // each scan read, so that one is used only for the very text it was made of.
  struct prepared_details {
    struct scanned {
      const char* data = nullptr;
      std::size_t size = 0;
      json_object_scan scan;
    };
    std::vector<scanned> entries;
  };
  static std::shared_ptr<const void> prepare_put_events(const json& req);
  json put_events(const json& req, const prepared_details* prepared);
  json put_rule(const json& req);
  json describe_rule(const json& req);
  json list_rules(const json& req);
  json delete_rule(const json& req);
  json enable_rule(const json& req) { return set_rule_state(req, "ENABLED"); }
  json disable_rule(const json& req) { return set_rule_state(req, "DISABLED"); }
  json put_targets(const json& req);
  json list_targets_by_rule(const json& req);
  json remove_targets(const json& req);
  json list_rule_names_by_target(const json& req);
  json test_event_pattern(const json& req);
  json create_event_bus(const json& req);
  json describe_event_bus(const json& req);
  json list_event_buses(const json& req);
  json delete_event_bus(const json& req);
  json tag_resource(const json& req);
  json untag_resource(const json& req);
  json list_tags_for_resource(const json& req);
  json create_archive(const json& req);
  json describe_archive(const json& req);
  json list_archives(const json& req);
  json update_archive(const json& req);
  json delete_archive(const json& req);
  json start_replay(const json& req);
  json describe_replay(const json& req);
  json list_replays(const json& req);
  json cancel_replay(const json& req);

  // ---- For the wiring, scenarios and /_emu ----
  // Puts one event as PutEvents would and returns its result entry ({EventId} or error).
  json put_one(const std::string& bus, const json& entry, const std::string& trace_id = {},
               const prepared_details::scanned* prepared = nullptr);
  // The same for an entry whose Detail is given as its document, not as text (a built-in
  // handler's event: no dump and parse again). `entry` has Source and DetailType; `detail`
  // must be an object.
  json put_entry(const std::string& bus, const json& entry, json detail, const std::string& trace_id = {});
  // Events accepted on `bus` (the newest kept_events_per_bus), oldest first.
  const std::deque<event_record>& events(const std::string& bus) const;
  // Makes the next `count` deliveries to target `target_id` of `rule_name` (on any bus) fail.
  void inject_target_failures(const std::string& rule_name, const std::string& target_id, int count);
  json metrics() const;
  bool has_bus(const std::string& name) const { return buses_.count(name) > 0; }

  // `serve --data-dir` (persist.cc): the API calls that changed buses, rules, targets, tags and
  // archives are kept in `s` and made again on the next start, in order, after the system
  // definition's own; archived events are kept too. From then on every change is staged in `s`
  // (the caller commits). Replays and the recent events of /_emu/events are not kept.
  void persist(durable::store& s);
  // Whether operation `op` changes what persist() keeps; record_change keeps a successful call.
  static bool changes_configuration(const std::string& op);
  void record_change(const std::string& op, const json& request);

  // "arn:aws:events:<region>:<account>:<resource>", e.g. resource "archive/name".
  std::string arn(const std::string& resource) const;
  std::string bus_arn(const std::string& bus) const;
  std::string rule_arn(const std::string& bus, const std::string& rule) const;
  const std::string& account() const { return account_; }
  const std::string& region() const { return region_; }

 private:
  json set_rule_state(const json& req, const std::string& state);
  void start_schedule(const std::string& bus, const std::string& rule, std::uint64_t generation, duration period);
  event_bus& bus_for(const json& req, const char* member = "EventBusName");
  rule& rule_for(const json& req);
  // Routes an accepted event to the bus's rules (only `only_rules`, by ARN, when given) and
  // archives it, unless it is a replay.
  void accept(event_bus& bus, shared_event event, const std::string& trace_id, std::uint64_t cause,
              const std::vector<std::string>* only_rules = nullptr);
  // PutEvents' checks of an entry's Source, DetailType, Time and Resources, its envelope (with
  // `detail` as a document or as scanned text) and its acceptance onto the bus.
  struct detail_in;
  json put_checked(const std::string& bus, const json& entry, detail_in detail, const std::string& trace_id);
  void run_replay_batch(const std::string& name, std::size_t batch);
  archive& archive_for(const json& req);
  replay& replay_for(const json& req);
  void schedule_delivery(const std::string& bus, const std::string& rule, const std::string& target_id,
                         shared_json envelope, int attempt, instant first, const std::string& trace_id,
                         std::uint64_t cause, duration delay);
  void deliver(const std::string& bus, const std::string& rule, const std::string& target_id,
               const shared_json& envelope, int attempt, instant first, const std::string& trace_id,
               std::uint64_t cause);
  void dead_letter(rule& r, const target& t, const shared_json& envelope, const std::string& code,
                   const std::string& message, const std::string& exhausted, int attempts, const std::string& trace_id,
                   std::uint64_t cause);
  // What the target gets: the envelope itself unless the target transforms it.
  shared_json transform_input(const rule& r, const target& t, const shared_json& envelope) const;
  json transformed(const rule& r, const target& t, const json& envelope) const;

  void save_archived(archive& a);                       // the event just appended to a.events
  void unsave_archived(archive& a, std::size_t count);  // the `count` oldest, about to be erased

  runtime& rt_;
  durable::store* store_ = nullptr;
  std::uint64_t next_change_ = 1;
  std::string account_, region_;
  std::map<std::string, event_bus> buses_;
  std::map<std::string, std::deque<event_record>> events_;
  std::map<std::string, deliver_fn> delivery_;
  std::map<std::string, archive> archives_;
  std::map<std::string, replay> replays_;
  std::uint64_t schedule_generations_ = 0;  // service-wide, so a re-created rule never revives an old chain
};

// The EventBridge operations by name ("PutEvents", …); describe_api (api.h) wraps them for every caller.
using operation = json (service::*)(const json&);
const std::map<std::string, operation>& operations();

}  // namespace emu::bus
