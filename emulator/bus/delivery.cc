// PutEvents, rule matching and delivery: envelopes, input transformation, retries with
// exponential backoff and jitter, and dead-letter queues — all as scheduler tasks.
#include <algorithm>
#include <cmath>
#include <utility>

#include "emulator/bus/request.h"
#include "emulator/bus/service.h"
#include "emulator/bus/walk.h"
#include "emulator/core/error.h"
#include "emulator/core/json_scan.h"
#include "emulator/core/jsonpath.h"
#include "emulator/core/time_format.h"

namespace emu::bus {
namespace {

// EventBridge does not publish its backoff; this doubles from 1 s up to 5 min, each delay
// drawn between half and all of that (the jitter comes from the seeded id source).
constexpr duration first_retry = std::chrono::seconds(1);
constexpr duration max_retry = std::chrono::minutes(5);
// Compared per rule match: as a string, its length settles most comparisons without a scan.
const std::string disabled = "DISABLED";

// An entry's Detail, checked as text: the object PutEvents accepts, and its trace_id member.
json_object_scan scan_detail(std::string_view text) {
  return scan_json_object(text, max_client_json_depth, "trace_id");
}

std::size_t entry_size(const json& e) {
  std::size_t n = e.contains("Time") ? 14 : 0;
  for (const char* k : {"Source", "DetailType", "Detail"})
    if (e.contains(k) && e[k].is_string()) n += e[k].get_ref<const std::string&>().size();
  if (e.contains("Resources") && e["Resources"].is_array())
    for (const auto& r : e["Resources"])
      if (r.is_string()) n += r.get_ref<const std::string&>().size();
  return n;
}

json entry_error(const std::string& code, const std::string& message) {
  return {{"ErrorCode", code}, {"ErrorMessage", message}};
}

const std::vector<std::string> predefined = {"aws.events.rule-arn", "aws.events.rule-name",
                                             "aws.events.event.ingestion-time", "aws.events.event",
                                             "aws.events.event.json"};

// The <name> placeholders of a template, in order.
std::vector<std::pair<std::size_t, std::string>> placeholders(const std::string& tmpl) {
  std::vector<std::pair<std::size_t, std::string>> out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '<') continue;
    std::size_t close = tmpl.find('>', i + 1);
    if (close == std::string::npos) break;
    std::string name = tmpl.substr(i + 1, close - i - 1);
    bool ok =
        !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
                             std::string::npos;
    if (ok) out.emplace_back(i, name);
  }
  return out;
}

}  // namespace

void validate_transformer(const target& t) {
  const json& tr = *t.input_transformer;
  if (!tr.is_object() || !tr.contains("InputTemplate") || !tr["InputTemplate"].is_string())
    throw aws_error::validation(
        "1 validation error detected: Value null at 'targets.member.inputTransformer.inputTemplate' "
        "failed to satisfy constraint: Member must not be null");
  const std::string& tmpl = tr["InputTemplate"].get_ref<const std::string&>();
  if (tmpl.empty() || tmpl.size() > 8192)
    throw aws_error::validation("InputTemplate for target " + t.id + " must be 1 to 8192 characters.");
  const json paths = tr.contains("InputPathsMap") ? tr["InputPathsMap"] : json::object();
  if (!paths.is_object() || paths.size() > 100)
    throw aws_error::validation("InputPathsMap for target " + t.id + " must be a map of at most 100 entries.");
  for (const auto& [k, v] : paths.items()) {
    if (!v.is_string() || check_jsonpath(v.get<std::string>()))
      throw aws_error::validation("InputPathsMap for target " + t.id + " has an invalid JSONPath for " + k + ".");
    for (const auto& p : predefined)
      if (k == p)
        throw aws_error::validation("InputTemplate for target " + t.id + " contains invalid placeholder " + k + ".");
  }
  for (const auto& [pos, name] : placeholders(tmpl)) {
    bool known = paths.contains(name);
    for (const auto& p : predefined) known = known || name == p;
    if (!known)
      throw aws_error::validation("InputTemplate for target " + t.id + " contains invalid placeholder " + name + ".");
  }
}

