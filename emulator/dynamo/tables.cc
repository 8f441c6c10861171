// Control plane: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable, TTL, tags.
#include <algorithm>
#include <cmath>
#include <set>

#include "emulator/core/time_format.h"
#include "emulator/dynamo/internal.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {

using namespace detail;

namespace {

constexpr int max_gsis = 20;
constexpr int max_lsis = 5;

json key_schema_json(const key_def& h, const std::optional<key_def>& r) {
  json ks = json::array({{{"AttributeName", h.name}, {"KeyType", "HASH"}}});
  if (r) ks.push_back({{"AttributeName", r->name}, {"KeyType", "RANGE"}});
  return ks;
}

// Reads a KeySchema against the attribute definitions. `wire` is the member path for messages.
void read_key_schema(const json* ks, const std::map<std::string, std::string>& defs, const std::string& wire,
                     key_def& hash, std::optional<key_def>& range, std::set<std::string>& used) {
  if (!ks) missing(wire.c_str());
  if (!ks->is_array()) throw aws_error::serialization("Unexpected value type in payload: KeySchema must be a list");
  if (ks->empty() || ks->size() > 2)
    throw aws_error::validation("1 validation error detected: Value '" + ks->dump() + "' at '" + wire +
                                "' failed to satisfy constraint: Member must have length " +
                                (ks->empty() ? "greater than or equal to 1" : "less than or equal to 2"));
  if (ks->size() == 2 && (*ks)[0].is_object() && (*ks)[1].is_object() && (*ks)[0].contains("AttributeName") &&
      (*ks)[0]["AttributeName"] == (*ks)[1].value("AttributeName", json()))
    throw aws_error::validation(
        "Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema have the same name");
  std::vector<std::string> undefined;
  for (std::size_t i = 0; i < ks->size(); ++i) {
    const json& e = (*ks)[i];
    std::string name = required_string(e, "AttributeName", (wire + ".member.attributeName").c_str());
    std::string type = enum_member(e, "KeyType", (wire + ".member.keyType").c_str(), {"HASH", "RANGE"}, "");
    if (type.empty()) missing((wire + ".member.keyType").c_str());
    if ((i == 0) != (type == "HASH"))
      throw aws_error::validation(i == 0 ? "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
                                         : "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    auto d = defs.find(name);
    if (d == defs.end()) {
      undefined.push_back(name);
      continue;
    }
    used.insert(name);
    (i == 0 ? hash : range.emplace()) = key_def{name, d->second};
  }
  if (!undefined.empty()) {
    std::string keys, attrs;
    for (const auto& u : undefined) keys += (keys.empty() ? "" : ", ") + u;
    for (const auto& [n, t] : defs) attrs += (attrs.empty() ? "" : ", ") + n;
    throw aws_error::validation(
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [" +
        keys + "], AttributeDefinitions: [" + attrs + "]");
  }
}

void read_projection(const json& ix, index_info& out) {
  const json* p = member(ix, "Projection");
  if (!p) missing("projection");
  out.projection = enum_member(*p, "ProjectionType", "projection.projectionType", {"ALL", "KEYS_ONLY", "INCLUDE"}, "");
  if (out.projection.empty())
    throw aws_error::validation("One or more parameter values were invalid: Unknown ProjectionType: null");
  const json* nk = member(*p, "NonKeyAttributes");
  if (out.projection == "INCLUDE") {
    if (!nk || nk->empty())
      throw aws_error::validation(
          "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not "
          "specified");
    for (const auto& a : *nk) out.non_key.push_back(a.get<std::string>());
  } else if (nk) {
    throw aws_error::validation("One or more parameter values were invalid: ProjectionType is " + out.projection +
                                ", but NonKeyAttributes is specified");
  }
}

void check_throughput(const json* pt, const std::string& billing, const std::string& what) {
  if (billing == "PROVISIONED") {
    if (!pt || !pt->contains("ReadCapacityUnits") || !pt->contains("WriteCapacityUnits"))
      throw aws_error::validation(
          "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
          "specified when BillingMode is PROVISIONED");
    for (const char* k : {"ReadCapacityUnits", "WriteCapacityUnits"})
      if (!(*pt)[k].is_number_integer() || (*pt)[k].get<long long>() < 1)
        throw aws_error::validation(
            "1 validation error detected: Value '" + (*pt)[k].dump() + "' at '" + what +
            "' failed to satisfy constraint: Member must have value greater than or equal to 1");
  } else if (pt) {
    throw aws_error::validation(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
        "specified when BillingMode is PAY_PER_REQUEST");
  }
}

json throughput_json(const json& pt) {
  json out = {{"NumberOfDecreasesToday", 0}, {"ReadCapacityUnits", 0}, {"WriteCapacityUnits", 0}};
  if (pt.is_object()) {
    out["ReadCapacityUnits"] = pt.value("ReadCapacityUnits", 0);
    out["WriteCapacityUnits"] = pt.value("WriteCapacityUnits", 0);
  }
  return out;
}

index_info read_index(const json& ix, bool global, const std::map<std::string, std::string>& defs,
                      std::set<std::string>& used, const std::string& billing) {
  index_info out;
  out.global = global;
  std::string wire = global ? "globalSecondaryIndexes.member" : "localSecondaryIndexes.member";
  out.name = required_string(ix, "IndexName", (wire + ".indexName").c_str());
  if (out.name.size() < 3 || out.name.size() > 255)
    throw aws_error::validation("1 validation error detected: Value '" + out.name + "' at '" + wire +
                                ".indexName' failed to satisfy constraint: Member must have length " +
                                (out.name.size() < 3 ? "greater than or equal to 3" : "less than or equal to 255"));
  read_key_schema(member(ix, "KeySchema"), defs, wire + ".keySchema", out.hash, out.range, used);
  read_projection(ix, out);
  if (global) {
    const json* pt = member(ix, "ProvisionedThroughput");
    check_throughput(pt, billing, wire + ".provisionedThroughput");
    if (pt) out.throughput = *pt;
  }
  return out;
}

}  // namespace

const index_info* table_info::index(const std::string& n) const {
  for (const auto& ix : indexes)
    if (ix.name == n) return &ix;
  return nullptr;
}

json table_info::to_meta() const {
  json ixs = json::array();
  for (const auto& ix : indexes)
    ixs.push_back({{"name", ix.name},
                   {"global", ix.global},
                   {"hash", {ix.hash.name, ix.hash.type}},
                   {"range", ix.range ? json{ix.range->name, ix.range->type} : json()},
                   {"projection", ix.projection},
                   {"non_key", ix.non_key},
                   {"id", ix.id},
                   {"throughput", ix.throughput}});
  return {{"hash", {hash.name, hash.type}},
          {"range", range ? json{range->name, range->type} : json()},
          {"indexes", ixs},
          {"attribute_definitions", attribute_definitions},
          {"billing_mode", billing_mode},
          {"throughput", throughput},
          {"created", created},
          {"table_id", table_id},
          {"ttl", ttl ? json(*ttl) : json()},
          {"tags", tags},
          {"stream", stream},
          {"stream_id", stream_id},
          {"deletion_protection", deletion_protection},
          {"next_index_id", next_index_id}};
}

table_info table_info::from_meta(int id, const std::string& name, const json& m) {
  table_info t;
  t.id = id;
  t.name = name;
  t.hash = {m["hash"][0], m["hash"][1]};
  if (!m["range"].is_null()) t.range = key_def{m["range"][0], m["range"][1]};
  for (const auto& ix : m["indexes"]) {
    index_info i;
    i.name = ix["name"];
    i.global = ix["global"];
    i.hash = {ix["hash"][0], ix["hash"][1]};
    if (!ix["range"].is_null()) i.range = key_def{ix["range"][0], ix["range"][1]};
    i.projection = ix["projection"];
    i.non_key = ix["non_key"].get<std::vector<std::string>>();
    i.id = ix["id"];
    i.throughput = ix["throughput"];
    t.indexes.push_back(std::move(i));
  }
  t.attribute_definitions = m["attribute_definitions"];
  t.billing_mode = m["billing_mode"];
  t.throughput = m["throughput"];
  t.created = m["created"];
  t.table_id = m["table_id"];
  if (!m["ttl"].is_null()) t.ttl = m["ttl"].get<std::string>();
  t.tags = m["tags"];
  t.stream = m["stream"];
  t.stream_id = m.value("stream_id", 0);
  if (t.stream_id == 0) t.stream = nullptr;  // written before streams were recorded
  t.deletion_protection = m["deletion_protection"];
  t.next_index_id = m["next_index_id"];
  return t;
}

service::service(runtime& rt, std::string account, std::string region, const std::string& data_dir)
    : rt_(rt),
      account_(std::move(account)),
      region_(std::move(region)),
      store_(data_dir.empty() ? std::string() : data_dir + "/dynamodb.sqlite3"),
      streams_(rt_, store_, region_) {
  for (const auto& e : store_.tables())
    tables_.emplace(e.name, table_info::from_meta(e.id, e.name, json::parse(e.meta)));
  schedule_next_expiry();
}

service::~service() {
  if (ttl_task_) rt_.sched().cancel(ttl_task_->second);
}

std::string service::table_arn(const std::string& name) const {
  return "arn:aws:dynamodb:" + region_ + ":" + account_ + ":table/" + name;
}

std::vector<std::string> service::table_names() const {
  std::vector<std::string> out;
  for (const auto& [n, t] : tables_) out.push_back(n);
  return out;
}

table_info& service::table(const std::string& name) {
  auto it = tables_.find(name);
  if (it == tables_.end()) throw aws_error::resource_not_found("Requested resource not found");
  return it->second;
}

const table_info& service::table_for_arn(const std::string& arn) {
  std::string prefix = "arn:aws:dynamodb:" + region_ + ":" + account_ + ":table/";
  if (arn.rfind("arn:aws:dynamodb:", 0) != 0)
    throw aws_error::validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  auto at = arn.find(":table/");
  std::string name = at == std::string::npos ? "" : arn.substr(at + 7);
  auto it = tables_.find(name);
  if (it == tables_.end() || arn.rfind(prefix, 0) != 0)
    throw aws_error::resource_not_found("Requested resource not found: ResourcArn: " + arn + " not found");
  return it->second;
}

void service::save_meta(const table_info& t) { store_.set_meta(t.id, t.to_meta().dump()); }

json service::describe(const table_info& t) {
  store::totals totals = store_.table_totals(t.id);
  json d = {{"AttributeDefinitions", t.attribute_definitions},
            {"TableName", t.name},
            {"KeySchema", key_schema_json(t.hash, t.range)},
            {"TableStatus", "ACTIVE"},
            {"CreationDateTime", t.created},
            {"ProvisionedThroughput", throughput_json(t.throughput)},
            {"TableSizeBytes", totals.bytes},
            {"ItemCount", totals.items},
            {"TableArn", table_arn(t.name)},
            {"TableId", t.table_id}};
  if (t.billing_mode == "PAY_PER_REQUEST")
    d["BillingModeSummary"] = {{"BillingMode", "PAY_PER_REQUEST"}, {"LastUpdateToPayPerRequestDateTime", t.created}};
  json gsis = json::array(), lsis = json::array();
  for (const auto& ix : t.indexes) {
    json proj = {{"ProjectionType", ix.projection}};
    if (!ix.non_key.empty()) proj["NonKeyAttributes"] = ix.non_key;
    // IndexSizeBytes stays 0: it would take a read of every item the index holds (a join over
    // the index, 85 ms for 100,000 items under the world lock) on every DescribeTable.
    json e = {{"IndexName", ix.name},
              {"KeySchema", key_schema_json(ix.hash, ix.range)},
              {"Projection", proj},
              {"IndexSizeBytes", 0},
              {"ItemCount", store_.index_count(t.id, ix.id)},
              {"IndexArn", table_arn(t.name) + "/index/" + ix.name}};
    if (ix.global) {
      e["IndexStatus"] = "ACTIVE";
      e["ProvisionedThroughput"] = throughput_json(ix.throughput);
      gsis.push_back(e);
    } else {
      lsis.push_back(e);
    }
  }
  if (!gsis.empty()) d["GlobalSecondaryIndexes"] = gsis;
  if (!lsis.empty()) d["LocalSecondaryIndexes"] = lsis;
  if (t.stream.is_object()) d["StreamSpecification"] = t.stream;
  if (const stream_info* s = streams_.find(t.stream_id)) {
    d["LatestStreamLabel"] = s->label;
    d["LatestStreamArn"] = s->arn;
  }
  d["DeletionProtectionEnabled"] = t.deletion_protection;
  return d;
}

std::string service::stream_arn(const std::string& table) const {
  auto it = tables_.find(table);
  if (it == tables_.end() || !it->second.stream.is_object()) return "";
  const stream_info* s = streams_.find(it->second.stream_id);
  return s ? s->arn : "";
}

namespace {

// StreamSpecification: whether it enables a stream, and the view type when it does.
// `creating`: CreateTable's wording for a view type given with the stream disabled.
std::pair<bool, std::string> read_stream_spec(const json& spec, bool creating) {
  if (!spec.is_object())
    throw aws_error::serialization("Unexpected value type in payload: StreamSpecification must be a structure");
  auto enabled = optional_bool(spec, "StreamEnabled");
  if (!enabled) missing("streamSpecification.streamEnabled");
  std::string view = enum_member(spec, "StreamViewType", "streamSpecification.streamViewType",
                                 {"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"}, "");
  if (*enabled && view.empty())
    throw aws_error::validation(
        "One or more parameter values were invalid: You must specify a StreamViewType when enabling a stream");
  if (!*enabled && !view.empty())
    throw aws_error::validation(creating ? "One or more parameter values were invalid: Table is being created with a "
                                           "stream disabled, UpdateViewType should not be specified"
                                         : "One or more parameter values were invalid: If stream is being disabled, "
                                           "then UpdateViewType must not be specified");
  return {*enabled, view};
}

json stream_spec(const std::string& view) { return {{"StreamEnabled", true}, {"StreamViewType", view}}; }

// Tags as the API model bounds them: a key of 1 to 128 characters, a value of at most 256, in
// the model validator's words ("tags.N.member.key", numbered from 1).
void check_tags(const json& tags) {
  std::size_t n = 0;
  for (const auto& tag : tags) {
    ++n;
    std::string at = "tags." + std::to_string(n) + ".member.";
    std::string k = required_string(tag, "Key", (at + "key").c_str());
    std::string v = required_string(tag, "Value", (at + "value").c_str());
    auto length = [](const std::string& x) {  // characters, not bytes
      return std::size_t(std::count_if(x.begin(), x.end(), [](char c) { return (c & 0xC0) != 0x80; }));
    };
    auto bad = [&](const std::string& value, const std::string& where, const char* constraint) {
      throw aws_error::validation("1 validation error detected: Value '" + value + "' at '" + at + where +
                                  "' failed to satisfy constraint: Member must have length " + constraint);
    };
    if (k.empty()) bad(k, "key", "greater than or equal to 1");
    if (length(k) > 128) bad(k, "key", "less than or equal to 128");
    if (length(v) > 256) bad(v, "value", "less than or equal to 256");
  }
}

// Index names outside 3–255 characters: the model reports all of them at once, the global
// indexes' first, each at its 1-based position.
void check_index_names(const json& req) {
  std::vector<std::string> errors;
  for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"}) {
    const json* list = member(req, kind);
    if (!list || !list->is_array()) continue;
    std::string wire =
        kind == std::string("GlobalSecondaryIndexes") ? "globalSecondaryIndexes" : "localSecondaryIndexes";
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& ix = (*list)[i];
      if (!ix.is_object() || !ix.contains("IndexName") || !ix["IndexName"].is_string()) continue;
      const std::string& n = ix["IndexName"].get_ref<const std::string&>();
      if (n.size() >= 3 && n.size() <= 255) continue;
      errors.push_back("Value '" + n + "' at '" + wire + "." + std::to_string(i + 1) +
                       ".member.indexName' failed to satisfy constraint: Member must have length " +
                       (n.size() < 3 ? "greater than or equal to 3" : "less than or equal to 255"));
    }
  }
  if (!errors.empty()) refuse(errors);
}

}  // namespace

