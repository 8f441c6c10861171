// EventBridge API operations: request validation, buses, rules, targets, tags. Delivery and
// input transformation are in delivery.cc.
#include "emulator/bus/service.h"

#include <cctype>
#include <cstring>

#include "emulator/bus/request.h"
#include "emulator/core/error.h"
#include "emulator/core/jsonpath.h"
#include "emulator/core/time_format.h"

namespace emu::bus {
namespace {

using request::epoch_seconds;
using request::member;
using request::optional_string;
using request::required_string;

const char* const rule_name_re = "[\\.\\-_A-Za-z0-9]+";
const char* const bus_name_re = "[/\\.\\-_A-Za-z0-9]+";

// AWS's model-validation message for one member.
[[noreturn]] void invalid_member(const std::string& value, const std::string& member, const std::string& constraint) {
  throw aws_error::validation("1 validation error detected: Value '" + value + "' at '" + member +
                              "' failed to satisfy constraint: " + constraint);
}

// True when every character of `v` is a letter, digit or one of `extra` (the name patterns
// above, without the cost of std::regex on every call).
bool only_name_chars(const std::string& v, const char* extra) {
  for (unsigned char c : v)
    if (c == 0 || (!std::isalnum(c) && !std::strchr(extra, c))) return false;
  return true;
}

void check_name(const std::string& v, const char* wire, const char* re, std::size_t max) {
  if (v.empty() || v.size() > max)
    invalid_member(v, wire, "Member must have length between 1 and " + std::to_string(max));
  bool bus = re == bus_name_re;
  if (!only_name_chars(v, bus ? "/.-_" : ".-_"))
    invalid_member(v, wire, std::string("Member must satisfy regular expression pattern: ") + re);
}

// Accepts a bus name or ARN ("arn:aws:events:us-east-1:000000000000:event-bus/name").
std::string bus_name_of(const std::string& name_or_arn) {
  if (name_or_arn.rfind("arn:", 0) == 0 && name_or_arn.find(":event-bus/") == std::string::npos)
    throw aws_error::validation("Parameter EventBusName is not valid.");
  return request::bus_name_in(name_or_arn);
}

int limit_of(const json& req, int max) {
  const json* v = member(req, "Limit");
  if (!v) return max;
  if (!v->is_number_integer() || v->get<long long>() < 1 || v->get<long long>() > max)
    invalid_member(v->dump(), "limit", "Member must have value between 1 and " + std::to_string(max));
  return int(v->get<long long>());
}

std::size_t token_of(const json& req) {
  auto t = optional_string(req, "NextToken");
  if (!t) return 0;
  try {
    std::size_t pos = 0;
    std::size_t n = std::stoull(*t, &pos);
    if (pos == t->size()) return n;
  } catch (...) {}
  throw aws_error::validation("The NextToken provided is invalid.");
}

// Pages a list: returns the members [start, start+limit) and sets NextToken when more remain.
template <class T, class F>
json page(const std::vector<T>& all, const json& req, int max, const char* key, F&& to_json) {
  std::size_t start = token_of(req);
  int limit = limit_of(req, max);
  json out = {{key, json::array()}};
  for (std::size_t i = start; i < all.size() && i < start + std::size_t(limit); ++i)
    out[key].push_back(to_json(all[i]));
  if (start + std::size_t(limit) < all.size()) out["NextToken"] = std::to_string(start + limit);
  return out;
}

}  // namespace

void validate_transformer(const target& t);  // delivery.cc

service::service(runtime& rt, std::string account, std::string region)
    : rt_(rt), account_(std::move(account)), region_(std::move(region)) {
  event_bus def;
  def.name = "default";
  def.created = rt_.clock().now();
  buses_["default"] = std::move(def);
}

std::string service::arn(const std::string& resource) const {
  return "arn:aws:events:" + region_ + ":" + account_ + ":" + resource;
}

std::string service::bus_arn(const std::string& bus) const { return arn("event-bus/" + bus); }

std::string service::rule_arn(const std::string& bus, const std::string& rule) const {
  return arn("rule/" + (bus == "default" ? "" : bus + "/") + rule);
}

event_bus& service::bus_for(const json& req, const char* name) {
  std::string bus = bus_name_of(optional_string(req, name).value_or("default"));
  auto it = buses_.find(bus);
  if (it == buses_.end()) throw aws_error::resource_not_found("Event bus " + bus + " does not exist.");
  return it->second;
}

rule& service::rule_for(const json& req) {
  std::string name = member(req, "Rule") ? required_string(req, "Rule", "rule") : required_string(req, "Name", "name");
  event_bus& bus = bus_for(req);
  auto it = bus.rules.find(name);
  if (it == bus.rules.end())
    throw aws_error::resource_not_found("Rule " + name + " does not exist on EventBus " + bus.name + ".");
  return it->second;
}

// ---- Buses ----

json service::create_event_bus(const json& req) {
  std::string name = required_string(req, "Name", "name");
  check_name(name, "name", bus_name_re, 256);
  if (buses_.count(name)) throw aws_error("ResourceAlreadyExistsException", "Event bus " + name + " already exists.");
  if (name.find('/') != std::string::npos || name.rfind("aws.", 0) == 0)
    throw aws_error::validation("Event bus name must not contain '/' or start with 'aws.'");
  if (buses_.size() >= std::size_t(max_buses))
    throw aws_error("LimitExceededException", "The requested resource exceeds the maximum number allowed.");
  event_bus b;
  b.name = name;
  b.description = optional_string(req, "Description").value_or("");
  b.created = rt_.clock().now();
  if (const json* tags = member(req, "Tags"))
    for (const auto& t : *tags) b.tags[t.value("Key", "")] = t.value("Value", "");
  buses_[name] = std::move(b);
  rt_.trace().record("bus.create", "bus", {{"bus", name}});
  return {{"EventBusArn", bus_arn(name)}};
}

json service::describe_event_bus(const json& req) {
  std::string name = bus_name_of(optional_string(req, "Name").value_or("default"));
  auto it = buses_.find(name);
  if (it == buses_.end()) throw aws_error::resource_not_found("Event bus " + name + " does not exist.");
  json out = {{"Name", name}, {"Arn", bus_arn(name)}};
  if (!it->second.description.empty()) out["Description"] = it->second.description;
  out["CreationTime"] = epoch_seconds(it->second.created);
  out["LastModifiedTime"] = epoch_seconds(it->second.created);
  return out;
}

json service::list_event_buses(const json& req) {
  std::string prefix = optional_string(req, "NamePrefix").value_or("");
  std::vector<const event_bus*> list;
  for (const auto& [n, b] : buses_)
    if (n.rfind(prefix, 0) == 0) list.push_back(&b);
  return page(list, req, 100, "EventBuses", [&](const event_bus* b) {
    return json{{"Name", b->name},
                {"Arn", bus_arn(b->name)},
                {"CreationTime", epoch_seconds(b->created)},
                {"LastModifiedTime", epoch_seconds(b->created)}};
  });
}

json service::delete_event_bus(const json& req) {
  std::string name = required_string(req, "Name", "name");
  if (name == "default") throw aws_error::validation("Cannot delete event bus default.");
  buses_.erase(name);  // deleting a bus that does not exist succeeds, as in AWS
  events_.erase(name);
  return json::object();
}

// ---- Rules ----

namespace {

// "rate(5 minutes)" → 5 min; AWS wants the singular unit for 1 and the plural otherwise.
std::optional<duration> parse_rate(const std::string& expr) {
  if (expr.rfind("rate(", 0) != 0 || expr.back() != ')') return std::nullopt;
  std::string body = expr.substr(5, expr.size() - 6);
  auto space = body.find(' ');
  if (space == std::string::npos || space == 0) return std::nullopt;
  long long n = 0;
  for (std::size_t i = 0; i < space; ++i) {
    if (!std::isdigit((unsigned char)body[i]) || n > 1'000'000) return std::nullopt;
    n = n * 10 + (body[i] - '0');
  }
  std::string unit = body.substr(space + 1);
  if (n < 1) return std::nullopt;
  if (n == 1 ? unit.back() == 's' : unit.back() != 's') return std::nullopt;
  if (n != 1) unit.pop_back();
  if (unit == "minute") return std::chrono::minutes(n);
  if (unit == "hour") return std::chrono::hours(n);
  if (unit == "day") return std::chrono::hours(24 * n);
  return std::nullopt;
}

}  // namespace

json service::put_rule(const json& req) {
  // Everything is validated before anything changes: a refused PutRule leaves no trace.
  std::string name = required_string(req, "Name", "name");
  check_name(name, "name", rule_name_re, 64);
  event_bus& bus = bus_for(req);
  auto pattern_text = optional_string(req, "EventPattern");
  auto schedule = optional_string(req, "ScheduleExpression");
  if (!pattern_text && !schedule)
    throw aws_error::validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
  std::optional<duration> period;
  if (schedule) {
    if (bus.name != "default")
      throw aws_error::validation("ScheduleExpression is supported only on the default event bus.");
    if (schedule->rfind("cron(", 0) == 0)
      throw aws_error::validation(
          "Parameter ScheduleExpression is not valid. bellyfed-emu runs rate() schedules; "
          "cron() expressions are not emulated yet.");
    period = parse_rate(*schedule);
    if (!period) throw aws_error::validation("Parameter ScheduleExpression is not valid.");
  }
  std::optional<pattern> compiled;
  if (pattern_text) {
    if (pattern_text->size() > 4096)
      invalid_member(*pattern_text, "eventPattern", "Member must have length less than or equal to 4096");
    try {
      compiled = pattern::parse(*pattern_text);
    } catch (const pattern_error& e) {
      throw aws_error::invalid_event_pattern(std::string("Event pattern is not valid. Reason: ") + e.what());
    }
  }
  auto state = optional_string(req, "State").value_or("ENABLED");
  if (state != "ENABLED" && state != "DISABLED" && state != "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
    invalid_member(
        state, "state",
        "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
  std::string description = optional_string(req, "Description").value_or("");
  if (description.size() > 512)
    invalid_member(description, "description", "Member must have length less than or equal to 512");
  auto it = bus.rules.find(name);
  if (it == bus.rules.end() && bus.rules.size() >= std::size_t(max_rules_per_bus))
    throw aws_error("LimitExceededException", "The requested resource exceeds the maximum number allowed.");

  rule& r = bus.rules[name];
  if (r.id == 0) {
    r.id = bus.next_rule_id++;
    bus.rule_by_id[r.id] = &r;
  }
  if (compiled)
    bus.index.add(r.id, *compiled);
  else
    bus.index.remove(r.id);
  r.name = name;
  r.bus = bus.name;
  r.description = description;
  r.state = state;
  r.pattern_text = pattern_text.value_or("");
  r.compiled = std::move(compiled);
  r.schedule = schedule.value_or("");
  r.schedule_generation = ++schedule_generations_;  // ends the previous schedule's chain of tasks
  if (period) start_schedule(bus.name, name, r.schedule_generation, *period);
  if (const json* tags = member(req, "Tags"))
    for (const auto& t : *tags) r.tags[t.value("Key", "")] = t.value("Value", "");
  rt_.trace().record("rule.put", "bus", {{"bus", bus.name}, {"rule", name}, {"state", state}});
  return {{"RuleArn", rule_arn(bus.name, name)}};
}

void service::start_schedule(const std::string& bus, const std::string& name, std::uint64_t generation,
                             duration period) {
  rt_.sched().after(period, "schedule " + name, [this, bus, name, generation, period] {
    auto b = buses_.find(bus);
    if (b == buses_.end()) return;
    auto r = b->second.rules.find(name);
    if (r == b->second.rules.end() || r->second.schedule_generation != generation) return;  // replaced or deleted
    start_schedule(bus, name, generation, period);
    if (r->second.state == "DISABLED") return;
    json envelope = {{"version", "0"},
                     {"id", rt_.ids().uuid()},
                     {"detail-type", "Scheduled Event"},
                     {"source", "aws.events"},
                     {"account", account_},
                     {"time", iso8601_seconds(rt_.clock().now())},
                     {"region", region_},
                     {"resources", {rule_arn(bus, name)}},
                     {"detail", json::object()}};
    ++r->second.matched;
    auto seq = rt_.trace().record("schedule.fire", "bus", {{"bus", bus}, {"rule", name}, {"id", envelope["id"]}});
    shared_json shared = share(std::move(envelope));
    for (const auto& [target_id, t] : r->second.targets)
      schedule_delivery(bus, name, target_id, shared, 0, rt_.clock().now(), {}, seq, duration(0));
  });
}

json service::describe_rule(const json& req) {
  rule& r = rule_for(req);
  json out = {{"Name", r.name}, {"Arn", rule_arn(r.bus, r.name)}};
  if (!r.pattern_text.empty()) out["EventPattern"] = r.pattern_text;
  if (!r.schedule.empty()) out["ScheduleExpression"] = r.schedule;
  out["State"] = r.state;
  if (!r.description.empty()) out["Description"] = r.description;
  out["EventBusName"] = r.bus;
  out["CreatedBy"] = account_;
  return out;
}

json service::list_rules(const json& req) {
  event_bus& bus = bus_for(req);
  std::string prefix = optional_string(req, "NamePrefix").value_or("");
  std::vector<const rule*> list;
  for (const auto& [n, r] : bus.rules)
    if (n.rfind(prefix, 0) == 0) list.push_back(&r);
  return page(list, req, 100, "Rules", [&](const rule* r) {
    json j = {{"Name", r->name}, {"Arn", rule_arn(r->bus, r->name)}};
    if (!r->pattern_text.empty()) j["EventPattern"] = r->pattern_text;
    if (!r->schedule.empty()) j["ScheduleExpression"] = r->schedule;
    j["State"] = r->state;
    if (!r->description.empty()) j["Description"] = r->description;
    j["EventBusName"] = r->bus;
    return j;
  });
}

json service::delete_rule(const json& req) {
  std::string name = required_string(req, "Name", "name");
  event_bus& bus = bus_for(req);
  auto it = bus.rules.find(name);
  if (it == bus.rules.end()) return json::object();  // idempotent, as in AWS
  bool force = member(req, "Force") && (*member(req, "Force")).is_boolean() && (*member(req, "Force")).get<bool>();
  if (!it->second.targets.empty() && !force) throw aws_error::validation("Rule can't be deleted since it has targets.");
  bus.index.remove(it->second.id);
  bus.rule_by_id.erase(it->second.id);
  bus.rules.erase(it);
  rt_.trace().record("rule.delete", "bus", {{"bus", bus.name}, {"rule", name}});
  return json::object();
}

json service::set_rule_state(const json& req, const std::string& state) {
  rule& r = rule_for(req);
  r.state = state;
  return json::object();
}

// ---- Targets ----

json service::put_targets(const json& req) {
  rule& r = rule_for(req);
  const json* targets = member(req, "Targets");
  if (!targets || !targets->is_array() || targets->empty() || targets->size() > 100)
    invalid_member(targets ? targets->dump() : "null", "targets", "Member must have length between 1 and 100");
  std::map<std::string, target> next = r.targets;
  for (const auto& t : *targets) {
    if (!t.is_object()) throw aws_error::serialization("Each target must be an object");
    target x;
    x.id = required_string(t, "Id", "targets.member.id");
    check_name(x.id, "targets.member.id", rule_name_re, 64);
    x.arn = required_string(t, "Arn", "targets.member.arn");
    if (x.arn.rfind("arn:", 0) != 0)
      throw aws_error::validation("Parameter " + x.arn +
                                  " is not valid. Reason: Provided Arn is not in correct format.");
    x.input = optional_string(t, "Input");
    x.input_path = optional_string(t, "InputPath");
    if (const json* tr = member(t, "InputTransformer")) x.input_transformer = *tr;
    int inputs = bool(x.input) + bool(x.input_path) + bool(x.input_transformer);
    if (inputs > 1)
      throw aws_error::validation("Only one of Input, InputPath, or InputTransformer must be provided for target " +
                                  x.id + ".");
    if (x.input && (json_nests_deeper(*x.input, max_client_json_depth) || !json::accept(*x.input)))
      throw aws_error::validation("Input for target " + x.id + " must be a valid JSON text.");
    if (x.input_path && check_jsonpath(*x.input_path))
      throw aws_error::validation("InputPath for target " + x.id + " is an invalid JSONPath.");
    if (x.input_transformer) validate_transformer(x);
    if (const json* rp = member(t, "RetryPolicy")) {
      x.retry_set = true;
      if (rp->contains("MaximumRetryAttempts")) {
        const json& n = (*rp)["MaximumRetryAttempts"];
        if (!n.is_number_integer() || n.get<long long>() < 0 || n.get<long long>() > 185)
          invalid_member(n.dump(), "targets.member.retryPolicy.maximumRetryAttempts",
                         "Member must have value between 0 and 185");
        x.retry.maximum_retry_attempts = n.get<int>();
      }
      if (rp->contains("MaximumEventAgeInSeconds")) {
        const json& n = (*rp)["MaximumEventAgeInSeconds"];
        if (!n.is_number_integer() || n.get<long long>() < 60 || n.get<long long>() > 86400)
          invalid_member(n.dump(), "targets.member.retryPolicy.maximumEventAgeInSeconds",
                         "Member must have value between 60 and 86400");
        x.retry.maximum_event_age = std::chrono::seconds(n.get<long long>());
      }
    }
    if (const json* dl = member(t, "DeadLetterConfig")) {
      auto arn = optional_string(*dl, "Arn");
      if (!arn || arn->rfind("arn:aws:sqs:", 0) != 0)
        throw aws_error::validation("The dead-letter queue of target " + x.id + " must be an SQS queue ARN.");
      x.dead_letter_arn = *arn;
    }
    for (const auto& [k, v] : t.items())
      if (k != "Id" && k != "Arn" && k != "Input" && k != "InputPath" && k != "InputTransformer" &&
          k != "RetryPolicy" && k != "DeadLetterConfig")
        x.extra[k] = v;
    next[x.id] = std::move(x);
  }
  if (next.size() > std::size_t(max_targets_per_rule))
    throw aws_error("LimitExceededException", "The requested resource exceeds the maximum number allowed.");
  r.targets = std::move(next);
  r.match_tail.clear();
  return {{"FailedEntryCount", 0}, {"FailedEntries", json::array()}};
}

json service::list_targets_by_rule(const json& req) {
  rule& r = rule_for(req);
  std::vector<const target*> list;
  for (const auto& [id, t] : r.targets) list.push_back(&t);
  return page(list, req, 100, "Targets", [](const target* t) {
    json j = {{"Id", t->id}, {"Arn", t->arn}};
    if (t->input) j["Input"] = *t->input;
    if (t->input_path) j["InputPath"] = *t->input_path;
    if (t->input_transformer) j["InputTransformer"] = *t->input_transformer;
    if (t->retry_set)
      j["RetryPolicy"] = {{"MaximumRetryAttempts", t->retry.maximum_retry_attempts},
                          {"MaximumEventAgeInSeconds",
                           std::chrono::duration_cast<std::chrono::seconds>(t->retry.maximum_event_age).count()}};
    if (t->dead_letter_arn) j["DeadLetterConfig"] = {{"Arn", *t->dead_letter_arn}};
    for (const auto& [k, v] : t->extra.items()) j[k] = v;
    return j;
  });
}

json service::remove_targets(const json& req) {
  rule& r = rule_for(req);
  const json* ids = member(req, "Ids");
  if (!ids || !ids->is_array() || ids->empty() || ids->size() > 100)
    invalid_member(ids ? ids->dump() : "null", "ids", "Member must have length between 1 and 100");
  for (const auto& id : *ids)
    if (id.is_string()) r.targets.erase(id.get<std::string>());
  r.match_tail.clear();
  return {{"FailedEntryCount", 0}, {"FailedEntries", json::array()}};
}

json service::list_rule_names_by_target(const json& req) {
  std::string arn = required_string(req, "TargetArn", "targetArn");
  event_bus& bus = bus_for(req);
  std::vector<std::string> names;
  for (const auto& [n, r] : bus.rules)
    for (const auto& [id, t] : r.targets)
      if (t.arn == arn) {
        names.push_back(n);
        break;
      }
  return page(names, req, 100, "RuleNames", [](const std::string& n) { return json(n); });
}

json service::test_event_pattern(const json& req) {
  std::string text = required_string(req, "EventPattern", "eventPattern");
  std::string event_text = required_string(req, "Event", "event");
  std::optional<pattern> p;
  try {
    p = pattern::parse(text);
  } catch (const pattern_error& e) {
    throw aws_error::invalid_event_pattern(std::string("Event pattern is not valid. Reason: ") + e.what());
  }
  json event = parse_client_json(event_text);
  if (!event.is_object()) throw aws_error::validation("Parameter Event is not valid.");
  return {{"Result", p->matches(event)}};
}

// ---- Tags ----

static std::map<std::string, std::string>* find_tags(std::map<std::string, event_bus>& buses, const service& s,
                                                     const std::string& arn) {
  for (auto& [n, b] : buses) {
    if (s.bus_arn(n) == arn) return &b.tags;
    for (auto& [rn, r] : b.rules)
      if (s.rule_arn(n, rn) == arn) return &r.tags;
  }
  throw aws_error::resource_not_found("Resource " + arn + " does not exist.");
}

json service::tag_resource(const json& req) {
  auto* tags = find_tags(buses_, *this, required_string(req, "ResourceARN", "resourceARN"));
  const json* list = member(req, "Tags");
  if (!list || !list->is_array()) invalid_member("null", "tags", "Member must not be null");
  for (const auto& t : *list) (*tags)[t.value("Key", "")] = t.value("Value", "");
  return json::object();
}

json service::untag_resource(const json& req) {
  auto* tags = find_tags(buses_, *this, required_string(req, "ResourceARN", "resourceARN"));
  const json* keys = member(req, "TagKeys");
  if (!keys || !keys->is_array()) invalid_member("null", "tagKeys", "Member must not be null");
  for (const auto& k : *keys)
    if (k.is_string()) tags->erase(k.get<std::string>());
  return json::object();
}

json service::list_tags_for_resource(const json& req) {
  auto* tags = find_tags(buses_, *this, required_string(req, "ResourceARN", "resourceARN"));
  json out = json::array();
  for (const auto& [k, v] : *tags) out.push_back({{"Key", k}, {"Value", v}});
  return {{"Tags", out}};
}

// ---- Observation ----

const std::deque<event_record>& service::events(const std::string& bus) const {
  static const std::deque<event_record> none;
  auto it = events_.find(bus);
  return it == events_.end() ? none : it->second;
}

void service::inject_target_failures(const std::string& rule_name, const std::string& target_id, int count) {
  for (auto& [n, b] : buses_) {
    auto it = b.rules.find(rule_name);
    if (it != b.rules.end() && it->second.targets.count(target_id)) {
      it->second.fail_target[target_id] = count;
      return;
    }
  }
  throw aws_error::resource_not_found("No rule " + rule_name + " with target " + target_id);
}

json service::metrics() const {
  json out = json::object();
  for (const auto& [n, b] : buses_) {
    json rules = json::object();
    for (const auto& [rn, r] : b.rules)
      rules[rn] = {{"matched", r.matched},
                   {"invocations", r.invocations},
                   {"failed_invocations", r.failed_invocations},
                   {"dead_lettered", r.dead_lettered},
                   {"dropped", r.dropped}};
    out[n] = {{"events_in", b.events_in}, {"matched_events", b.matched_events}, {"rules", rules}};
  }
  return out;
}

const std::map<std::string, operation>& operations() {
  static const std::map<std::string, operation> ops = {
      {"PutEvents", &service::put_events},
      {"PutRule", &service::put_rule},
      {"DescribeRule", &service::describe_rule},
      {"ListRules", &service::list_rules},
      {"DeleteRule", &service::delete_rule},
      {"EnableRule", &service::enable_rule},
      {"DisableRule", &service::disable_rule},
      {"PutTargets", &service::put_targets},
      {"ListTargetsByRule", &service::list_targets_by_rule},
      {"RemoveTargets", &service::remove_targets},
      {"ListRuleNamesByTarget", &service::list_rule_names_by_target},
      {"TestEventPattern", &service::test_event_pattern},
      {"CreateEventBus", &service::create_event_bus},
      {"DescribeEventBus", &service::describe_event_bus},
      {"ListEventBuses", &service::list_event_buses},
      {"DeleteEventBus", &service::delete_event_bus},
      {"TagResource", &service::tag_resource},
      {"UntagResource", &service::untag_resource},
      {"ListTagsForResource", &service::list_tags_for_resource},
      {"CreateArchive", &service::create_archive},
      {"DescribeArchive", &service::describe_archive},
      {"ListArchives", &service::list_archives},
      {"UpdateArchive", &service::update_archive},
      {"DeleteArchive", &service::delete_archive},
      {"StartReplay", &service::start_replay},
      {"DescribeReplay", &service::describe_replay},
      {"ListReplays", &service::list_replays},
      {"CancelReplay", &service::cancel_replay},
  };
  return ops;
}

}  // namespace emu::bus