std::shared_ptr<const void> service::prepare_put_events(const json& req) {
  auto out = std::make_shared<prepared_details>();
  if (!req.is_object() || !req.contains("Entries") || !req["Entries"].is_array() || req["Entries"].size() > 10)
    return out;
  for (const auto& e : req["Entries"]) {
    prepared_details::scanned s;
    if (e.is_object() && e.contains("Detail") && e["Detail"].is_string()) {
      const std::string& text = e["Detail"].get_ref<const std::string&>();
      s = {text.data(), text.size(), scan_detail(text)};
    }
    out->entries.push_back(s);
  }
  return out;
}

json service::put_events(const json& req, const prepared_details* prepared) {
  if (!req.is_object() || !req.contains("Entries") || !req["Entries"].is_array())
    throw aws_error::validation(
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
  const json& entries = req["Entries"];
  if (entries.empty() || entries.size() > 10)
    throw aws_error::validation("1 validation error detected: Value '" + entries.dump().substr(0, 200) +
                                "' at 'entries' failed to satisfy constraint: Member must have length " +
                                (entries.empty() ? "greater than or equal to 1" : "less than or equal to 10"));
  std::size_t total = 0;
  for (const auto& e : entries) total += entry_size(e);
  if (total > max_put_events_bytes)
    throw aws_error::validation("Total size of the entries in the request is over the limit.");
  json results = json::array();
  int failed = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    std::string bus = "default";
    if (e.is_object() && e.contains("EventBusName") && e["EventBusName"].is_string()) bus = e["EventBusName"];
    json r = put_one(bus, e, {}, prepared && i < prepared->entries.size() ? &prepared->entries[i] : nullptr);
    failed += r.contains("ErrorCode");
    results.push_back(std::move(r));
  }
  return {{"FailedEntryCount", failed}, {"Entries", results}};
}

routed_event::routed_event(shared_json doc) : doc_(std::move(doc)) {
  if (const json& id = (*doc_)["id"]; id.is_string()) id_ = id.get<std::string>();
}

const std::string& routed_event::text() const {
  if (text_.empty()) text_ = dump_lossy(*doc_);
  return text_;
}

const shared_json& routed_event::doc() const {
  // The text was scanned as parse_client_json accepts it: this parse cannot fail.
  if (!doc_) doc_ = share(parse_client_json(text_));
  return doc_;
}

namespace {

// Each of `keys` a string member of `e`, in AWS's order of complaint; the error entry otherwise.
std::optional<json> missing_member(const json& e, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (!e.contains(k) || !e[k].is_string())
      return entry_error("InvalidArgument",
                         std::string("Parameter ") + k + " is not valid. Reason: " + k + " is a required argument.");
  return std::nullopt;
}

}  // namespace

// An entry's Detail: a document (a built-in handler's, or text that must be parsed to be read
// as a document would be), or the text itself, scanned.
struct service::detail_in {
  json doc;
  json_object_scan text;  // used when text.valid
};

json service::put_one(const std::string& bus_name_or_arn, const json& e, const std::string& trace_hint,
                      const prepared_details::scanned* prepared) {
  if (!e.is_object()) return entry_error("InvalidArgument", "Parameter Entries is not valid.");
  if (auto missing = missing_member(e, {"Source", "DetailType", "Detail"})) return *missing;
  const std::string& text = e["Detail"].get_ref<const std::string&>();
  detail_in detail;
  detail.text =
      prepared && prepared->data == text.data() && prepared->size == text.size() ? prepared->scan : scan_detail(text);
  if (!detail.text.valid) return entry_error("MalformedDetail", "Detail is malformed.");
  if (!detail.text.plain_keys) {
    detail.doc = parse_client_json(text);
    detail.text.valid = false;
  }
  return put_checked(bus_name_or_arn, e, std::move(detail), trace_hint);
}

json service::put_entry(const std::string& bus_name_or_arn, const json& e, json detail, const std::string& trace_hint) {
  if (auto missing = missing_member(e, {"Source", "DetailType"})) return *missing;
  if (!detail.is_object()) return entry_error("MalformedDetail", "Detail is malformed.");
  return put_checked(bus_name_or_arn, e, {std::move(detail), {}}, trace_hint);
}

