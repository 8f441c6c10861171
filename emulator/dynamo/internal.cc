#include "emulator/dynamo/internal.h"

#include <set>
#include <string_view>
#include <vector>

#include "emulator/dynamo/value.h"

namespace emu::dynamo::detail {

const json* member(const json& req, const char* name) {
  if (!req.is_object()) throw aws_error::serialization("The request body must be a JSON object");
  auto it = req.find(name);
  return it == req.end() || it->is_null() ? nullptr : &*it;
}

void missing(const char* wire_name) {
  throw aws_error::validation(std::string("1 validation error detected: Value null at '") + wire_name +
                              "' failed to satisfy constraint: Member must not be null");
}

std::string required_string(const json& req, const char* name, const char* wire_name) {
  const json* v = member(req, name);
  if (!v) missing(wire_name);
  if (!v->is_string())
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + name + " must be a string");
  return v->get<std::string>();
}

std::optional<std::string> optional_string(const json& req, const char* name) {
  const json* v = member(req, name);
  if (!v) return std::nullopt;
  if (!v->is_string())
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + name + " must be a string");
  return v->get<std::string>();
}

std::optional<bool> optional_bool(const json& req, const char* name) {
  const json* v = member(req, name);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + name + " must be a boolean");
  return v->get<bool>();
}

