// BatchGetItem and BatchWriteItem: many items of several tables in one call, every request
// validated (in the API model's words) before anything is read or written.
#include <algorithm>
#include <set>

#include "emulator/dynamo/capacity.h"
#include "emulator/dynamo/internal.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {

using namespace detail;

namespace {

constexpr std::size_t max_batch_get = 100;
constexpr std::size_t max_batch_write = 25;

// RequestItems of BatchGetItem / BatchWriteItem: a map (each operation words its emptiness).
const json& request_items(const json& req) {
  const json* ri = member(req, "RequestItems");
  if (!ri) missing("requestItems");
  if (!ri->is_object()) throw aws_error::serialization("Unexpected value type in payload: RequestItems must be a map");
  return *ri;
}

bool valid_table_name(const std::string& name) {
  return name.size() >= 3 && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
         });
}

// The model's checks of one table's list of BatchWriteItem requests, in its words: 1 to 25
// requests, and a table name of 3 to 255 characters of [a-zA-Z0-9_.-] (the request is echoed
// as the service's Java model prints it).
void check_batch_write_list(const std::string& name, const json& list) {
  if (list.empty())
    throw aws_error::validation("1 validation error detected: Value '{" + name +
                                "=[]}' at 'requestItems' failed to satisfy constraint: Map value must satisfy "
                                "constraint: [Member must have length less than or equal to 25, Member must have "
                                "length greater than or equal to 1]");
  if (list.size() > max_batch_write)
    throw aws_error::validation("1 validation error detected: Value at 'RequestItems." + name +
                                ".member' failed to satisfy constraint: Member must have length less than or equal "
                                "to 25");
  if (valid_table_name(name)) return;
  auto values = [](const json& m) {
    std::string out;
    if (!m.is_object()) return out;
    for (const auto& [k, v] : m.items()) {
      std::string t = v.is_object() && !v.empty() ? v.begin().key() : "?";
      const json& x = v.is_object() && !v.empty() ? v.begin().value() : v;
      out += (out.empty() ? "" : ", ") + k + "=AttributeValue(" + t + "=" +
             (x.is_string() ? x.get<std::string>() : x.dump()) + ")";
    }
    return out;
  };
  std::string echo;
  for (const auto& w : list) {
    echo += echo.empty() ? "" : ", ";
    if (w.is_object() && w.contains("PutRequest"))
      echo += "WriteRequest(putRequest=PutRequest(item={" + values(w["PutRequest"].value("Item", json())) + "}))";
    else if (w.is_object() && w.contains("DeleteRequest"))
      echo +=
          "WriteRequest(deleteRequest=DeleteRequest(key={" + values(w["DeleteRequest"].value("Key", json())) + "}))";
    else
      echo += "WriteRequest()";
  }
  throw aws_error::validation("1 validation error detected: Value '{" + name + "=[" + echo +
                              "]}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: "
                              "[Member must have length less than or equal to 255, Member must have length greater "
                              "than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]");
}

}  // namespace

json service::batch_get_item(json req) {
  op_timer timed(*this, "BatchGetItem", req);
  if (const json* ri = member(req, "RequestItems"); ri && ri->is_object() && ri->empty())
    throw aws_error::validation(
        "1 validation error detected: Value at 'RequestItems' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1");
  json items = request_items(req);
  std::size_t total = 0;
  bool expressions = false, legacy = false;  // projections of either kind, across the tables
  for (auto& [name, spec] : items.items()) {
    if (!spec.is_object() || !spec.contains("Keys") || !spec["Keys"].is_array())
      missing(("requestItems." + name + ".member.keys").c_str());
    total += spec["Keys"].size();
    std::string keys_at = "1 validation error detected: Value at 'RequestItems." + name +
                          ".member.Keys' failed to satisfy constraint: Member must have length ";
    if (spec["Keys"].empty()) throw aws_error::validation(keys_at + "greater than or equal to 1");
    if (spec["Keys"].size() > max_batch_get) throw aws_error::validation(keys_at + "less than or equal to 100");
    if (!valid_table_name(name))
      if (auto bad = batch_get_names_problem(req)) throw aws_error::validation("1 validation error detected: " + *bad);
    expressions = expressions || member(spec, "ProjectionExpression");
    legacy = legacy || member(spec, "AttributesToGet");
  }
  if (total > max_batch_get) throw aws_error::validation("Too many items requested for the BatchGetItem call");
  // One table's block may not mix them (its own message, below); neither may the request.
  if (expressions && legacy && items.size() > 1)
    for (auto& [name, spec] : items.items())
      if (!member(spec, "ProjectionExpression") || !member(spec, "AttributesToGet"))
        throw aws_error::validation(
            "Can not use both expression and non-expression parameters in the same request: Non-expression "
            "parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}");
  json responses = json::object();
  std::map<std::string, capacity> by_table;
  for (auto& [name, spec] : items.items()) {
    table_info& t = table(name);
    exprs e(spec, dialect::current);
    std::vector<doc_path> proj = projection(spec, e);
    e.scope.check_all_used();
    std::set<encoded_key> seen;
    std::vector<encoded_key> keys;
    json& out = responses[name] = json::array();
    for (auto& key : spec["Keys"]) {
      keys.push_back(exact_key(t, key, dialect::current));
      if (!seen.insert(keys.back()).second)
        throw aws_error::validation("Provided list of item keys contains duplicates");
    }
    bool consistent = spec.value("ConsistentRead", false);
    for (const encoded_key& k : keys) {
      std::size_t size = 0;
      auto text = store_.get(t.id, k.pk, k.sk, &size);
      double units = read_units(size, consistent);
      consume(name, "BatchGetItem", units);
      by_table[name].table += units;
      if (text) {
        json item = json::parse(*text);
        out.push_back(proj.empty() ? std::move(item) : project(item, proj));
      }
    }
  }
  json out = {{"Responses", responses}, {"UnprocessedKeys", json::object()}};
  if (json c = consumed_per_table(req, by_table); !c.is_null()) out["ConsumedCapacity"] = c;
  return out;
}