json service::put_checked(const std::string& bus_name_or_arn, const json& e, detail_in detail,
                          const std::string& trace_hint) {
  const std::string& source = e["Source"].get_ref<const std::string&>();
  const std::string& detail_type = e["DetailType"].get_ref<const std::string&>();
  if (source.rfind("aws.", 0) == 0)
    return entry_error("NotAuthorizedForSourceException", "Not authorized for the source.");
  if (detail_type.size() > 128)
    return entry_error("InvalidArgument",
                       "Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.");
  instant time = rt_.clock().now();
  if (e.contains("Time") && !e["Time"].is_null()) {
    if (e["Time"].is_number()) {
      // Epoch seconds, as the SDKs send them; only years 0001–9999 have an RFC 3339 form.
      double seconds = e["Time"].get<double>();
      if (!(seconds >= -62135596800.0 && seconds < 253402300800.0))
        return entry_error("InvalidArgument",
                           "Parameter Time is not valid. Reason: it is not between the years 1 and 9999.");
      time = instant(duration(static_cast<long long>(std::llround(seconds * 1000))));
    } else if (auto t = e["Time"].is_string() ? parse_iso8601(e["Time"].get<std::string>()) : std::nullopt) {
      time = *t;
    } else {
      return entry_error("InvalidArgument", "Parameter Time is not valid.");
    }
  }
  const json* resources = e.contains("Resources") && e["Resources"].is_array() ? &e["Resources"] : nullptr;
  std::string id = rt_.ids().uuid();
  // The standard event's trace_id travels in the detail; keep it for correlation.
  std::string trace_id = trace_hint;
  if (trace_id.empty() && detail.text.valid) {
    std::string_view m = detail.text.member;
    if (m.size() >= 2 && m.front() == '"')
      trace_id = m.find('\\') == std::string_view::npos ? std::string(m.substr(1, m.size() - 2))
                                                        : parse_client_json(m).get<std::string>();
  } else if (trace_id.empty() && detail.doc.contains("trace_id") && detail.doc["trace_id"].is_string()) {
    trace_id = detail.doc["trace_id"];
  }
  if (trace_id.empty() && e.contains("TraceHeader") && e["TraceHeader"].is_string()) trace_id = e["TraceHeader"];
  std::string bus = request::bus_name_in(bus_name_or_arn);
  auto it = buses_.find(bus);
  std::string data;
  object_text(data)
      .string("bus", bus)
      .string("id", id)
      .string("source", source)
      .string("detail-type", detail_type)
      .raw("accepted", it != buses_.end() ? "true" : "false")
      .close();
  auto seq = rt_.trace().record_text("event.put", "bus", std::move(data), trace_id);
  // AWS answers an EventId for a bus that does not exist and drops the event.
  if (it == buses_.end()) return {{"EventId", id}};
  shared_event event;
  if (detail.text.valid) {
    // The envelope's text, written as the document below would be dumped (but for the
    // detail, which is the client's text as it came): the rule index reads it in place.
    std::string_view d = detail.text.object;
    std::string t;
    t.reserve(d.size() + 320 + source.size() + detail_type.size());
    object_text envelope(t);
    envelope.string("version", "0")
        .string("id", id)
        .string("detail-type", detail_type)
        .string("source", source)
        .string("account", account_)
        .string("time", iso8601_seconds(time))
        .string("region", region_)
        .key("resources");
    t += '[';
    bool first = true;
    if (resources)
      for (const auto& r : *resources)
        if (r.is_string()) {
          if (!std::exchange(first, false)) t += ',';
          append_json_string(t, r.get_ref<const std::string&>());
        }
    t += ']';
    envelope.raw("detail", d).close();
    t.reserve(t.size() + walk::padding);
    event = std::make_shared<const routed_event>(std::move(t), std::move(id));
  } else {
    json kept = json::array();
    if (resources)
      for (const auto& r : *resources)
        if (r.is_string()) kept.push_back(r);
    json doc = {{"version", "0"},
                {"id", id},
                {"detail-type", detail_type},
                {"source", source},
                {"account", account_},
                {"time", iso8601_seconds(time)},
                {"region", region_},
                {"resources", std::move(kept)},
                {"detail", std::move(detail.doc)}};
    event = std::make_shared<const routed_event>(share(std::move(doc)));
  }
  std::string answer_id = event->id();
  accept(it->second, std::move(event), trace_id, seq);
  return {{"EventId", answer_id}};
}

