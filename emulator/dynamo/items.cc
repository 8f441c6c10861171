// Item writes and reads: PutItem, GetItem, UpdateItem, DeleteItem, BatchGetItem,
// BatchWriteItem, TransactWriteItems, TransactGetItems, and the TTL sweep.
#include <algorithm>
#include <cmath>
#include <set>

#include "emulator/dynamo/capacity.h"
#include "emulator/dynamo/internal.h"
#include "emulator/dynamo/number.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {

// Found without building a key: this runs on every item operation.
call_stats& service::stats_for(const char* op_name, const json& req) {
  std::string_view table = "-";
  if (req.is_object())
    if (auto it = req.find("TableName");
        it != req.end() && it->is_string() && has_table(it->get_ref<const std::string&>()))
      table = it->get_ref<const std::string&>();
  auto t = op_stats_.find(table);
  if (t == op_stats_.end()) t = op_stats_.emplace(std::string(table), operation_stats::mapped_type{}).first;
  auto o = t->second.find(std::string_view(op_name));
  if (o == t->second.end()) o = t->second.emplace(op_name, call_stats{}).first;
  return o->second;
}

service::op_timer::op_timer(service& s, const char* op_name, const json& req)
    : s_(s),
      stats_(s.stats_for(op_name, req)),
      started_(s.rt_.clock().ticks_ns()),
      uncaught_(std::uncaught_exceptions()) {}

service::op_timer::~op_timer() {
  ++stats_.calls;
  if (std::uncaught_exceptions() > uncaught_) ++stats_.errors;
  stats_.duration.observe(seconds_between(started_, s_.rt_.clock().ticks_ns()));
}

void service::consume(const std::string& table, std::string_view op_name, double units) {
  auto t = capacity_.find(table);
  if (t == capacity_.end()) t = capacity_.emplace(table, std::map<std::string, double, std::less<>>()).first;
  auto o = t->second.find(op_name);
  if (o == t->second.end()) o = t->second.emplace(std::string(op_name), 0.0).first;
  o->second += units;
}

using namespace detail;

namespace {

constexpr std::size_t max_transact = 100;
constexpr std::int64_t token_lifetime_ms = 10 * 60 * 1000;  // ClientRequestToken idempotency window

enum class write_op { put, update, del, check };

}  // namespace

// One validated write (or condition check), ready to be evaluated against the stored item.
struct service::write_plan {
  write_op op = write_op::put;
  table_info* t = nullptr;
  encoded_key key;
  json key_json;              // the key attributes
  std::unique_ptr<exprs> ex;  // owns the placeholders the expressions point into
  std::optional<expr_node> cond;
  json item;  // put: the new item
  std::vector<update_action> actions;
  json legacy_updates;          // UpdateItem's AttributeUpdates
  bool old_on_failure = false;  // ReturnValuesOnConditionCheckFailure = ALL_OLD
  // Evaluation results.
  std::optional<json> old_item, new_item;
};

std::vector<index_row> service::index_rows(const table_info& t, const json& item) const {
  std::vector<index_row> rows;
  for (const auto& ix : t.indexes) {
    auto h = item.find(ix.hash.name);
    if (h == item.end() || type_of(*h) != ix.hash.type) continue;
    std::string isk;
    if (ix.range) {
      auto r = item.find(ix.range->name);
      if (r == item.end() || type_of(*r) != ix.range->type) continue;
      isk = key_bytes(*r);
    }
    rows.push_back({ix.id, key_bytes(*h), std::move(isk)});
  }
  return rows;
}

std::optional<json> service::load(const table_info& t, const std::string& pk, const std::string& sk) {
  auto text = store_.get(t.id, pk, sk);
  if (!text) return std::nullopt;
  return json::parse(*text);
}

void service::write(const table_info& t, const std::string& pk, const std::string& sk, const json* old_item,
                    const json* new_item, bool ttl) {
  std::vector<index_row> old_rows = old_item ? index_rows(t, *old_item) : std::vector<index_row>{};
  if (new_item)
    store_.put(t.id, pk, sk, new_item->dump(), item_size(*new_item), old_rows, index_rows(t, *new_item));
  else
    store_.erase(t.id, pk, sk, old_rows);
  if (new_item && t.ttl)
    if (auto e = expiry_ms(t, *new_item)) expire_at(*e);
  if (t.stream.is_object())
    streams_.append(t.stream_id, key_of(t, new_item ? *new_item : *old_item), old_item, new_item, ttl);
}

