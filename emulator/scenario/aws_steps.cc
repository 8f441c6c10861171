// The `aws` step: one AWS API call with the SDK's JSON shapes, to any emulated service, and
// the DynamoDB expectations `item` and `query` (plain JSON values, not attribute-value maps).
#include <map>
#include <set>

#include "emulator/core/error.h"
#include "emulator/core/yaml_json.h"
#include "emulator/dynamo/value.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {
namespace {

// Scenario resource names are stage-less: a bus or table the system defines gets the
// scenario's stage; other names (created by the scenario itself) stay as written.
void qualify(const system_def& sys, const std::string& stage, json& obj, const char* key, bool is_table) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return;
  std::string n = obj[key];
  if (is_table) {
    for (const auto& t : sys.tables)
      if (t.name == n) obj[key] = resource_name(n, stage);
  } else {
    for (const auto& b : sys.buses)
      if (b.name == n && n != "default") obj[key] = resource_name(n, stage);
  }
}

std::string qualified_table(world& w, const std::string& n) {
  for (const auto& t : w.sys.tables)
    if (t.name == n) return w.qualified(n);
  return n;
}

}  // namespace

json qualify_aws_params(const system_def& sys, const std::string& stage, const std::string& service, json params,
                        const std::function<std::string(const std::string&)>& queue_url) {
  if (service == "sqs") {
    // Queues the system defines are named without their stage; a bare name in QueueUrl stands
    // for that queue's URL.
    for (const auto& q : sys.queues) {
      if (params.value("QueueName", "") == q.name) params["QueueName"] = resource_name(q.name, stage);
      if (params.value("QueueUrl", "") == q.name) params["QueueUrl"] = queue_url(resource_name(q.name, stage));
    }
    if (params.contains("QueueUrl") && params["QueueUrl"].is_string() &&
        params["QueueUrl"].get<std::string>().find('/') == std::string::npos)
      params["QueueUrl"] = queue_url(params["QueueUrl"].get<std::string>());
  } else if (service == "dynamodb") {
    qualify(sys, stage, params, "TableName", true);
    if (params.contains("RequestItems") && params["RequestItems"].is_object()) {
      json renamed = json::object();
      for (auto& [k, v] : params["RequestItems"].items()) {
        std::string name = k;
        for (const auto& t : sys.tables)
          if (t.name == k) name = resource_name(k, stage);
        renamed[name] = v;
      }
      params["RequestItems"] = renamed;
    }
    if (params.contains("TransactItems") && params["TransactItems"].is_array())
      for (auto& e : params["TransactItems"])
        if (e.is_object())
          for (auto& [k, v] : e.items()) qualify(sys, stage, v, "TableName", true);
  } else if (service == "events") {
    qualify(sys, stage, params, "EventBusName", false);
    if (params.contains("Entries") && params["Entries"].is_array())
      for (auto& e : params["Entries"]) qualify(sys, stage, e, "EventBusName", false);
  }
  return params;
}

namespace {

struct item_check {
  std::string table;
  json key;                            // plain values, templates expanded at check time
  std::shared_ptr<const expected> is;  // or null: the item only has to exist
};

struct query_check {
  std::string table, index;
  json key;
  std::shared_ptr<const expected> count, items;
};

}  // namespace

