// Internal to the DynamoDB component: request-member readers with AWS's validation wording,
// key extraction and checks, and the legacy (pre-expression) parameters turned into
// expression trees.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/error.h"
#include "emulator/core/json.h"
#include "emulator/dynamo/expr.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo::detail {

// The member, or null when absent or JSON null.
const json* member(const json& req, const char* name);
// "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: …"
[[noreturn]] void missing(const char* wire_name);
std::string required_string(const json& req, const char* name, const char* wire_name);
std::optional<std::string> optional_string(const json& req, const char* name);
std::optional<bool> optional_bool(const json& req, const char* name);
// One or more model constraint failures in DynamoDB's envelope: "1 validation error detected:
// X" or "N validation errors detected: X; Y".
[[noreturn]] void refuse(const std::vector<std::string>& errors);
// Checks one of the listed values; AWS's enum message otherwise.
std::string enum_member(const json& req, const char* name, const char* wire_name,
                        std::initializer_list<const char*> allowed, const char* fallback);
// ReturnConsumedCapacity: INDEXES, TOTAL or NONE (the default); anything else is refused.
std::string capacity_mode(const json& req);
// TableName: 3–255 characters of [a-zA-Z0-9_.-]. An empty one is refused first for its
// length of at least 1 (the item operations' model also takes a table ARN).
std::string table_name(const json& req, const char* name = "TableName", const char* wire_name = "tableName");

// A BatchGetItem RequestItems map with a malformed table name: the model's message, which echoes
// the map as JSON.
std::optional<std::string> batch_get_names_problem(const json& req);
// The model's checks of a request before the operation runs: ReturnConsumedCapacity, and where
// DynamoDB reports every member error at once (an UpdateItem with no Key; the enums of the
// batch and transaction writes, TransactWriteItems' token, BatchGetItem's table names), joined as it joins them ("4
// validation errors detected: …; …"), in its member order (AWS captures of 2026-10-09).
void check_model(std::string_view operation, const json& req);

// The encoded primary key of an item (PutItem: "Missing the key …", type mismatches, empty
// strings, key size limits).
struct encoded_key {
  std::string pk, sk;
  bool operator<(const encoded_key& o) const { return pk != o.pk ? pk < o.pk : sk < o.sk; }
  bool operator==(const encoded_key& o) const { return pk == o.pk && sk == o.sk; }
};
encoded_key item_key(const table_info& t, const json& item);
// A `Key` parameter: exactly the key attributes ("The provided key element does not match the
// schema" otherwise). Normalises the key in place.
encoded_key exact_key(const table_info& t, json& key, dialect d);
// Only the key attributes of an item (of the table, plus an index's when given).
json key_of(const table_info& t, const json& item, const index_info* ix = nullptr);
// The trace data of an item operation, {"table": …, "key": {the key, plain}}, and `flag` (a
// boolean member) when given.
std::string item_trace_data(std::string_view table, const json& key, const char* flag = nullptr, bool value = false);
// "Item size has exceeded the maximum allowed size" (400 KB); an update's finished item is
// "Item size to update has exceeded …".
void check_item_size(const json& item, bool updated = false);
// Checks the index key attributes an item carries have the declared types.
void check_index_keys(const table_info& t, const json& item);

// Expressions and their placeholders, parsed once per request. Values are checked and their
// errors worded in the operation's dialect; the enveloped one also words the empty maps there.
struct exprs {
  expr_scope scope;
  json names, values;  // copies the scope points into (values normalised)
  exprs(const json& req, dialect d);
  exprs(const exprs&) = delete;
};

// ConditionExpression or the legacy Expected (+ ConditionalOperator) of a write request.
// The enveloped dialect words an empty ConditionExpression and a malformed Expected condition in
// the envelope.
std::optional<expr_node> write_condition(json& req, exprs& e, dialect d);
// ProjectionExpression or the legacy AttributesToGet, as paths (empty: everything).
std::vector<doc_path> projection(json& req, exprs& e);
// Legacy QueryFilter/ScanFilter/KeyConditions/Expected: {attr: {ComparisonOperator,
// AttributeValueList}} joined by `conditional_operator` (AND/OR).
std::optional<expr_node> legacy_conditions(json& conds, const std::string& conditional_operator,
                                           const char* member_name, dialect d);

// "Can not use both expression and non-expression parameters in the same request: …"
void not_both(const json& req, const char* legacy, const char* expression);
// ConditionalOperator: AND (the default) or OR. DynamoDB refuses anything else before it looks
// at the table or the other members, in its own odd words.
std::string conditional_operator(const json& req);

inline std::int64_t epoch_ms(instant t) { return t.time_since_epoch().count(); }

}  // namespace emu::dynamo::detail
