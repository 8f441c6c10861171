#include "emulator/core/permissions.h"

#include "emulator/core/error.h"

namespace emu {

permissions::permissions(const function_def& fn, std::string stage, std::string account, std::string region)
    : fn_(fn),
      stage_(std::move(stage)),
      qualified_(resource_name(fn.name, stage_)),
      account_(std::move(account)),
      region_(std::move(region)) {}

void permissions::deny(const std::string& action, const std::string& resource_arn) const {
  throw aws_error::access_denied("User: arn:aws:sts::" + account_ + ":assumed-role/" + qualified_ + "-role/" +
                                 qualified_ + " is not authorized to perform: " + action + " on resource: " +
                                 resource_arn + " because no identity-based policy allows the " + action + " action");
}

bool permissions::granted(const std::vector<std::string>& names, const std::string& qualified) const {
  for (const auto& n : names)
    if (resource_name(n, stage_) == qualified || (n == "default" && qualified == "default")) return true;
  return false;
}

void permissions::check_tables(const std::string& action, const json& input) const {
  auto check = [&](const std::string& table) {
    if (!granted(fn_.tables, table))
      deny("dynamodb:" + action, "arn:aws:dynamodb:" + region_ + ":" + account_ + ":table/" + table);
  };
  if (!input.is_object()) return;
  if (auto t = input.find("TableName"); t != input.end() && t->is_string()) check(t->get<std::string>());
  if (auto r = input.find("RequestItems"); r != input.end() && r->is_object())
    for (const auto& [t, v] : r->items()) check(t);
  if (auto r = input.find("TransactItems"); r != input.end() && r->is_array())
    for (const auto& e : *r)
      if (e.is_object())
        for (const auto& [k, v] : e.items())
          if (v.is_object() && v.contains("TableName") && v["TableName"].is_string())
            check(v["TableName"].get<std::string>());
}

void permissions::check_queue(const std::string& action, const std::string& queue) const {
  if (!granted(fn_.queues, queue)) deny(action, "arn:aws:sqs:" + region_ + ":" + account_ + ":" + queue);
}

void permissions::check_bus(const std::string& action, const std::string& bus) const {
  if (!granted(fn_.buses, bus)) deny(action, "arn:aws:events:" + region_ + ":" + account_ + ":event-bus/" + bus);
}

void permissions::check(const std::string& service, const std::string& action, const json& input) const {
  if (!input.is_object()) return;
  auto last_segment = [](const std::string& s) { return s.substr(s.find_last_of("/:") + 1); };
  if (service == "dynamodb") return check_tables(action, input);
  if (service == "dynamodbstreams") {
    // A stream is its table's: the table named in the stream ARN (or the iterator, which begins
    // with it), or ListStreams' TableName.
    for (const char* m : {"StreamArn", "ShardIterator"})
      if (auto v = input.find(m); v != input.end() && v->is_string()) {
        const std::string& arn = v->get_ref<const std::string&>();
        std::size_t from = arn.find(":table/"), to = arn.find("/stream/");
        if (from != std::string::npos && to != std::string::npos && to > from + 7)
          return check_tables(action, {{"TableName", arn.substr(from + 7, to - from - 7)}});
      }
    return check_tables(action, input);
  }
  if (service == "sqs") {
    if (auto u = input.find("QueueUrl"); u != input.end() && u->is_string())
      check_queue("sqs:" + action, last_segment(u->get<std::string>()));
    else if (auto n = input.find("QueueName"); n != input.end() && n->is_string())
      check_queue("sqs:" + action, n->get<std::string>());
    return;
  }
  if (service == "events") {
    auto bus_of = [&](const json& o) {
      auto b = o.find("EventBusName");
      return b != o.end() && b->is_string() && !b->get<std::string>().empty() ? last_segment(b->get<std::string>())
                                                                              : std::string("default");
    };
    if (action == "PutEvents") {
      if (auto e = input.find("Entries"); e != input.end() && e->is_array())
        for (const auto& entry : *e)
          if (entry.is_object()) check_bus("events:PutEvents", bus_of(entry));
    } else if (input.contains("EventBusName")) {
      check_bus("events:" + action, bus_of(input));
    }
  }
}

}  // namespace emu