namespace {

// Rejects update paths that touch a key attribute.
void check_no_key_update(const table_info& t, const std::vector<doc_path>& paths) {
  for (const auto& p : paths)
    if (p[0].name == t.hash.name || (t.range && p[0].name == t.range->name))
      throw aws_error::validation("One or more parameter values were invalid: Cannot update attribute " + p[0].name +
                                  ". This attribute is part of the key");
}

// AttributeUpdates' ADD and DELETE: a value of another type than the attribute it changes.
void check_update_type(const json& item, const std::string& name, const json& value) {
  auto it = item.find(name);
  if (it != item.end() && type_of(*it) != type_of(value))
    throw aws_error::validation("One or more parameter values were invalid: Type mismatch for attribute to update");
}

// UpdateItem's legacy AttributeUpdates applied to `item`.
json apply_legacy_updates(const table_info& t, json item, json& updates) {
  for (auto& [name, u] : updates.items()) {
    check_no_key_update(t, {{{name, -1}}});
    std::string action = u.value("Action", "PUT");
    bool has_value = u.contains("Value") && !u["Value"].is_null();
    if (has_value) normalise_value(u["Value"], 1, dialect::enveloped);  // only UpdateItem has them
    if (action == "PUT") {
      if (!has_value)
        throw aws_error::validation(
            "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is "
            "specified");
      item[name] = u["Value"];
    } else if (action == "DELETE") {
      if (!has_value) {
        item.erase(name);
        continue;
      }
      check_update_type(item, name, u["Value"]);
      std::vector<update_action> a(1);
      a[0].k = update_action::kind::del;
      a[0].path = {{name, -1}};
      a[0].value.k = expr_node::kind::value;
      a[0].value.value = &u["Value"];
      item = apply_update(item, a);
    } else if (action == "ADD") {
      if (!has_value)
        throw aws_error::validation(
            "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is "
            "specified");
      check_update_type(item, name, u["Value"]);
      std::vector<update_action> a(1);
      a[0].k = update_action::kind::add;
      a[0].path = {{name, -1}};
      a[0].value.k = expr_node::kind::value;
      a[0].value.value = &u["Value"];
      item = apply_update(item, a);
    } else {
      throw aws_error::validation(
          "1 validation error detected: Value '" + action + "' at 'attributeUpdates." + name +
          ".member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]");
    }
  }
  return item;
}

std::vector<doc_path> action_paths(const std::vector<update_action>& actions) {
  std::vector<doc_path> out;
  for (const auto& a : actions) out.push_back(a.path);
  return out;
}

// TransactItems of TransactWriteItems / TransactGetItems: a list of 1 to 100.
const json& transact_items(const json& req) {
  const json* ti = member(req, "TransactItems");
  if (!ti) missing("transactItems");
  if (!ti->is_array()) throw aws_error::serialization("Unexpected value type in payload: TransactItems must be a list");
  if (ti->empty() || ti->size() > max_transact)
    throw aws_error::validation(
        "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length " +
        std::string(ti->empty() ? "greater than or equal to 1" : "less than or equal to 100"));
  return *ti;
}

std::string reasons_list(const json& reasons) {
  std::string s;
  for (const auto& r : reasons) s += (s.empty() ? "" : ", ") + r["Code"].get<std::string>();
  return s;
}

}  // namespace

// ---- building plans from request members (PutItem's, Put inside a transaction, …) ----