namespace {

// "Value 'X' at 'wire' failed to satisfy constraint: Member must satisfy enum value set: […]",
// or nothing when the member is absent or one of `allowed`.
std::optional<std::string> enum_problem(const json& req, const char* name, const char* wire_name,
                                        std::initializer_list<const char*> allowed) {
  auto v = optional_string(req, name);
  if (!v) return std::nullopt;
  std::string set;
  for (const char* a : allowed) {
    if (*v == a) return std::nullopt;
    set += (set.empty() ? "" : ", ") + std::string(a);
  }
  return "Value '" + *v + "' at '" + wire_name +
         "' failed to satisfy constraint: Member must satisfy enum value set: [" + set + "]";
}

std::optional<std::string> table_name_problem(const std::string& n, const char* wire_name) {
  auto fail = [&](const char* constraint) {
    return "Value '" + n + "' at '" + wire_name + "' failed to satisfy constraint: " + constraint;
  };
  if (n.empty()) return fail("Member must have length greater than or equal to 1");
  if (n.size() < 3) return fail("Member must have length greater than or equal to 3");
  if (n.size() > 255) return fail("Member must have length less than or equal to 255");
  for (char c : n)
    if (!(std::isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'))
      return fail("Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  return std::nullopt;
}

const std::initializer_list<const char*> capacity_modes = {"INDEXES", "TOTAL", "NONE"};

}  // namespace

void refuse(const std::vector<std::string>& errors) {
  std::string m = errors.size() == 1 ? "1 validation error detected: "
                                     : std::to_string(errors.size()) + " validation errors detected: ";
  for (std::size_t i = 0; i < errors.size(); ++i) m += (i ? "; " : "") + errors[i];
  throw aws_error::validation(m);
}

std::string enum_member(const json& req, const char* name, const char* wire_name,
                        std::initializer_list<const char*> allowed, const char* fallback) {
  if (auto problem = enum_problem(req, name, wire_name, allowed)) refuse({*problem});
  auto v = optional_string(req, name);
  return v ? *v : fallback;
}

std::string capacity_mode(const json& req) {
  return enum_member(req, "ReturnConsumedCapacity", "returnConsumedCapacity", capacity_modes, "NONE");
}

void check_model(std::string_view operation, const json& req) {
  if (!req.is_object()) return;
  if (operation == "UpdateItem" && !member(req, "Key")) {
    std::vector<std::string> errors;
    auto add = [&](std::optional<std::string> e) {
      if (e) errors.push_back(std::move(*e));
    };
    add(enum_problem(req, "ReturnConsumedCapacity", "returnConsumedCapacity", capacity_modes));
    if (auto n = optional_string(req, "TableName"))
      add(table_name_problem(*n, "tableName"));
    else
      errors.push_back("Value null at 'tableName' failed to satisfy constraint: Member must not be null");
    add(enum_problem(req, "ReturnValues", "returnValues",
                     {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}));
    add(enum_problem(req, "ConditionalOperator", "conditionalOperator", {"OR", "AND"}));
    errors.push_back("Value null at 'key' failed to satisfy constraint: Member must not be null");
    refuse(errors);
  }
  if (operation == "BatchGetItem") {
    // A malformed table name is a constraint of the RequestItems map, reported with the enum.
    std::vector<std::string> errors;
    if (auto bad = batch_get_names_problem(req)) errors.push_back(std::move(*bad));
    if (auto e = enum_problem(req, "ReturnConsumedCapacity", "returnConsumedCapacity", capacity_modes))
      errors.push_back(std::move(*e));
    if (!errors.empty()) refuse(errors);
  }
  if (operation == "BatchWriteItem" || operation == "TransactWriteItems") {
    std::vector<std::string> errors;
    auto token = operation == "TransactWriteItems" ? optional_string(req, "ClientRequestToken") : std::nullopt;
    if (token && (token->empty() || token->size() > 36))
      errors.push_back(
          "Value '" + *token + "' at 'clientRequestToken' failed to satisfy constraint: Member must " +
          (token->empty() ? "have length greater than or equal to 1" : "have length less than or equal to 36"));
    for (auto e : {enum_problem(req, "ReturnConsumedCapacity", "returnConsumedCapacity", capacity_modes),
                   enum_problem(req, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", {"SIZE", "NONE"})})
      if (e) errors.push_back(std::move(*e));
    if (!errors.empty()) refuse(errors);
  }
  capacity_mode(req);
}

std::optional<std::string> batch_get_names_problem(const json& req) {
  const json* items = member(req, "RequestItems");
  if (!items || !items->is_object()) return std::nullopt;
  for (const auto& [name, spec] : items->items())
    if (table_name_problem(name, "requestItems"))
      return "Value '" + items->dump() +
             "' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have "
             "length less than or equal to 255, Member must have length greater than or equal to 3, Member must "
             "satisfy regular expression pattern: [a-zA-Z0-9_.-]+]";
  return std::nullopt;
}

std::string table_name(const json& req, const char* name, const char* wire_name) {
  std::string n = required_string(req, name, wire_name);
  if (auto problem = table_name_problem(n, wire_name)) refuse({*problem});
  return n;
}

namespace {

std::string key_part(const key_def& k, const json& av, bool hash) {
  const std::string& t = type_of(av);
  if (t != k.type)
    throw aws_error::validation("One or more parameter values were invalid: Type mismatch for key " + k.name +
                                " expected: " + k.type + " actual: " + t);
  std::string bytes = key_bytes(av);
  if (bytes.empty() && t != "N")
    throw aws_error::validation(
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty " +
        std::string(t == "S" ? "string" : "binary") + " value. Key: " + k.name);
  std::size_t raw = value_size(av);
  if (hash && raw > 2048)
    throw aws_error::validation(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes");
  if (!hash && raw > 1024)
    throw aws_error::validation(
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of "
        "1024 bytes");
  return bytes;
}

}  // namespace

encoded_key item_key(const table_info& t, const json& item) {
  encoded_key k;
  auto h = item.find(t.hash.name);
  if (h == item.end())
    throw aws_error::validation("One or more parameter values were invalid: Missing the key " + t.hash.name +
                                " in the item");
  k.pk = key_part(t.hash, *h, true);
  if (t.range) {
    auto r = item.find(t.range->name);
    if (r == item.end())
      throw aws_error::validation("One or more parameter values were invalid: Missing the key " + t.range->name +
                                  " in the item");
    k.sk = key_part(*t.range, *r, false);
  }
  return k;
}

encoded_key exact_key(const table_info& t, json& key, dialect d) {
  if (!key.is_object()) throw aws_error::serialization("Unexpected value type in payload: Key must be a map");
  for (auto& [name, v] : key.items()) normalise_value(v, 1, d);
  std::size_t want = t.range ? 2 : 1;
  if (key.size() != want || !key.contains(t.hash.name) || (t.range && !key.contains(t.range->name)))
    throw aws_error::validation("The provided key element does not match the schema");
  for (const auto& [name, v] : key.items()) {
    const key_def& def = name == t.hash.name ? t.hash : *t.range;
    if (type_of(v) != def.type) throw aws_error::validation("The provided key element does not match the schema");
  }
  return item_key(t, key);
}

json key_of(const table_info& t, const json& item, const index_info* ix) {
  json k = json::object();
  auto copy = [&](const std::string& n) {
    auto it = item.find(n);
    if (it != item.end()) k[n] = *it;
  };
  copy(t.hash.name);
  if (t.range) copy(t.range->name);
  if (ix) {
    copy(ix->hash.name);
    if (ix->range) copy(ix->range->name);
  }
  return k;
}

std::string item_trace_data(std::string_view table, const json& key, const char* flag, bool value) {
  std::string data;
  object_text o(data);
  o.string("table", table).raw("key", item_to_plain_text(key));
  if (flag) o.boolean(flag, value);
  o.close();
  return data;
}

void check_item_size(const json& item, bool updated) {
  if (item_size(item) > max_item_bytes)
    throw aws_error::validation(updated ? "Item size to update has exceeded the maximum allowed size"
                                        : "Item size has exceeded the maximum allowed size");
}

void check_index_keys(const table_info& t, const json& item) {
  for (const auto& ix : t.indexes) {
    for (const key_def* k : {&ix.hash, ix.range ? &*ix.range : nullptr}) {
      if (!k) continue;
      auto it = item.find(k->name);
      if (it == item.end()) continue;
      const std::string& ty = type_of(*it);
      if (ty != k->type)
        throw aws_error::validation("One or more parameter values were invalid: Type mismatch for Index Key " +
                                    k->name + " Expected: " + k->type + " Actual: " + ty + " IndexName: " + ix.name);
      if (ty != "N" && key_bytes(*it).empty())
        throw aws_error::validation(
            "One or more parameter values are not valid. A value specified for a secondary index key "
            "is not supported. The AttributeValue for a key attribute cannot contain an empty " +
            std::string(ty == "S" ? "string" : "binary") + " value. IndexName: " + ix.name + ", IndexKey: " + k->name);
      // An index key has the table's key limits: 2,048 bytes for its partition key, 1,024 for its sort key.
      std::size_t size = value_size(*it), max = k == &ix.hash ? 2048 : 1024;
      if (size > max)
        throw aws_error::validation("One or more parameter values were invalid: Size limit exceeded for Index Key " +
                                    k->name + " Actual Size: " + std::to_string(size) +
                                    " bytes Max Size: " + std::to_string(max) + " bytes IndexName: " + ix.name);
    }
  }
}

namespace {

std::string worded(dialect d, const std::string& message) {
  return d == dialect::enveloped ? "1 validation error detected: " + message : message;
}

}  // namespace

exprs::exprs(const json& req, dialect d) {
  if (const json* n = member(req, "ExpressionAttributeNames")) {
    if (!n->is_object())
      throw aws_error::serialization("Unexpected value type in payload: ExpressionAttributeNames must be a map");
    for (const auto& [k, v] : n->items()) {
      if (!v.is_string())
        throw aws_error::serialization(
            "Unexpected value type in payload: ExpressionAttributeNames values must be strings");
      if (k.empty() || k[0] != '#')
        throw aws_error::validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k + "\"");
      if (v.get_ref<const std::string&>().empty())
        throw aws_error::validation(
            "ExpressionAttributeNames contains invalid value: Empty attribute name; for key: \"" + k + "\"");
    }
    names = *n;
    scope.names = &names;
  }
  if (const json* v = member(req, "ExpressionAttributeValues")) {
    if (!v->is_object())
      throw aws_error::serialization("Unexpected value type in payload: ExpressionAttributeValues must be a map");
    values = *v;
    if (values.empty()) throw aws_error::validation(worded(d, "ExpressionAttributeValues must not be empty"));
    for (auto& [k, av] : values.items()) {
      if (k.empty() || k[0] != ':')
        throw aws_error::validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k + "\"");
      // Only the older layer wraps a bad value's message.
      if (d != dialect::older) {
        normalise_value(av, 1, d);
        continue;
      }
      try {
        normalise_value(av, 1, d);
      } catch (const aws_error& e) {
        if (e.type() != "ValidationException") throw;
        throw aws_error::validation("ExpressionAttributeValues contains invalid value: " + e.message() + " for key " +
                                    k);
      }
    }
    scope.values = &values;
  }
  if (names.is_object() && names.empty())
    throw aws_error::validation(worded(d, "ExpressionAttributeNames must not be empty"));
  // Names and values with no expression at all to use them (rather than some left unused).
  bool any = !scope.values && !scope.names;  // nothing to check
  for (const char* e : {"ConditionExpression", "ProjectionExpression", "FilterExpression", "KeyConditionExpression",
                        "UpdateExpression"})
    any = any || member(req, e);
  if (!any && scope.values)
    throw aws_error::validation(
        "1 validation error detected: ExpressionAttributeValues can only be specified when using expressions");
  if (!any && scope.names)
    throw aws_error::validation(
        "1 validation error detected: ExpressionAttributeNames can only be specified when using expressions");
}

std::string conditional_operator(const json& req) {
  const json* op = member(req, "ConditionalOperator");
  if (!op) return "AND";
  if (!op->is_string())
    throw aws_error::serialization("Unexpected value type in payload: ConditionalOperator must be a string");
  const std::string& v = op->get_ref<const std::string&>();
  if (v != "AND" && v != "OR")
    throw aws_error::validation("Failed to satisfy constraint: Member must satisfy enum value set: [ALL, OR]");
  return v;
}

void not_both(const json& req, const char* legacy, const char* expression) {
  if (member(req, legacy) && member(req, expression))
    throw aws_error::validation(
        std::string("Can not use both expression and non-expression parameters in the same request: "
                    "Non-expression parameters: {") +
        legacy + "} Expression parameters: {" + expression + "}");
}

namespace {

expr_node path_node(const std::string& attr) {
  expr_node n;
  n.k = expr_node::kind::path;
  n.path = {{attr, -1}};
  return n;
}

expr_node value_node(const json& v) {
  expr_node n;
  n.k = expr_node::kind::value;
  n.value = &v;
  return n;
}

expr_node join(expr_node::kind k, std::optional<expr_node> a, expr_node b) {
  if (!a) return b;
  expr_node n;
  n.k = k;
  n.kids.push_back(std::move(*a));
  n.kids.push_back(std::move(b));
  return n;
}

}  // namespace

std::optional<expr_node> legacy_conditions(json& conds, const std::string& conditional_operator,
                                           const char* member_name, dialect d) {
  if (!conds.is_object())
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + member_name + " must be a map");
  expr_node::kind joiner = conditional_operator == "OR" ? expr_node::kind::or_ : expr_node::kind::and_;
  std::optional<expr_node> out;
  for (auto& [attr, c] : conds.items()) {
    if (!c.is_object())
      throw aws_error::serialization(std::string("Unexpected value type in payload: ") + member_name +
                                     " entries must be maps");
    expr_node leaf;
    json* list = c.contains("AttributeValueList") ? &c["AttributeValueList"] : nullptr;
    if (list) {
      if (!list->is_array())
        throw aws_error::serialization("Unexpected value type in payload: AttributeValueList must be a list");
      for (auto& v : *list) normalise_value(v, 1, d);
    }
    if (c.contains("Value")) normalise_value(c["Value"], 1, d);
    std::string op = c.value("ComparisonOperator", "");
    // Which members go together, checked in DynamoDB's order and words.
    const std::string& name = attr;  // clang 14 cannot capture a structured binding
    auto invalid = [&](const std::string& what) {
      throw aws_error::validation("One or more parameter values were invalid: " + what + " for Attribute: " + name);
    };
    bool has_value = c.contains("Value") && !c["Value"].is_null();
    if (list && has_value) invalid("Value and AttributeValueList cannot be used together");
    if (op.empty() && list) invalid("AttributeValueList can only be used with a ComparisonOperator");
    if (!op.empty() && c.contains("Exists") && !c["Exists"].is_null())
      invalid("Exists and ComparisonOperator cannot be used together");
    if (!op.empty() && !list && !has_value && op != "NULL" && op != "NOT_NULL")
      invalid("Value or AttributeValueList must be used with ComparisonOperator: " + op);
    // With a ComparisonOperator, Value is its one argument. (Kept in the request: the condition
    // built below points into it.)
    if (!op.empty() && has_value) {
      c["AttributeValueList"] = json::array({c["Value"]});
      list = &c["AttributeValueList"];
    }
    if (op.empty()) {
      // Expected's older form: {Value} or {Exists: false}.
      bool exists = c.value("Exists", true);
      if (!exists) {
        if (c.contains("Value"))
          throw aws_error::validation(
              "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: " +
              attr);
        leaf.k = expr_node::kind::attribute_not_exists;
        leaf.kids.push_back(path_node(attr));
      } else {
        if (!c.contains("Value"))
          throw aws_error::validation(
              "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: " +
              attr);
        leaf.k = expr_node::kind::compare;
        leaf.op = "=";
        leaf.kids.push_back(path_node(attr));
        leaf.kids.push_back(value_node(c["Value"]));
      }
      out = join(joiner, std::move(out), std::move(leaf));
      continue;
    }
    std::size_t have = list ? list->size() : 0;
    auto need = [&](std::size_t n) {
      if (have != n)
        throw aws_error::validation(
            "One or more parameter values were invalid: Invalid number of argument(s) for the " + op +
            " ComparisonOperator");
    };
    static const std::map<std::string, std::string> cmp = {{"EQ", "="}, {"NE", "<>"}, {"LE", "<="},
                                                           {"LT", "<"}, {"GE", ">="}, {"GT", ">"}};
    if (auto it = cmp.find(op); it != cmp.end()) {
      need(1);
      leaf.k = expr_node::kind::compare;
      leaf.op = it->second;
      leaf.kids.push_back(path_node(attr));
      leaf.kids.push_back(value_node((*list)[0]));
    } else if (op == "NOT_NULL" || op == "NULL") {
      need(0);
      leaf.k = op == "NULL" ? expr_node::kind::attribute_not_exists : expr_node::kind::attribute_exists;
      leaf.kids.push_back(path_node(attr));
    } else if (op == "CONTAINS" || op == "NOT_CONTAINS" || op == "BEGINS_WITH") {
      need(1);
      leaf.k = op == "BEGINS_WITH" ? expr_node::kind::begins_with : expr_node::kind::contains;
      leaf.kids.push_back(path_node(attr));
      leaf.kids.push_back(value_node((*list)[0]));
      if (op == "NOT_CONTAINS") {
        // NOT_CONTAINS holds only for an attribute that exists.
        expr_node neg;
        neg.k = expr_node::kind::not_;
        neg.kids.push_back(std::move(leaf));
        expr_node ex;
        ex.k = expr_node::kind::attribute_exists;
        ex.kids.push_back(path_node(attr));
        leaf = join(expr_node::kind::and_, std::move(ex), std::move(neg));
      }
    } else if (op == "IN") {
      if (have == 0) need(1);
      leaf.k = expr_node::kind::in;
      leaf.kids.push_back(path_node(attr));
      for (auto& v : *list) leaf.kids.push_back(value_node(v));
    } else if (op == "BETWEEN") {
      need(2);
      leaf.k = expr_node::kind::between;
      leaf.kids.push_back(path_node(attr));
      leaf.kids.push_back(value_node((*list)[0]));
      leaf.kids.push_back(value_node((*list)[1]));
    } else {
      throw aws_error::validation(
          "1 validation error detected: Value '" + op + "' at '" + member_name + "." + attr +
          ".member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: "
          "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
    }
    out = join(joiner, std::move(out), std::move(leaf));
  }
  return out;
}

std::optional<expr_node> write_condition(json& req, exprs& e, dialect d) {
  not_both(req, "Expected", "ConditionExpression");
  if (auto c = optional_string(req, "ConditionExpression")) {
    if (d == dialect::enveloped && c->find_first_not_of(" \t\r\n\f\v") == std::string::npos)
      throw aws_error::validation(worded(d, "Invalid ConditionExpression: The expression can not be empty;"));
    return parse_condition(*c, "ConditionExpression", e.scope);
  }
  if (!req.contains("Expected") || req["Expected"].is_null()) return std::nullopt;
  if (d != dialect::enveloped) return legacy_conditions(req["Expected"], conditional_operator(req), "expected", d);
  try {
    return legacy_conditions(req["Expected"], conditional_operator(req), "expected", d);
  } catch (const aws_error& err) {
    // Every malformed Expected condition ("One or more parameter values were invalid: …").
    if (err.type() != "ValidationException" || err.message().rfind("1 validation error", 0) == 0) throw;
    throw aws_error::validation(worded(d, err.message()));
  }
}

std::vector<doc_path> projection(json& req, exprs& e) {
  not_both(req, "AttributesToGet", "ProjectionExpression");
  if (auto p = optional_string(req, "ProjectionExpression")) return parse_projection(*p, e.scope);
  std::vector<doc_path> out;
  if (const json* a = member(req, "AttributesToGet")) {
    if (!a->is_array())
      throw aws_error::serialization("Unexpected value type in payload: AttributesToGet must be a list");
    if (a->empty())
      throw aws_error::validation(
          "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have "
          "length greater than or equal to 1");
    std::set<std::string> seen;
    for (const auto& n : *a) {
      if (!n.is_string())
        throw aws_error::serialization("Unexpected value type in payload: AttributesToGet must hold strings");
      if (!seen.insert(n.get<std::string>()).second)
        throw aws_error::validation("One or more parameter values were invalid: Duplicate value in attribute name: " +
                                    n.get<std::string>());
      out.push_back({{n.get<std::string>(), -1}});
    }
  }
  return out;
}

}  // namespace emu::dynamo::detail