void service::accept(event_bus& bus, shared_event event, const std::string& trace_id, std::uint64_t cause,
                     const std::vector<std::string>* only_rules) {
  ++bus.events_in;
  // A replay's events carry "replay-name"; they are never archived again.
  for (auto& [n, a] : archives_) {
    if (a.bus != bus.name) continue;
    const json& doc = *event->doc();
    if (doc.contains("replay-name") || (a.compiled && !a.compiled->matches(doc))) continue;
    auto t = parse_iso8601(doc["time"].get<std::string>()).value_or(rt_.clock().now());
    a.events.emplace_back(t, doc);
    save_archived(a);
  }
  const instant now = rt_.clock().now();
  auto& kept = events_[bus.name];
  if (kept.size() >= kept_events_per_bus) {  // one at a time: no stall under the world lock
    rt_.release_later(std::move(kept.front().event));
    kept.pop_front();
  }
  // The kept copy is the event's text: a built-in's event arrives as a document, about four
  // times the size of its text, and 10,000 of them were a fifth of serve's memory after a large
  // import. The deliveries carry the document; it goes when they are done.
  shared_event keep =
      event->has_text() ? event : std::make_shared<const routed_event>(dump_lossy(*event->doc()), event->id());
  kept.push_back({bus.name, std::move(keep), now, trace_id});
  std::vector<std::uint32_t> ids;
  bool matched_text = false;
  if (event->has_text()) {
    try {
      bus.index.match_text(event->text(), ids);
      matched_text = true;
    } catch (const pattern_error&) {
      ids.clear();  // deeper than the text walker goes (the envelope adds a level): the document's
    }
  }
  if (!matched_text) bus.index.match(*event->doc(), ids);
  bool any = false;
  std::string quoted_id, data;  // the event's id as JSON, and one buffer for every match's entry
  if (!ids.empty()) append_json_string(quoted_id, event->id());
  for (auto id : ids) {
    rule& r = *bus.rule_by_id.at(id);
    const std::string& name = r.name;
    if (r.state == disabled) continue;
    if (only_rules && std::find(only_rules->begin(), only_rules->end(), rule_arn(bus.name, name)) == only_rules->end())
      continue;
    any = true;
    ++r.matched;
    // Written as text: an event may match dozens of rules, and a document per match was most
    // of PutEvents' time. The targets say where it goes: a diagram draws the routing from them.
    if (r.match_tail.empty()) {
      r.match_head.clear();
      object_text(r.match_head).string("bus", bus.name).string("rule", name).key("id");
      r.match_tail = ",\"targets\":[";
      bool first = true;
      for (const auto& [target_id, t] : r.targets) {
        if (!std::exchange(first, false)) r.match_tail += ',';
        append_json_string(r.match_tail, t.arn);
      }
      r.match_tail += "]}";
    }
    data.assign(r.match_head).append(quoted_id).append(r.match_tail);
    auto seq = rt_.trace().record_text_at(now, "rule.match", "bus", data, trace_id, cause);
    for (const auto& [target_id, t] : r.targets)
      schedule_delivery(bus.name, name, target_id, event->doc(), 0, now, trace_id, seq, duration(0));
  }
  bus.matched_events += any;
  if (rt_.log().enabled(log_level::debug)) {
    const json& envelope = *event->doc();
    json matched = json::array();
    for (auto id : ids) matched.push_back(bus.rule_by_id.at(id)->name);
    rt_.log().log(log_level::debug, "bus", any ? "event routed" : "event matched no rule",
                  {{"bus", bus.name},
                   {"id", envelope["id"]},
                   {"source", envelope["source"]},
                   {"detail-type", envelope["detail-type"]},
                   {"rules_tried", bus.rules.size()},
                   {"matched", matched}},
                  trace_id);
  }
  if (!any)
    rt_.trace().record("rule.no_match", "bus", {{"bus", bus.name}, {"id", event->id()}, {"rules", bus.rules.size()}},
                       trace_id, cause);
}

void service::schedule_delivery(const std::string& bus, const std::string& rule_name, const std::string& target_id,
                                shared_json envelope, int attempt, instant first, const std::string& trace_id,
                                std::uint64_t cause, duration delay) {
  rt_.sched().after(delay, "deliver " + rule_name + "/" + target_id, [=, this, envelope = std::move(envelope)] {
    deliver(bus, rule_name, target_id, envelope, attempt, first, trace_id, cause);
  });
}