json service::batch_write_item(json req) {
  op_timer timed(*this, "BatchWriteItem", req);
  if (const json* ri = member(req, "RequestItems"); ri && ri->is_object() && ri->empty())
    throw aws_error::validation("The requestItems parameter is required for BatchWriteItem");
  json items = request_items(req);
  std::size_t total = 0;
  for (auto& [name, list] : items.items()) {
    if (!list.is_array())
      throw aws_error::serialization("Unexpected value type in payload: RequestItems values must be lists");
    check_batch_write_list(name, list);
    total += list.size();
  }
  if (total > max_batch_write) throw aws_error::validation("Too many items requested for the BatchWriteItem call");
  // Validate everything first: one bad request fails the whole batch and writes nothing.
  struct one {
    table_info* t;
    encoded_key key;
    std::optional<json> item;  // put; nullopt = delete
    json key_json;
  };
  std::vector<one> writes;
  for (auto& [name, list] : items.items()) {
    table_info& t = table(name);
    std::set<encoded_key> seen;
    for (auto& w : list) {
      bool put = w.contains("PutRequest"), del = w.contains("DeleteRequest");
      if (put == del)
        throw aws_error::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported "
            "datatypes");
      one o{&t, {}, std::nullopt, {}};
      if (put) {
        json& item = w["PutRequest"]["Item"];
        if (item.is_null()) missing("requestItems.member.putRequest.item");
        normalise_item(item, dialect::older);
        // A batch words a missing or mistyped key as a Key parameter's mismatch, not as PutItem does.
        for (const key_def* k : {&t.hash, t.range ? &*t.range : nullptr})
          if (k && (!item.contains(k->name) || type_of(item[k->name]) != k->type))
            throw aws_error::validation("The provided key element does not match the schema");
        o.key = item_key(t, item);
        check_index_keys(t, item);
        check_item_size(item);
        o.key_json = key_of(t, item);
        o.item = item;
      } else {
        json& key = w["DeleteRequest"]["Key"];
        if (key.is_null()) missing("requestItems.member.deleteRequest.key");
        o.key = exact_key(t, key, dialect::older);
        o.key_json = key;
      }
      if (!seen.insert(o.key).second) throw aws_error::validation("Provided list of item keys contains duplicates");
      writes.push_back(std::move(o));
    }
  }
  std::map<std::string, capacity> by_table;
  {
    store_txn tx(store_);
    for (auto& w : writes) {
      std::optional<json> old = load(*w.t, w.key.pk, w.key.sk);
      capacity units = write_capacity(*w.t, old ? &*old : nullptr, w.item ? &*w.item : nullptr);
      consume(w.t->name, "BatchWriteItem", units.total());
      by_table[w.t->name] += units;
      if (!w.item && !old) continue;
      write(*w.t, w.key.pk, w.key.sk, old ? &*old : nullptr, w.item ? &*w.item : nullptr);
    }
    tx.commit();
  }
  for (auto& w : writes)
    rt_.trace().record_text(w.item ? "dynamodb.put" : "dynamodb.delete", "dynamodb",
                            item_trace_data(w.t->name, w.key_json));
  json out = {{"UnprocessedItems", json::object()}};
  if (json c = consumed_per_table(req, by_table); !c.is_null()) out["ConsumedCapacity"] = c;
  json metrics = json::object();  // per table with item collections, one entry per write
  for (auto& w : writes)
    if (json m = collection_metrics(*w.t, req, w.key_json, w.key.pk); !m.is_null()) metrics[w.t->name].push_back(m);
  if (!metrics.empty()) out["ItemCollectionMetrics"] = metrics;
  return out;
}

}  // namespace emu::dynamo