namespace {

// ReturnValues: a value outside the enum gets the model's message; one PutItem or DeleteItem
// cannot return gets theirs.
std::string return_values(const json& req, std::initializer_list<const char*> allowed) {
  std::string v = enum_member(req, "ReturnValues", "returnValues",
                              {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}, "NONE");
  for (const char* a : allowed)
    if (v == a) return v;
  throw aws_error::validation("1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
}

}  // namespace

// ReturnItemCollectionMetrics: SIZE or NONE (the default).
static std::string collection_metrics_mode(const json& req) {
  return enum_member(req, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", {"SIZE", "NONE"}, "NONE");
}

namespace plan {

// `d`: a single item write is `enveloped`, a transaction's item `older`. `item_checked`: the
// transaction's first pass normalised the Put's item already. The item is moved out of `r`.
std::unique_ptr<service::write_plan> make(write_op op, table_info& t, json& r, dialect d, bool item_checked = false) {
  auto p = std::make_unique<service::write_plan>();
  p->op = op;
  p->t = &t;
  p->ex = std::make_unique<exprs>(r, d);
  if (op == write_op::put) {
    if (!member(r, "Item")) missing("item");
    p->item = std::move(r["Item"]);
    if (!item_checked) normalise_item(p->item, d);
    p->key = item_key(t, p->item);
    check_index_keys(t, p->item);
    check_item_size(p->item);
    p->key_json = key_of(t, p->item);
  } else {
    json* key = r.contains("Key") && !r["Key"].is_null() ? &r["Key"] : nullptr;
    if (!key) missing("key");
    p->key = exact_key(t, *key, d);
    p->key_json = *key;
  }
  if (op == write_op::check) {
    auto c = optional_string(r, "ConditionExpression");
    if (!c) missing("conditionExpression");
    p->cond = parse_condition(*c, "ConditionExpression", p->ex->scope);
  } else {
    p->cond = write_condition(r, *p->ex, d);
  }
  if (op == write_op::update) {
    not_both(r, "AttributeUpdates", "UpdateExpression");
    if (auto u = optional_string(r, "UpdateExpression")) {
      p->actions = parse_update(*u, p->ex->scope);
      check_no_key_update(t, action_paths(p->actions));
    } else if (r.contains("AttributeUpdates") && !r["AttributeUpdates"].is_null()) {
      p->legacy_updates = r["AttributeUpdates"];
    }
  }
  p->ex->scope.check_all_used();
  auto on_fail = optional_string(r, "ReturnValuesOnConditionCheckFailure");
  if (on_fail && *on_fail != "ALL_OLD" && *on_fail != "NONE")
    throw aws_error::validation("1 validation error detected: Value '" + *on_fail +
                                "' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must "
                                "satisfy enum value set: [ALL_OLD, NONE]");
  p->old_on_failure = on_fail && *on_fail == "ALL_OLD";
  return p;
}

}  // namespace plan

namespace {

bool removes_only(const service::write_plan& p) {
  if (p.legacy_updates.is_object()) {
    if (p.legacy_updates.empty()) return false;
    for (const auto& [name, u] : p.legacy_updates.items())
      if (!u.is_object() || u.value("Action", "PUT") != "DELETE") return false;
    return true;
  }
  return !p.actions.empty() && std::all_of(p.actions.begin(), p.actions.end(), [](const update_action& a) {
    return a.k == update_action::kind::remove || a.k == update_action::kind::del;
  });
}

// Evaluates a plan against the stored item: fills old_item/new_item, returns false when the
// condition fails. Throws ValidationException for update operand errors.
bool evaluate_plan(service::write_plan& p, const std::optional<json>& stored) {
  p.old_item = stored;
  static const json empty = json::object();
  if (p.cond && !evaluate(*p.cond, stored ? *stored : empty)) return false;
  switch (p.op) {
    case write_op::put:
      p.new_item = std::move(p.item);  // evaluated once: the plan's item is not read again
      break;
    case write_op::del:
      p.new_item.reset();
      break;
    case write_op::check:
      p.new_item = stored;
      break;
    case write_op::update: {
      json base = stored ? *stored : p.key_json;
      json next = p.legacy_updates.is_object() ? apply_legacy_updates(*p.t, base, p.legacy_updates)
                                               : apply_update(base, p.actions);
      normalise_item(next, dialect::current);  // values checked already: this normalises
      check_index_keys(*p.t, next);
      check_item_size(next, true);
      // An update that only removes (REMOVE, DELETE from a set, AttributeUpdates' DELETE) does
      // not create a missing item, as DynamoDB does; an empty update does create it.
      if (stored || !removes_only(p))
        p.new_item = std::move(next);
      else
        p.new_item.reset();
      break;
    }
  }
  return true;
}

aws_error condition_failed(const service::write_plan& p) {
  aws_error e = aws_error::conditional_check_failed();
  if (p.old_on_failure && p.old_item) e.with("Item", *p.old_item);
  return e;
}

}  // namespace

// One conditional write of PutItem, UpdateItem or DeleteItem: evaluated and written in one
// store transaction (with its stream record), then traced (nothing when nothing changed).
void service::run_single(write_plan& p, const std::string& table, const char* trace_kind) {
  const table_info& t = *p.t;
  store_txn tx(store_);
  if (!evaluate_plan(p, load(t, p.key.pk, p.key.sk))) throw condition_failed(p);
  const json* old_item = p.old_item ? &*p.old_item : nullptr;
  const json* new_item = p.new_item ? &*p.new_item : nullptr;
  if (old_item || new_item) write(t, p.key.pk, p.key.sk, old_item, new_item);
  tx.commit();
  if (!old_item && !new_item) return;
  rt_.trace().record_text(trace_kind, "dynamodb", item_trace_data(table, p.key_json));
}

json service::put_item(json req) {
  op_timer timed(*this, "PutItem", req);
  std::string name = table_name(req);
  std::string rv = return_values(req, {"NONE", "ALL_OLD"});
  conditional_operator(req);  // before the table is looked up
  collection_metrics_mode(req);
  table_info& t = table(name);
  auto p = plan::make(write_op::put, t, req, dialect::enveloped);
  run_single(*p, name, "dynamodb.put");
  json out = json::object();
  if (rv == "ALL_OLD" && p->old_item) out["Attributes"] = *p->old_item;
  capacity units = write_capacity(t, p->old_item ? &*p->old_item : nullptr, &*p->new_item);
  consume(name, "PutItem", units.total());
  if (json c = consumed(name, req, units); !c.is_null()) out["ConsumedCapacity"] = c;
  if (json m = collection_metrics(t, req, p->key_json, p->key.pk); !m.is_null()) out["ItemCollectionMetrics"] = m;
  return out;
}

json service::update_item(json req) {
  op_timer timed(*this, "UpdateItem", req);
  std::string name = table_name(req);
  std::string rv = return_values(req, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  conditional_operator(req);  // before the table is looked up
  collection_metrics_mode(req);
  table_info& t = table(name);
  auto p = plan::make(write_op::update, t, req, dialect::enveloped);
  run_single(*p, name, "dynamodb.update");
  json out = json::object();
  std::vector<doc_path> changed = action_paths(p->actions);
  if (p->legacy_updates.is_object())
    for (const auto& [n, u] : p->legacy_updates.items()) changed.push_back({{n, -1}});
  json attrs;
  if (rv == "ALL_OLD" && p->old_item) attrs = *p->old_item;
  if (rv == "ALL_NEW" && p->new_item) attrs = *p->new_item;
  if (rv == "UPDATED_OLD" && p->old_item) attrs = project(*p->old_item, changed);
  if (rv == "UPDATED_NEW" && p->new_item) attrs = project(*p->new_item, changed);
  if (attrs.is_object() && !attrs.empty()) out["Attributes"] = attrs;
  capacity units = write_capacity(t, p->old_item ? &*p->old_item : nullptr, p->new_item ? &*p->new_item : nullptr);
  consume(name, "UpdateItem", units.total());
  if (json c = consumed(name, req, units); !c.is_null()) out["ConsumedCapacity"] = c;
  if (json m = collection_metrics(t, req, p->key_json, p->key.pk); !m.is_null()) out["ItemCollectionMetrics"] = m;
  return out;
}

json service::delete_item(json req) {
  op_timer timed(*this, "DeleteItem", req);
  std::string name = table_name(req);
  std::string rv = return_values(req, {"NONE", "ALL_OLD"});
  conditional_operator(req);  // before the table is looked up
  collection_metrics_mode(req);
  table_info& t = table(name);
  auto p = plan::make(write_op::del, t, req, dialect::enveloped);
  run_single(*p, name, "dynamodb.delete");
  json out = json::object();
  if (rv == "ALL_OLD" && p->old_item) out["Attributes"] = *p->old_item;
  capacity units = write_capacity(t, p->old_item ? &*p->old_item : nullptr, nullptr);
  consume(name, "DeleteItem", units.total());
  if (json c = consumed(name, req, units); !c.is_null()) out["ConsumedCapacity"] = c;
  if (json m = collection_metrics(t, req, p->key_json, p->key.pk); !m.is_null()) out["ItemCollectionMetrics"] = m;
  return out;
}

json service::collection_metrics(const table_info& t, const json& req, const json& key, const std::string& pk) {
  bool collections = std::any_of(t.indexes.begin(), t.indexes.end(), [](const index_info& ix) { return !ix.global; });
  if (!collections || collection_metrics_mode(req) != "SIZE") return nullptr;
  // The collection's size as a range of whole gigabytes it falls in: [0, 1] for one under 1 GB.
  constexpr double gigabyte = 1024.0 * 1024.0 * 1024.0;
  double low = std::floor(double(store_.partition_bytes(t.id, pk)) / gigabyte);
  json collection_key = json::object();
  if (auto h = key.find(t.hash.name); h != key.end()) collection_key[t.hash.name] = *h;
  return {{"ItemCollectionKey", collection_key}, {"SizeEstimateRangeGB", json::array({low, low + 1})}};
}

std::optional<std::string> service::get_text(json& req, std::vector<doc_path>& proj, const table_info*& t,
                                             std::size_t* size) {
  std::string name = table_name(req);
  exprs e(req, dialect::current);
  proj = projection(req, e);
  optional_bool(req, "ConsistentRead");
  if (!req.contains("Key") || req["Key"].is_null()) missing("key");
  e.scope.check_all_used();
  t = &table(name);
  encoded_key k = exact_key(*t, req["Key"], dialect::current);
  std::size_t bytes = 0;
  auto text = store_.get(t->id, k.pk, k.sk, &bytes);
  consume(name, "GetItem", read_units(bytes, req.value("ConsistentRead", false)));
  if (size) *size = bytes;
  rt_.trace().record_text("dynamodb.get", "dynamodb", item_trace_data(name, req["Key"], "found", text.has_value()));
  return text;
}

json service::get_item(json req) {
  op_timer timed(*this, "GetItem", req);
  std::vector<doc_path> proj;
  const table_info* t = nullptr;
  std::size_t size = 0;
  auto text = get_text(req, proj, t, &size);
  json out = json::object();
  if (text) {
    json item = json::parse(*text);
    out["Item"] = proj.empty() ? std::move(item) : project(item, proj);
  }
  if (json c = consumed(t->name, req, read_capacity(nullptr, read_units(size, req.value("ConsistentRead", false))));
      !c.is_null())
    out["ConsumedCapacity"] = c;
  return out;
}

std::string service::get_item_wire(json req) {
  if (req.is_object() && capacity_mode(req) != "NONE") return get_item(std::move(req)).dump();
  op_timer timed(*this, "GetItem", req);
  std::vector<doc_path> proj;
  const table_info* t = nullptr;
  auto text = get_text(req, proj, t);
  if (!text) return "{}";
  if (!proj.empty()) return json{{"Item", project(json::parse(*text), proj)}}.dump();
  return "{\"Item\":" + *text + "}";  // as stored: no parse, no re-serialisation
}

json service::transact_write_items(json req) {
  op_timer timed(*this, "TransactWriteItems", req);
  const json* ti = &transact_items(req);
  auto token = optional_string(req, "ClientRequestToken");
  std::string fingerprint = token ? ti->dump() : std::string();  // only tokens need it
  std::int64_t now = epoch_ms(rt_.clock().now());
  if (token) {  // its length is checked with the model (check_model)
    for (auto it = tokens_.begin(); it != tokens_.end();)
      it = it->second.expires_ms <= now ? tokens_.erase(it) : std::next(it);
    auto it = tokens_.find(*token);
    if (it != tokens_.end()) {
      if (it->second.fingerprint != fingerprint)
        throw aws_error("IdempotentParameterMismatchException",
                        "Request idempotency token was reused with different parameters");
      return it->second.response;  // the same request again: done already, nothing is re-applied
    }
  }
  json items = std::move(req["TransactItems"]);  // the request is ours (by value); ti is not read again
  auto kind_of = [](json& entry) {
    if (!entry.is_object() || entry.size() != 1)
      throw aws_error::validation("TransactItems can only contain one of Check, Put, Update or Delete");
    const std::string& kind = entry.begin().key();
    return kind == "Put"      ? write_op::put
           : kind == "Update" ? write_op::update
           : kind == "Delete" ? write_op::del
           : kind == "ConditionCheck"
               ? write_op::check
               : throw aws_error::validation("TransactItems can only contain one of Check, Put, Update or Delete");
  };
  // Every action's values and expressions are checked, in order, before any table is looked up
  // or any target compared (DynamoDB's order).
  for (auto& entry : items) {
    // Within an action, its expressions before its item or key.
    write_op op = kind_of(entry);
    json& r = entry.begin().value();
    exprs e(r, dialect::older);
    if (auto c = optional_string(r, "ConditionExpression")) parse_condition(*c, "ConditionExpression", e.scope);
    if (auto u = optional_string(r, "UpdateExpression"); u && op == write_op::update) parse_update(*u, e.scope);
    e.scope.check_all_used();
    if (op == write_op::put && member(r, "Item")) normalise_item(r["Item"], dialect::older);
    if (op != write_op::put && member(r, "Key") && r["Key"].is_object())
      for (auto& [k, v] : r["Key"].items()) normalise_value(v, 1, dialect::older);
  }
  // The aggregate size of the items a transaction names: whole items for Put, keys otherwise.
  std::size_t aggregate = 0;
  for (auto& entry : items) {
    const json& r = entry.begin().value();
    const json* what = member(r, entry.begin().key() == "Put" ? "Item" : "Key");
    if (what && what->is_object()) aggregate += item_size(*what);
  }
  if (aggregate > max_transaction_bytes)
    throw aws_error::validation("Transaction request cannot be larger than 4 MB: the aggregate size of its items is " +
                                std::to_string(aggregate) + " bytes");
  std::vector<std::unique_ptr<write_plan>> plans;
  std::map<std::size_t, std::string> invalid;  // position → why its key cannot be used
  std::set<std::pair<std::string, encoded_key>> seen;
  for (auto& entry : items) {
    write_op op = kind_of(entry);
    json& r = entry.begin().value();
    std::string name = table_name(r);
    table_info& t = table(name);
    std::unique_ptr<write_plan> p;
    try {
      p = plan::make(op, t, r, dialect::older, true);
    } catch (const aws_error& e) {
      // A key of the wrong type cancels the transaction with that item's reason (an empty key
      // value, like any other invalid input, refuses the whole request).
      const std::string& m = e.message();
      if (m.rfind("One or more parameter values were invalid: Type mismatch for key", 0) != 0 &&
          m != "The provided key element does not match the schema")
        throw;
      invalid[plans.size()] = m;
      plans.push_back(nullptr);
      continue;
    }
    if (!seen.insert({name, p->key}).second)
      throw aws_error::validation("Transaction request cannot include multiple operations on one item");
    plans.push_back(std::move(p));
  }
  std::map<std::string, capacity> by_table;
  // Evaluate every condition against the current items; nothing is written unless all hold.
  json reasons = json::array();
  bool cancelled = false;
  for (auto& p : plans) {
    if (!p) {
      cancelled = true;
      reasons.push_back({{"Code", "ValidationError"}, {"Message", invalid[reasons.size()]}});
      continue;
    }
    try {
      if (evaluate_plan(*p, load(*p->t, p->key.pk, p->key.sk))) {
        reasons.push_back({{"Code", "None"}});
      } else {
        cancelled = true;
        json r = {{"Code", "ConditionalCheckFailed"}, {"Message", "The conditional request failed"}};
        if (p->old_on_failure && p->old_item)
          r = {{"Item", *p->old_item},
               {"Code", "ConditionalCheckFailed"},
               {"Message", "The conditional request failed"}};
        reasons.push_back(r);
      }
    } catch (const aws_error& e) {
      if (e.type() != "ValidationException") throw;
      cancelled = true;
      reasons.push_back({{"Code", "ValidationError"}, {"Message", e.message()}});
    }
  }
  if (cancelled) {
    aws_error e = aws_error::transaction_canceled(
        "Transaction cancelled, please refer cancellation reasons for specific reasons [" + reasons_list(reasons) +
        "]");
    e.with("CancellationReasons", reasons);
    throw e;
  }
  {
    store_txn tx(store_);
    for (auto& p : plans) {
      // Transactional writes cost twice a plain write; a condition check is charged as one
      // (that changes no index).
      const json* before = p->old_item ? &*p->old_item : nullptr;
      const json* after = p->op == write_op::check ? before : p->new_item ? &*p->new_item : nullptr;
      capacity units = write_capacity(*p->t, before, after);
      units *= 2;
      consume(p->t->name, "TransactWriteItems", units.total());
      by_table[p->t->name] += units;
      if (p->op == write_op::check) continue;
      if (!p->new_item && !p->old_item) continue;
      write(*p->t, p->key.pk, p->key.sk, p->old_item ? &*p->old_item : nullptr, p->new_item ? &*p->new_item : nullptr);
    }
    tx.commit();
  }
  for (auto& p : plans) {
    if (p->op == write_op::check) continue;
    rt_.trace().record_text(p->op == write_op::del   ? "dynamodb.delete"
                            : p->op == write_op::put ? "dynamodb.put"
                                                     : "dynamodb.update",
                            "dynamodb", item_trace_data(p->t->name, p->key_json, "transaction", true));
  }
  json out = json::object();
  if (json c = consumed_per_table(req, by_table); !c.is_null()) out["ConsumedCapacity"] = c;
  json metrics = json::object();  // per table with item collections, one entry per write
  for (auto& p : plans)
    if (p->op != write_op::check)
      if (json m = collection_metrics(*p->t, req, p->key_json, p->key.pk); !m.is_null())
        metrics[p->t->name].push_back(m);
  if (!metrics.empty()) out["ItemCollectionMetrics"] = metrics;
  if (token) tokens_[*token] = {fingerprint, now + token_lifetime_ms, out};
  return out;
}

json service::transact_get_items(json req) {
  op_timer timed(*this, "TransactGetItems", req);
  const json* ti = &transact_items(req);
  json items = *ti;
  json responses = json::array();
  std::map<std::string, capacity> by_table;
  std::vector<std::tuple<table_info*, encoded_key, std::vector<doc_path>>> gets;
  std::vector<std::unique_ptr<exprs>> keep;
  for (auto& entry : items) {
    if (!entry.contains("Get")) throw aws_error::validation("TransactItems can only contain Get");
    json& g = entry["Get"];
    table_info& t = table(table_name(g));
    keep.push_back(std::make_unique<exprs>(g, dialect::older));
    std::vector<doc_path> proj = projection(g, *keep.back());
    keep.back()->scope.check_all_used();
    if (!g.contains("Key")) missing("transactItems.member.get.key");
    gets.emplace_back(&t, exact_key(t, g["Key"], dialect::older), std::move(proj));
  }
  for (auto& [t, k, proj] : gets) {
    std::size_t size = 0;
    auto text = store_.get(t->id, k.pk, k.sk, &size);
    double units = 2 * read_units(size, true);
    consume(t->name, "TransactGetItems", units);
    by_table[t->name].table += units;
    if (!text) {
      responses.push_back(json::object());
      continue;
    }
    json item = json::parse(*text);
    responses.push_back({{"Item", proj.empty() ? std::move(item) : project(item, proj)}});
  }
  json out = {{"Responses", responses}};
  if (json c = consumed_per_table(req, by_table); !c.is_null()) out["ConsumedCapacity"] = c;
  return out;
}

std::size_t service::sweep_ttl() {
  std::int64_t now_s = epoch_ms(rt_.clock().now()) / 1000;
  // AWS ignores expiry times more than five years in the past (they are probably not seconds).
  std::int64_t oldest = now_s - 5LL * 365 * 24 * 3600;
  std::size_t deleted = 0;
  for (auto& entry : tables_) {
    const std::string& name = entry.first;  // not structured bindings: clang 14 cannot capture those
    auto& t = entry.second;
    if (!t.ttl) continue;
    std::vector<std::tuple<std::string, std::string, json>> expired;
    store_.scan(t.id, std::nullopt, [&](std::string_view pk, std::string_view sk, std::string_view text, std::size_t) {
      json item = json::parse(text);
      auto it = item.find(*t.ttl);
      if (it == item.end() || type_of(*it) != "N") return true;
      number at = number::parse((*it)["N"].get<std::string>());
      if (at <= number::parse(std::to_string(now_s)) && at >= number::parse(std::to_string(oldest)))
        expired.emplace_back(std::string(pk), std::string(sk), std::move(item));
      return true;
    });
    if (expired.empty()) continue;
    {
      store_txn tx(store_);
      for (auto& [pk, sk, item] : expired) write(t, pk, sk, &item, nullptr, true);
      tx.commit();
    }
    for (auto& [pk, sk, item] : expired) {
      rt_.trace().record_text("dynamodb.ttl_delete", "dynamodb", item_trace_data(name, key_of(t, item)));
    }
    deleted += expired.size();
  }
  return deleted;
}

}  // namespace emu::dynamo