void service::deliver(const std::string& bus_name, const std::string& rule_name, const std::string& target_id,
                      const shared_json& envelope, int attempt, instant first, const std::string& trace_id,
                      std::uint64_t cause) {
  auto b = buses_.find(bus_name);
  if (b == buses_.end()) return;  // deleted meanwhile: nothing left to deliver to
  auto r = b->second.rules.find(rule_name);
  if (r == b->second.rules.end()) return;
  auto t = r->second.targets.find(target_id);
  if (t == r->second.targets.end()) return;
  rule& rl = r->second;
  const target& tg = t->second;
  ++rl.invocations;
  std::string code, message;
  bool retryable = true;
  // Recorded before the hand-off, so that what the target does follows it in the trace and
  // names it as its cause; a failed attempt adds a delivery.failed.
  std::string data;
  object_text(data)
      .string("rule", rule_name)
      .string("target", target_id)
      .string("arn", tg.arn)
      .number("attempt", attempt + 1)
      .close();
  std::uint64_t seq = rt_.trace().record_text("delivery", "bus", data, trace_id, cause);
  trace_scope scope(rt_.trace(), {trace_id, seq});
  if (rt_.log().enabled(log_level::debug))
    rt_.log().log(log_level::debug, "bus", "delivering",
                  {{"rule", rule_name}, {"target", target_id}, {"arn", tg.arn}, {"attempt", attempt + 1}}, trace_id);
  try {
    if (auto f = rl.fail_target.find(target_id); f != rl.fail_target.end() && f->second > 0) {
      --f->second;
      throw delivery_error("INJECTED_FAULT", "fault injected by the scenario", true);
    }
    shared_json payload = transform_input(rl, tg, envelope);
    std::string svc = tg.arn.size() > 8 ? tg.arn.substr(tg.arn.find(':', 4) + 1) : "";
    svc = svc.substr(0, svc.find(':'));
    if (svc == "events") {
      std::string target_bus = request::bus_name_in(tg.arn);
      auto tb = buses_.find(target_bus);
      if (tb == buses_.end())
        throw delivery_error("NO_RESOURCE", "Event bus " + target_bus + " does not exist.", false);
      accept(tb->second, std::make_shared<const routed_event>(envelope), trace_id, seq);
    } else {
      auto d = delivery_.find(svc);
      if (d == delivery_.end())
        throw delivery_error("NO_RESOURCE", "Targets of service '" + svc + "' are not emulated (" + tg.arn + ")",
                             false);
      d->second(tg.arn, payload, json::object(), trace_id);
    }
    return;
  } catch (const delivery_error& e) {
    code = e.code(), message = e.what(), retryable = e.retryable();
  } catch (const aws_error& e) {
    code = e.type() == "ResourceNotFoundException" ? "NO_RESOURCE"
           : e.type() == "AccessDeniedException"   ? "NO_PERMISSIONS"
                                                   : e.type();
    message = e.message();
    retryable = code != "NO_RESOURCE" && code != "NO_PERMISSIONS";
  } catch (const std::exception& e) {
    code = "INVOCATION_ERROR", message = e.what();
  }
  ++rl.failed_invocations;
  int attempts = attempt + 1;
  rt_.trace().record(
      "delivery.failed", "bus",
      {{"rule", rule_name}, {"target", target_id}, {"attempt", attempts}, {"error_code", code}, {"error", message}},
      trace_id, seq);
  std::string exhausted;
  if (retryable && attempt >= tg.retry.maximum_retry_attempts) exhausted = "MaximumRetryAttempts";
  duration delay = rt_.ids().backoff(first_retry, max_retry, attempt);
  if (retryable && exhausted.empty() && rt_.clock().now() + delay - first > tg.retry.maximum_event_age)
    exhausted = "MaximumEventAgeInSeconds";
  if (!retryable || !exhausted.empty()) {
    dead_letter(rl, tg, envelope, code, message, exhausted, attempts, trace_id, seq);
    return;
  }
  if (rt_.log().enabled(log_level::debug))
    rt_.log().log(log_level::debug, "bus", "delivery failed, retrying",
                  {{"rule", rule_name},
                   {"target", target_id},
                   {"attempt", attempts},
                   {"retry_in_ms", delay.count()},
                   {"error_code", code},
                   {"error", message}},
                  trace_id);
  schedule_delivery(bus_name, rule_name, target_id, envelope, attempt + 1, first, trace_id, cause, delay);
}