json service::create_table(json req) {
  std::string name = table_name(req);
  check_index_names(req);
  const json* ad = member(req, "AttributeDefinitions");
  if (!ad) missing("attributeDefinitions");
  if (!ad->is_array())
    throw aws_error::serialization("Unexpected value type in payload: AttributeDefinitions must be a list");
  std::map<std::string, std::string> defs;
  for (const auto& d : *ad) {
    std::string n = required_string(d, "AttributeName", "attributeDefinitions.member.attributeName");
    std::string ty = enum_member(d, "AttributeType", "attributeDefinitions.member.attributeType", {"B", "N", "S"}, "");
    if (ty.empty()) missing("attributeDefinitions.member.attributeType");
    // DynamoDB's words (DynamoDB Local says "Cannot have two attributes with the same name").
    if (!defs.emplace(n, ty).second) throw aws_error::validation("Attribute Name is duplicated: " + n);
  }
  table_info t;
  t.name = name;
  t.attribute_definitions = *ad;
  std::set<std::string> used;
  read_key_schema(member(req, "KeySchema"), defs, "keySchema", t.hash, t.range, used);
  t.billing_mode = enum_member(req, "BillingMode", "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
  const json* pt = member(req, "ProvisionedThroughput");
  check_throughput(pt, t.billing_mode, "provisionedThroughput");
  if (pt) t.throughput = *pt;
  std::set<std::string> index_names;
  if (const json* g = member(req, "GlobalSecondaryIndexes")) {
    if (!g->is_array())
      throw aws_error::serialization("Unexpected value type in payload: GlobalSecondaryIndexes must be a list");
    if (g->empty())
      throw aws_error::validation("One or more parameter values were invalid: List of GlobalSecondaryIndexes is empty");
    if (g->size() > max_gsis)
      throw aws_error::validation(
          "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20");
    for (const auto& ix : *g) t.indexes.push_back(read_index(ix, true, defs, used, t.billing_mode));
  }
  if (const json* l = member(req, "LocalSecondaryIndexes")) {
    if (!l->is_array())
      throw aws_error::serialization("Unexpected value type in payload: LocalSecondaryIndexes must be a list");
    if (l->empty())
      throw aws_error::validation("One or more parameter values were invalid: List of LocalSecondaryIndexes is empty");
    if (l->size() > max_lsis)
      throw aws_error::validation(
          "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5");
    if (!t.range)
      throw aws_error::validation(
          "One or more parameter values were invalid: Table KeySchema does not have a range key, which is "
          "required when specifying a LocalSecondaryIndex");
    for (const auto& ix : *l) {
      index_info i = read_index(ix, false, defs, used, t.billing_mode);
      if (i.hash.name != t.hash.name || !i.range)
        throw aws_error::validation(
            "One or more parameter values were invalid: Index KeySchema does not have the same leading hash "
            "key as table KeySchema for index: " +
            i.name + ". index hash key: " + i.hash.name + ", table hash key: " + t.hash.name);
      t.indexes.push_back(std::move(i));
    }
  }
  for (const auto& ix : t.indexes)
    if (!index_names.insert(ix.name).second)
      throw aws_error::validation("One or more parameter values were invalid: Duplicate index name: " + ix.name);
  if (used.size() != defs.size())
    throw aws_error::validation(
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match "
        "number of attributes defined in AttributeDefinitions");
  std::string stream_view;
  if (const json* s = member(req, "StreamSpecification"))
    if (auto [on, view] = read_stream_spec(*s, true); on) stream_view = view;
  t.deletion_protection = optional_bool(req, "DeletionProtectionEnabled").value_or(false);
  if (const json* tags = member(req, "Tags")) {
    if (!tags->is_array()) throw aws_error::serialization("Unexpected value type in payload: Tags must be a list");
    check_tags(*tags);
    for (const auto& tag : *tags) t.tags.push_back({{"Key", tag["Key"]}, {"Value", tag["Value"]}});
  }
  if (tables_.count(name)) throw aws_error::resource_in_use("Table already exists: " + name);

  t.created = double(epoch_ms(rt_.clock().now())) / 1000.0;
  t.table_id = rt_.ids().uuid();
  for (auto& ix : t.indexes) ix.id = t.next_index_id++;
  {
    store_txn tx(store_);
    if (!stream_view.empty()) {
      t.stream = stream_spec(stream_view);
      t.stream_id = streams_.create(name, table_arn(name), stream_view, key_schema_json(t.hash, t.range)).id;
    }
    t.id = store_.create_table(name, t.to_meta().dump());
    for (const auto& ix : t.indexes) store_.create_index(t.id, ix.id);
    tx.commit();
  }
  auto& stored = tables_.emplace(name, std::move(t)).first->second;
  rt_.trace().record("dynamodb.create_table", "dynamodb", {{"table", name}});
  return {{"TableDescription", describe(stored)}};
}

json service::describe_table(json req) {
  std::string name = table_name(req);
  auto it = tables_.find(name);
  if (it == tables_.end())
    throw aws_error::resource_not_found("Requested resource not found: Table: " + name + " not found");
  return {{"Table", describe(it->second)}};
}

json service::list_tables(json req) {
  int limit = 100;
  if (const json* l = member(req, "Limit")) {
    if (!l->is_number_integer())
      throw aws_error::serialization("Unexpected value type in payload: Limit must be an integer");
    limit = l->get<int>();
    if (limit < 1 || limit > 100)
      throw aws_error::validation("1 validation error detected: Value '" + std::to_string(limit) +
                                  "' at 'limit' failed to satisfy constraint: Member must have value " +
                                  (limit < 1 ? "greater than or equal to 1" : "less than or equal to 100"));
  }
  auto start = optional_string(req, "ExclusiveStartTableName");
  json names = json::array();
  auto it = start ? tables_.upper_bound(*start) : tables_.begin();
  for (; it != tables_.end() && int(names.size()) < limit; ++it) names.push_back(it->first);
  json out = {{"TableNames", names}};
  if (it != tables_.end() && !names.empty()) out["LastEvaluatedTableName"] = names.back();
  return out;
}

json service::delete_table(json req) {
  std::string name = table_name(req);
  auto it = tables_.find(name);
  if (it == tables_.end())
    throw aws_error::resource_not_found("Requested resource not found: Table: " + name + " not found");
  if (it->second.deletion_protection)
    throw aws_error::validation(
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion "
        "protection first.");
  json d = describe(it->second);
  d["TableStatus"] = "DELETING";
  std::vector<int> ids;
  for (const auto& ix : it->second.indexes) ids.push_back(ix.id);
  {
    store_txn tx(store_);
    store_.drop_table(it->second.id, ids);
    // The stream outlives its table by 24 hours, closed.
    if (it->second.stream.is_object()) streams_.disable(it->second.stream_id);
    tx.commit();
  }
  tables_.erase(it);
  rt_.trace().record("dynamodb.delete_table", "dynamodb", {{"table", name}});
  return {{"TableDescription", d}};
}

json service::update_table(json req) {
  std::string name = table_name(req);
  table_info& t = table(name);
  table_info next = t;
  std::map<std::string, std::string> defs;
  for (const auto& d : t.attribute_definitions) defs[d["AttributeName"]] = d["AttributeType"];
  if (const json* ad = member(req, "AttributeDefinitions"))
    for (const auto& d : *ad) {
      std::string n = required_string(d, "AttributeName", "attributeDefinitions.member.attributeName");
      std::string ty =
          enum_member(d, "AttributeType", "attributeDefinitions.member.attributeType", {"B", "N", "S"}, "S");
      auto [it, fresh] = defs.emplace(n, ty);
      if (!fresh && it->second != ty)
        throw aws_error::validation("One or more parameter values were invalid: Attribute " + n +
                                    " is already defined with type " + it->second);
      if (fresh) next.attribute_definitions.push_back({{"AttributeName", n}, {"AttributeType", ty}});
    }
  if (auto bm = optional_string(req, "BillingMode"))
    next.billing_mode = enum_member(req, "BillingMode", "billingMode", {"PROVISIONED", "PAY_PER_REQUEST"}, "");
  if (const json* pt = member(req, "ProvisionedThroughput")) {
    check_throughput(pt, next.billing_mode, "provisionedThroughput");
    next.throughput = *pt;
  }
  std::optional<std::string> enable_stream;  // the view type of a stream to enable
  bool disable_stream = false;
  if (const json* s = member(req, "StreamSpecification")) {
    auto [on, view] = read_stream_spec(*s, false);
    if (on && t.stream.is_object())
      throw aws_error::validation("Table already has an enabled stream: TableName: " + name);
    if (!on && !t.stream.is_object()) throw aws_error::validation("Table has no stream to disable: TableName: " + name);
    if (on)
      enable_stream = view;
    else
      disable_stream = true;
  }
  if (auto dp = optional_bool(req, "DeletionProtectionEnabled")) next.deletion_protection = *dp;
  std::vector<index_info> created;
  std::vector<int> dropped;
  if (const json* ups = member(req, "GlobalSecondaryIndexUpdates")) {
    if (!ups->is_array())
      throw aws_error::serialization("Unexpected value type in payload: GlobalSecondaryIndexUpdates must be a list");
    for (const auto& u : *ups) {
      if (const json* c = member(u, "Create")) {
        std::set<std::string> used;
        index_info ix = read_index(*c, true, defs, used, next.billing_mode);
        if (next.index(ix.name))
          throw aws_error::validation("One or more parameter values were invalid: Index with name: " + ix.name +
                                      " already exists");
        if (std::count_if(next.indexes.begin(), next.indexes.end(), [](const index_info& i) { return i.global; }) >=
            max_gsis)
          throw aws_error::validation(
              "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of "
              "20");
        ix.id = next.next_index_id++;
        created.push_back(ix);
        next.indexes.push_back(std::move(ix));
      } else if (const json* d = member(u, "Delete")) {
        std::string ixn = required_string(*d, "IndexName", "globalSecondaryIndexUpdates.member.delete.indexName");
        auto it = std::find_if(next.indexes.begin(), next.indexes.end(),
                               [&](const index_info& i) { return i.name == ixn && i.global; });
        if (it == next.indexes.end())
          throw aws_error::resource_not_found("Requested resource not found: Index: " + ixn +
                                              " not found for table: " + name);
        dropped.push_back(it->id);
        next.indexes.erase(it);
      } else if (const json* up = member(u, "Update")) {
        std::string ixn = required_string(*up, "IndexName", "globalSecondaryIndexUpdates.member.update.indexName");
        auto it = std::find_if(next.indexes.begin(), next.indexes.end(),
                               [&](const index_info& i) { return i.name == ixn && i.global; });
        if (it == next.indexes.end())
          throw aws_error::resource_not_found("Requested resource not found: Index: " + ixn +
                                              " not found for table: " + name);
        if (const json* pt = member(*up, "ProvisionedThroughput")) it->throughput = *pt;
      }
    }
    if (ups->size() > 1 && !created.empty() && created.size() + dropped.size() > 1)
      throw aws_error::validation(
          "One or more parameter values were invalid: Only 1 online index can be created or deleted "
          "simultaneously per table");
  }
  // Backfill new indexes in one transaction with the catalog change.
  {
    store_txn tx(store_);
    for (int id : dropped) store_.drop_index(t.id, id);
    for (const auto& ix : created) {
      store_.create_index(t.id, ix.id);
      std::vector<std::tuple<std::string, std::string, json>> rows;
      store_.scan(t.id, std::nullopt,
                  [&](std::string_view pk, std::string_view sk, std::string_view item, std::size_t) {
                    rows.emplace_back(std::string(pk), std::string(sk), json::parse(item));
                    return true;
                  });
      table_info only = next;
      only.indexes = {ix};
      for (const auto& [pk, sk, item] : rows)
        store_.put(t.id, pk, sk, item.dump(), item_size(item), {}, index_rows(only, item));
    }
    if (disable_stream) {
      streams_.disable(t.stream_id);
      next.stream = nullptr;
    }
    if (enable_stream) {
      next.stream = stream_spec(*enable_stream);
      next.stream_id = streams_.create(name, table_arn(name), *enable_stream, key_schema_json(t.hash, t.range)).id;
    }
    store_.set_meta(t.id, next.to_meta().dump());
    tx.commit();
  }
  t = std::move(next);
  return {{"TableDescription", describe(t)}};
}

json service::update_time_to_live(json req) {
  std::string name = table_name(req);
  const json* spec = member(req, "TimeToLiveSpecification");
  if (!spec) missing("timeToLiveSpecification");
  std::string attr = required_string(*spec, "AttributeName", "timeToLiveSpecification.attributeName");
  auto enabled = optional_bool(*spec, "Enabled");
  if (!enabled) missing("timeToLiveSpecification.enabled");
  table_info& t = table(name);
  if (*enabled && t.ttl) throw aws_error::validation("TimeToLive is already enabled");
  if (!*enabled && !t.ttl) throw aws_error::validation("TimeToLive is already disabled");
  if (!*enabled && *t.ttl != attr)
    throw aws_error::validation("TimeToLive is active on a different AttributeName: current AttributeName is " +
                                *t.ttl);
  if (*enabled)
    t.ttl = attr;
  else
    t.ttl.reset();
  save_meta(t);
  if (t.ttl) schedule_next_expiry();
  return {{"TimeToLiveSpecification", {{"AttributeName", attr}, {"Enabled", *enabled}}}};
}

json service::describe_time_to_live(json req) {
  table_info& t = table(table_name(req));
  if (!t.ttl) return {{"TimeToLiveDescription", {{"TimeToLiveStatus", "DISABLED"}}}};
  return {{"TimeToLiveDescription", {{"TimeToLiveStatus", "ENABLED"}, {"AttributeName", *t.ttl}}}};
}

namespace {
std::string resource_arn(const json& req) { return required_string(req, "ResourceArn", "resourceArn"); }
}  // namespace

json service::tag_resource(json req) {
  std::string arn = resource_arn(req);
  const json* tags = member(req, "Tags");
  if (!tags) missing("tags");
  if (!tags->is_array()) throw aws_error::serialization("Unexpected value type in payload: Tags must be a list");
  table_info& t = table(table_for_arn(arn).name);
  json next = t.tags;
  check_tags(*tags);
  for (const auto& tag : *tags) {
    std::string k = tag["Key"], v = tag["Value"];
    bool replaced = false;
    for (auto& e : next)
      if (e["Key"] == k) e["Value"] = v, replaced = true;
    if (!replaced) next.push_back({{"Key", k}, {"Value", v}});
  }
  if (next.size() > 50)
    throw aws_error::validation(
        "One or more parameter values were invalid: The number of tags exceeds the limit of 50");
  t.tags = next;
  save_meta(t);
  return json::object();
}

json service::untag_resource(json req) {
  std::string arn = resource_arn(req);
  const json* keys = member(req, "TagKeys");
  if (!keys) missing("tagKeys");
  table_info& t = table(table_for_arn(arn).name);
  json next = json::array();
  for (const auto& e : t.tags)
    if (std::find(keys->begin(), keys->end(), e["Key"]) == keys->end()) next.push_back(e);
  t.tags = next;
  save_meta(t);
  return json::object();
}

json service::list_tags_of_resource(json req) {
  const table_info& t = table_for_arn(resource_arn(req));
  return {{"Tags", t.tags}};
}

json service::describe_endpoints(json) {
  return {{"Endpoints",
           json::array({{{"Address", "dynamodb." + region_ + ".amazonaws.com"}, {"CachePeriodInMinutes", 1440}}})}};
}

json service::describe_limits(json) {
  return {{"AccountMaxReadCapacityUnits", 80000},
          {"AccountMaxWriteCapacityUnits", 80000},
          {"TableMaxReadCapacityUnits", 40000},
          {"TableMaxWriteCapacityUnits", 40000}};
}

std::optional<std::int64_t> service::expiry_ms(const table_info& t, const json& item) const {
  if (!t.ttl) return std::nullopt;
  auto it = item.find(*t.ttl);
  if (it == item.end() || type_of(*it) != "N") return std::nullopt;
  double seconds = std::stod((*it)["N"].get<std::string>());
  double now_s = double(epoch_ms(rt_.clock().now())) / 1000.0;
  // AWS ignores expiry times more than five years in the past; far-future ones never come.
  if (seconds < now_s - 5.0 * 365 * 24 * 3600 || seconds > 1e12) return std::nullopt;
  return std::int64_t(std::ceil(seconds)) * 1000;
}

void service::expire_at(std::int64_t ms) {
  if (ttl_task_ && ttl_task_->first <= ms) return;
  if (ttl_task_) rt_.sched().cancel(ttl_task_->second);
  instant when{std::chrono::milliseconds(ms)};
  std::uint64_t id = rt_.sched().at(when, "dynamodb.ttl", [this] {
    ttl_task_.reset();
    sweep_ttl();
    schedule_next_expiry();
  });
  ttl_task_ = std::make_pair(ms, id);
}

void service::schedule_next_expiry() {
  std::optional<std::int64_t> next;
  for (const auto& entry : tables_) {
    const auto& t = entry.second;  // not a structured binding: clang 14 cannot capture those
    if (!t.ttl) continue;
    store_.scan(t.id, std::nullopt, [&](std::string_view, std::string_view, std::string_view text, std::size_t) {
      if (text.find(*t.ttl) == std::string_view::npos) return true;  // cheap pre-check before parsing
      if (auto e = expiry_ms(t, json::parse(text)); e && (!next || *e < *next)) next = e;
      return true;
    });
  }
  if (next) expire_at(*next);
}

}  // namespace emu::dynamo