void add_aws_steps(registry& reg) {
  reg.add_step({"aws",
                "one AWS API call with the SDK's JSON shapes: {service: events | dynamodb | sqs, action, params}",
                [](const YAML::Node& p, const std::string& file, const std::string& path) {
                  require_keys(p, file, path, {"service", "action", "params"}, {"service", "action"});
                  // The descriptors' names and operations (any instance has the same ones).
                  static const std::map<std::string, std::pair<std::set<std::string>, std::string>> known = [] {
                    auto rt = runtime::make_virtual(instant{}, 0, log_level::off, nullptr);
                    system_def none;
                    system::instance empty(*rt, none, {});
                    std::map<std::string, std::pair<std::set<std::string>, std::string>> out;
                    for (const auto& a : empty.apis()) {
                      for (const auto& [op, fn] : a.operations) out[a.name].first.insert(op);
                      out[a.name].second = a.operation_names();
                    }
                    return out;
                  }();
                  std::string svc = p["service"].Scalar(), action = p["action"].Scalar(), names;
                  for (const auto& [n, ops] : known) names += (names.empty() ? "" : ", ") + n;
                  auto it = known.find(svc);
                  if (it == known.end())
                    throw load_error(file, p["service"].Mark(), path + ".service",
                                     "unknown service '" + svc + "' (known: " + names + ")");
                  if (!it->second.first.count(action))
                    throw load_error(file, p["action"].Mark(), path + ".action",
                                     "unknown " + svc + " action '" + action + "' (known: " + it->second.second + ")");
                },
                [](world& w, const json& p) -> json {
                  const std::string& svc = p["service"].get_ref<const std::string&>();
                  json params = qualify_aws_params(w.sys, w.stage, svc, p.value("params", json::object()),
                                                   [&w](const std::string& q) { return w.system->sqs().url(q); });
                  const api* a = w.system->find_api(svc);
                  return a->operations.at(p["action"].get_ref<const std::string&>())(std::move(params), {});
                }});

  reg.add_expect(
      {"item", "one DynamoDB item, plain JSON values: {table, key, is} (with absent: true, that it does not exist)",
       [](const YAML::Node& spec, const std::string& file, const std::string& path) {
         require_keys(spec, file, path, {"table", "key", "is"}, {"table", "key"});
         auto c = std::make_shared<item_check>();
         c->table = spec["table"].Scalar();
         c->key = yaml_to_json(spec["key"], file, path + ".key");
         if (!c->key.is_object() || c->key.empty())
           throw load_error(file, spec["key"].Mark(), path + ".key",
                            "is the item's key as a map, e.g. {PK: EST#1, SK: META#1}");
         if (spec["is"]) c->is = compile_expected(spec["is"], file, path + ".is");
         return std::static_pointer_cast<const void>(c);
       },
       [](world& w, const void* compiled, const match_env& env) {
         const auto& c = *static_cast<const item_check*>(compiled);
         std::string table = qualified_table(w, c.table);
         json key = expand_strings(c.key, env);
         json r;
         try {
           r = w.system->dynamo().get_item({{"TableName", table}, {"Key", dynamo::item_from_plain(key)}});
         } catch (const aws_error& e) {
           return std::vector<mismatch>{{"$", "GetItem on " + table + " failed: " + e.type() + ": " + e.message()}};
         }
         if (!r.contains("Item"))
           return std::vector<mismatch>{{"$", "no item with key " + dump_lossy(key) + " in " + table}};
         if (!c.is) return std::vector<mismatch>{};
         std::vector<mismatch> out;
         json item = dynamo::item_to_plain(r["Item"]);
         match(*c.is, &item, "$", env, out);
         return out;
       }});

  reg.add_expect(
      {"query", "a key-condition query, plain JSON values: {table, index, key: {HASH: v, RANGE: v}, count | items}",
       [](const YAML::Node& spec, const std::string& file, const std::string& path) {
         require_keys(spec, file, path, {"table", "index", "key", "count", "items"}, {"table", "key"});
         if (!spec["count"] && !spec["items"])
           throw load_error(file, spec.Mark(), path, "needs count or items (or both)");
         auto c = std::make_shared<query_check>();
         c->table = spec["table"].Scalar();
         if (spec["index"]) c->index = spec["index"].Scalar();
         c->key = yaml_to_json(spec["key"], file, path + ".key");
         if (!c->key.is_object() || c->key.empty() || c->key.size() > 2)
           throw load_error(file, spec["key"].Mark(), path + ".key",
                            "is the partition key and optionally the sort key, e.g. {GSI1PK: LOC#Seattle}");
         if (spec["count"]) c->count = compile_expected(spec["count"], file, path + ".count");
         if (spec["items"]) c->items = compile_expected(spec["items"], file, path + ".items");
         return std::static_pointer_cast<const void>(c);
       },
       [](world& w, const void* compiled, const match_env& env) {
         const auto& c = *static_cast<const query_check*>(compiled);
         std::string table = qualified_table(w, c.table);
         json key = expand_strings(c.key, env);
         json req = {{"TableName", table},
                     {"ExpressionAttributeNames", json::object()},
                     {"ExpressionAttributeValues", json::object()}};
         std::string cond;
         int i = 0;
         for (const auto& [k, v] : key.items()) {
           std::string n = "#k" + std::to_string(i), val = ":v" + std::to_string(i++);
           cond += (cond.empty() ? "" : " AND ") + n + " = " + val;
           req["ExpressionAttributeNames"][n] = k;
           req["ExpressionAttributeValues"][val] = dynamo::from_plain(v);
         }
         req["KeyConditionExpression"] = cond;
         if (!c.index.empty()) req["IndexName"] = c.index;
         json items = json::array();
         try {
           json start;
           do {  // every page
             if (!start.is_null()) req["ExclusiveStartKey"] = start;
             json r = w.system->dynamo().query(req);
             for (const auto& it : r["Items"]) items.push_back(dynamo::item_to_plain(it));
             start = r.value("LastEvaluatedKey", json());
           } while (!start.is_null());
         } catch (const aws_error& e) {
           return std::vector<mismatch>{{"$", "Query on " + table + " failed: " + e.type() + ": " + e.message()}};
         }
         std::vector<mismatch> out;
         json count = items.size();
         if (c.count) match(*c.count, &count, "$.count", env, out);
         if (c.items) match(*c.items, &items, "$.items", env, out);
         return out;
       }});
}

}  // namespace emu::scenario