void service::dead_letter(rule& r, const target& t, const shared_json& envelope, const std::string& code,
                          const std::string& message, const std::string& exhausted, int attempts,
                          const std::string& trace_id, std::uint64_t cause) {
  json attrs = {
      {"RULE_ARN", rule_arn(r.bus, r.name)}, {"TARGET_ARN", t.arn}, {"ERROR_CODE", code}, {"ERROR_MESSAGE", message}};
  if (!exhausted.empty()) attrs["EXHAUSTED_RETRY_CONDITION"] = exhausted;
  attrs["RETRY_ATTEMPTS"] = std::to_string(attempts - 1);
  std::string why;
  if (t.dead_letter_arn) {
    auto d = delivery_.find("sqs");
    try {
      if (d == delivery_.end()) throw std::runtime_error("no SQS delivery is wired to this bus");
      d->second(*t.dead_letter_arn, envelope, attrs, trace_id);
      ++r.dead_lettered;
      rt_.trace().record("delivery.dlq", "bus",
                         {{"rule", r.name}, {"target", t.id}, {"dlq", *t.dead_letter_arn}, {"attributes", attrs}},
                         trace_id, cause);
      return;
    } catch (const std::exception& e) {
      why = std::string("the dead-letter queue failed: ") + e.what();
    }
  } else {
    why = "the target has no dead-letter queue";
  }
  ++r.dropped;
  rt_.trace().record("delivery.dropped", "bus",
                     {{"rule", r.name}, {"target", t.id}, {"attributes", attrs}, {"reason", why}}, trace_id, cause);
  rt_.log().log(log_level::warn, "bus", "event dropped after failed delivery",
                {{"rule", r.name}, {"target", t.id}, {"error_code", code}, {"error", message}, {"reason", why}},
                trace_id);
}

shared_json service::transform_input(const rule& r, const target& t, const shared_json& shared) const {
  if (!t.input && !t.input_path && !t.input_transformer) return shared;
  return share(transformed(r, t, *shared));
}

json service::transformed(const rule& r, const target& t, const json& envelope) const {
  if (t.input) return json::parse(*t.input);
  if (t.input_path) return eval_jsonpath(envelope, *t.input_path).value_or(json(nullptr));
  const json& tr = *t.input_transformer;
  std::map<std::string, json> values;
  const json paths = tr.contains("InputPathsMap") ? tr["InputPathsMap"] : json::object();
  for (const auto& [k, v] : paths.items())
    values[k] = eval_jsonpath(envelope, v.get<std::string>()).value_or(json(nullptr));
  values["aws.events.rule-arn"] = rule_arn(r.bus, r.name);
  values["aws.events.rule-name"] = r.name;
  values["aws.events.event.ingestion-time"] = iso8601_seconds(rt_.clock().now());
  json without_detail = envelope;
  without_detail.erase("detail");
  values["aws.events.event"] = without_detail;
  values["aws.events.event.json"] = envelope;
  const std::string& tmpl = tr["InputTemplate"].get_ref<const std::string&>();
  std::size_t first = tmpl.find_first_not_of(" \t\r\n");
  bool json_mode = first != std::string::npos && (tmpl[first] == '{' || tmpl[first] == '[' || tmpl[first] == '"');
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (json_mode && c == '"' && (i == 0 || tmpl[i - 1] != '\\')) in_string = !in_string;
    std::size_t close = c == '<' ? tmpl.find('>', i + 1) : std::string::npos;
    auto v = close == std::string::npos ? values.end() : values.find(tmpl.substr(i + 1, close - i - 1));
    if (v == values.end()) {
      out += c;
      continue;
    }
    const json& val = v->second;
    if (!json_mode)
      out += val.is_string() ? val.get<std::string>() : val.dump();
    else if (in_string) {
      std::string d = val.dump();
      out += val.is_string() ? d.substr(1, d.size() - 2) : json(d).dump().substr(1, json(d).dump().size() - 2);
    } else {
      out += val.dump();
    }
    i = close;
  }
  if (json_mode)
    if (json j = parse_client_json(out); !j.is_discarded()) return j;
  return out;
}

}  // namespace emu::bus
