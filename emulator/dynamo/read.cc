// Query and Scan: key conditions to key ranges, paging (Limit, ExclusiveStartKey, the 1 MB
// rule), filters, projections, Select and parallel scan segments.
#include <cmath>
#include <set>

#include "emulator/dynamo/capacity.h"
#include "emulator/dynamo/internal.h"
#include "emulator/dynamo/service.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {

using namespace detail;

namespace {

constexpr std::size_t page_bytes = 1024 * 1024;

[[noreturn]] void kce(const std::string& msg) { throw aws_error::validation(msg); }

// The value of a key condition leaf compared with `attr`.
struct key_cond {
  std::string attr;
  std::string op;  // =, <, <=, >, >=, BETWEEN, begins_with
  const json* a = nullptr;
  const json* b = nullptr;
};

void flatten_and(const expr_node& n, std::vector<const expr_node*>& out) {
  if (n.k == expr_node::kind::and_) {
    flatten_and(n.kids[0], out);
    flatten_and(n.kids[1], out);
  } else {
    out.push_back(&n);
  }
}

// An ordering operand no key type could satisfy (a boolean, a list, …) is an expression error
// naming the operator as written; one of a key type that is not the attribute's fails the
// schema check later.
void check_ordering_operand(const std::string& op, const json* v) {
  const std::string& t = type_of(*v);
  if (t != "S" && t != "N" && t != "B")
    kce("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: " + op +
        ", operand type: " + t);
}

key_cond leaf(const expr_node& n) {
  key_cond c;
  auto attr_of = [&](const expr_node& x) -> std::string {
    if (x.k != expr_node::kind::path) return "";
    if (x.path.size() != 1 || x.path[0].index >= 0)
      kce("KeyConditionExpressions cannot have conditions on nested attributes");
    return x.path[0].name;
  };
  auto val_of = [](const expr_node& x) -> const json* { return x.k == expr_node::kind::value ? x.value : nullptr; };
  switch (n.k) {
    case expr_node::kind::compare: {
      if (n.op == "<>") kce("Invalid operator used in KeyConditionExpression: <>");
      std::string l = attr_of(n.kids[0]), r = attr_of(n.kids[1]);
      const json* lv = val_of(n.kids[0]);
      const json* rv = val_of(n.kids[1]);
      if (!l.empty() && rv) {
        c = {l, n.op, rv, nullptr};
      } else if (!r.empty() && lv) {
        // ":v < a" is "a > :v".
        static const std::map<std::string, std::string> flip = {
            {"=", "="}, {"<", ">"}, {"<=", ">="}, {">", "<"}, {">=", "<="}};
        c = {r, flip.at(n.op), lv, nullptr};
      } else {
        kce("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
      }
      if (n.op != "=") check_ordering_operand(n.op, c.a);
      return c;
    }
    case expr_node::kind::between: {
      std::string a = attr_of(n.kids[0]);
      if (a.empty() || !val_of(n.kids[1]) || !val_of(n.kids[2]))
        kce("Invalid KeyConditionExpression: Incorrect operand type for BETWEEN");
      check_ordering_operand("BETWEEN", val_of(n.kids[1]));
      check_ordering_operand("BETWEEN", val_of(n.kids[2]));
      return {a, "BETWEEN", val_of(n.kids[1]), val_of(n.kids[2])};
    }
    case expr_node::kind::begins_with: {
      std::string a = attr_of(n.kids[0]);
      if (a.empty() || !val_of(n.kids[1]))
        kce("Invalid KeyConditionExpression: Incorrect operand type for begins_with");
      return {a, "begins_with", val_of(n.kids[1]), nullptr};
    }
    case expr_node::kind::or_:
      kce("Invalid operator used in KeyConditionExpression: OR");
    case expr_node::kind::not_:
      kce("Invalid operator used in KeyConditionExpression: NOT");
    case expr_node::kind::in:
      kce("Invalid operator used in KeyConditionExpression: IN");
    default:
      kce("Invalid operator used in KeyConditionExpression: " +
          std::string(n.k == expr_node::kind::contains ? "contains" : "function"));
  }
}

// The smallest byte string greater than every string starting with `p`, if any.
std::optional<std::string> successor(std::string p) {
  while (!p.empty() && (unsigned char)p.back() == 0xFF) p.pop_back();
  if (p.empty()) return std::nullopt;
  p.back() = char((unsigned char)p.back() + 1);
  return p;
}

range sort_range(const key_cond& c, const key_def& k) {
  if (type_of(*c.a) != k.type || (c.b && type_of(*c.b) != k.type))
    kce("One or more parameter values were invalid: Condition parameter type does not match schema type");
  if (c.op == "begins_with" && k.type == "N")
    kce("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: "
        "begins_with, operand type: N");
  std::string a = key_bytes(*c.a);
  range r;
  if (c.op == "=")
    r.lo = bound{a, true}, r.hi = bound{a, true};
  else if (c.op == "<")
    r.hi = bound{a, false};
  else if (c.op == "<=")
    r.hi = bound{a, true};
  else if (c.op == ">")
    r.lo = bound{a, false};
  else if (c.op == ">=")
    r.lo = bound{a, true};
  else if (c.op == "BETWEEN") {
    std::string b = key_bytes(*c.b);
    if (a > b)
      kce("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to "
          "lower bound; "
          "lower bound operand: AttributeValue: {" +
          k.type + ":" + c.a->begin().value().get<std::string>() + "}, upper bound operand: AttributeValue: {" +
          k.type + ":" + c.b->begin().value().get<std::string>() + "}");
    r.lo = bound{a, true}, r.hi = bound{b, true};
  } else {  // begins_with
    r.lo = bound{a, true};
    if (auto s = successor(a)) r.hi = bound{*s, false};
  }
  return r;
}

// `query`: Query wraps one of its messages as a validation error list, Scan does not (AWS's wording).
std::string select_member(const json& req, bool has_projection, bool on_index, bool query) {
  std::string s = enum_member(req, "Select", "select",
                              {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"}, "");
  if (s.empty())
    return has_projection ? "SPECIFIC_ATTRIBUTES" : on_index ? "ALL_PROJECTED_ATTRIBUTES" : "ALL_ATTRIBUTES";
  if (s == "SPECIFIC_ATTRIBUTES" && !has_projection)
    throw aws_error::validation(
        std::string(query ? "1 validation error detected: " : "") +
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
  if (s == "ALL_PROJECTED_ATTRIBUTES" && !on_index)
    throw aws_error::validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  if (has_projection && s != "SPECIFIC_ATTRIBUTES")
    throw aws_error::validation("Cannot specify the AttributesToGet when choosing to get " + s);
  return s;
}

// A global secondary index holds only what it projects: whole items come from an index that
// projects them all (a local one reads the table for the rest).
void check_select_on_index(const std::string& select, const index_info* ix) {
  if (select == "ALL_ATTRIBUTES" && ix && ix->global && ix->projection != "ALL")
    throw aws_error::validation(
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary "
        "index " +
        ix->name + " because its projection type is not ALL");
}

int limit_member(const json& req) {
  const json* l = member(req, "Limit");
  if (!l) return 0;
  if (!l->is_number_integer())
    throw aws_error::serialization("Unexpected value type in payload: Limit must be an integer");
  long long v = l->get<long long>();
  if (v < 1)
    throw aws_error::validation(
        "1 validation error detected: Value '" + std::to_string(v) +
        "' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1");
  return int(std::min<long long>(v, 1 << 30));
}

// What an index query returns of an item: its projection.
json index_projection(const table_info& t, const index_info& ix, const json& item) {
  if (ix.projection == "ALL") return item;
  json out = key_of(t, item, &ix);
  if (ix.projection == "INCLUDE")
    for (const auto& n : ix.non_key)
      if (auto it = item.find(n); it != item.end()) out[n] = *it;
  return out;
}

std::uint32_t fnv1a(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ std::uint8_t(c)) * 16777619u;
  return h;
}

// The encoded form of a start key member; ValidationException when it does not fit.
// An ExclusiveStartKey holds exactly the key attributes of the table and of the index read.
void check_start_key_size(const json& esk, const table_info& t, const index_info* ix, const char* message) {
  std::set<std::string> names = {t.hash.name};
  if (t.range) names.insert(t.range->name);
  if (ix) {
    names.insert(ix->hash.name);
    if (ix->range) names.insert(ix->range->name);
  }
  if (esk.size() != names.size()) throw aws_error::validation(message);
}

std::string start_part(json& esk, const key_def& k) {
  auto it = esk.find(k.name);
  if (it == esk.end() || type_of(*it) != k.type)
    throw aws_error::validation(
        "The provided starting key is invalid: The provided key element does not match the schema");
  return key_bytes(*it);
}

}  // namespace

// One page of a Query or Scan. In-process callers get parsed items; the wire (`raw`) gets JSON
// text, and an item that needs no filter or projection goes out exactly as stored, unparsed.
struct service::page {
  bool raw = false;
  std::string select;
  bool consistent = false;
  json items = json::array();
  std::vector<std::string> texts;
  std::size_t count = 0, scanned = 0, bytes = 0;
  json last_key;
  std::string table;
  const index_info* index = nullptr;  // the index read, if any (its capacity, not the table's)
  std::string capacity_mode = "NONE";
};

namespace {

// Adds one stored row to the page; false: the page is full (Limit or 1 MB), stop reading.
bool take_row(service::page& pg, const table_info& t, const index_info* ix, const std::optional<expr_node>& filter,
              const std::vector<doc_path>& proj, int limit, std::string_view text, std::size_t size) {
  pg.scanned++;
  pg.bytes += size;
  bool stop = (limit && int(pg.scanned) >= limit) || pg.bytes >= page_bytes;
  if (pg.raw && !filter && proj.empty() && (!ix || ix->projection == "ALL")) {  // the stored text as it is
    pg.count++;
    if (stop) {  // the page's last key, read from the text: only its key attributes are parsed
      std::vector<std::string> names{t.hash.name};
      if (t.range) names.push_back(t.range->name);
      if (ix) names.push_back(ix->hash.name);
      if (ix && ix->range) names.push_back(ix->range->name);
      pg.last_key = key_of(t, pick_attributes(text, names), ix);
    }
    if (pg.select != "COUNT") pg.texts.emplace_back(text);
    return !stop;
  }
  json item = json::parse(text);
  json visible = ix && ix->projection != "ALL" ? index_projection(t, *ix, item) : std::move(item);
  if (stop) pg.last_key = key_of(t, visible, ix);
  if (!filter || evaluate(*filter, visible)) {
    pg.count++;
    if (pg.select != "COUNT") {
      json out = proj.empty() ? std::move(visible) : project(visible, proj);
      if (pg.raw)
        pg.texts.push_back(out.dump());
      else
        pg.items.push_back(std::move(out));
    }
  }
  return !stop;
}

// A page costs the bytes it read (matched or not) in 4 KB units, halved when eventually consistent.
double page_units(const service::page& pg) {
  return std::max(1.0, std::ceil(double(pg.bytes) / 4096.0)) * (pg.consistent ? 1.0 : 0.5);
}

json capacity_of(const service::page& pg) {
  if (pg.capacity_mode == "NONE") return nullptr;
  return consumed(pg.table, pg.capacity_mode, read_capacity(pg.index, page_units(pg)));
}

json page_json(service::page& pg) {
  json out = json::object();
  if (pg.select != "COUNT") out["Items"] = std::move(pg.items);
  out["Count"] = pg.count;
  out["ScannedCount"] = pg.scanned;
  if (!pg.last_key.is_null()) out["LastEvaluatedKey"] = pg.last_key;
  if (json c = capacity_of(pg); !c.is_null()) out["ConsumedCapacity"] = c;
  return out;
}

std::string page_text(service::page& pg) {
  std::string out = "{";
  if (pg.select != "COUNT") {
    std::size_t n = 16;
    for (const auto& t : pg.texts) n += t.size() + 1;
    out.reserve(n + 128);
    out += "\"Items\":[";
    for (std::size_t i = 0; i < pg.texts.size(); ++i) {
      if (i) out += ',';
      out += pg.texts[i];
    }
    out += "],";
  }
  out += "\"Count\":" + std::to_string(pg.count) + ",\"ScannedCount\":" + std::to_string(pg.scanned);
  if (!pg.last_key.is_null()) out += ",\"LastEvaluatedKey\":" + pg.last_key.dump();
  if (json c = capacity_of(pg); !c.is_null()) out += ",\"ConsumedCapacity\":" + c.dump();
  return out + "}";
}

}  // namespace

json service::query(json req) {
  op_timer timed(*this, "Query", req);
  page pg = query_page(req, false);
  return page_json(pg);
}

std::string service::query_wire(json req) {
  op_timer timed(*this, "Query", req);
  page pg = query_page(req, true);
  return page_text(pg);
}

json service::scan(json req) {
  op_timer timed(*this, "Scan", req);
  page pg = scan_page(req, false);
  return page_json(pg);
}

std::string service::scan_wire(json req) {
  op_timer timed(*this, "Scan", req);
  page pg = scan_page(req, true);
  return page_text(pg);
}

namespace {

// FilterExpression, or the legacy QueryFilter/ScanFilter (`legacy`, `legacy_wire` in messages).
std::optional<expr_node> filter_of(json& req, exprs& e, const char* legacy, const char* legacy_wire, dialect d) {
  not_both(req, legacy, "FilterExpression");
  if (auto f = optional_string(req, "FilterExpression")) return parse_condition(*f, "FilterExpression", e.scope);
  if (req.contains(legacy) && !req[legacy].is_null())
    return legacy_conditions(req[legacy], conditional_operator(req), legacy_wire, d);
  return std::nullopt;
}

// The index a Query or Scan names (null for the table itself).
const index_info* index_of(const table_info& t, const std::optional<std::string>& name, bool consistent) {
  if (!name) return nullptr;
  const index_info* ix = t.index(*name);
  if (!ix) throw aws_error::validation("The table does not have the specified index: " + *name);
  if (ix->global && consistent)
    throw aws_error::validation("Consistent reads are not supported on global secondary indexes");
  return ix;
}

// ExclusiveStartKey, normalised, or null when absent.
json* start_key(json& req, dialect d) {
  if (!req.contains("ExclusiveStartKey") || req["ExclusiveStartKey"].is_null()) return nullptr;
  json& esk = req["ExclusiveStartKey"];
  if (!esk.is_object())
    throw aws_error::serialization("Unexpected value type in payload: ExclusiveStartKey must be a map");
  for (auto& [k, v] : esk.items()) normalise_value(v, 1, d);
  return &esk;
}

service::page new_page(bool raw, std::string select, bool consistent, const table_info& t, const index_info* ix,
                       const json& req) {
  service::page pg;
  pg.index = ix;
  pg.raw = raw;
  pg.select = std::move(select);
  pg.consistent = consistent;
  pg.table = t.name;
  pg.capacity_mode = capacity_mode(req);
  return pg;
}

}  // namespace

service::page service::query_page(json& req, bool raw) {
  std::string name = table_name(req);
  conditional_operator(req);
  exprs e(req, dialect::current);
  auto index_name = optional_string(req, "IndexName");
  not_both(req, "KeyConditions", "KeyConditionExpression");
  not_both(req, "QueryFilter", "FilterExpression");  // before the key condition's errors, as AWS checks
  std::optional<expr_node> key_expr;
  if (auto k = optional_string(req, "KeyConditionExpression"))
    key_expr = parse_condition(*k, "KeyConditionExpression", e.scope);
  else if (req.contains("KeyConditions") && !req["KeyConditions"].is_null())
    key_expr = legacy_conditions(req["KeyConditions"], "AND", "keyConditions", dialect::current);
  if (!key_expr)
    throw aws_error::validation(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  std::optional<expr_node> filter = filter_of(req, e, "QueryFilter", "queryFilter", dialect::current);
  std::vector<doc_path> proj = projection(req, e);
  std::string select = select_member(req, !proj.empty(), index_name.has_value(), true);
  int limit = limit_member(req);
  bool forward = optional_bool(req, "ScanIndexForward").value_or(true);
  bool consistent = optional_bool(req, "ConsistentRead").value_or(false);
  e.scope.check_all_used();

  table_info& t = table(name);
  const index_info* ix = index_of(t, index_name, consistent);
  check_select_on_index(select, ix);
  const key_def& hk = ix ? ix->hash : t.hash;
  const std::optional<key_def>& rk = ix ? ix->range : t.range;

  std::vector<const expr_node*> leaves;
  flatten_and(*key_expr, leaves);
  std::vector<key_cond> conds;
  std::set<std::string> named;
  for (const expr_node* n : leaves) {
    conds.push_back(leaf(*n));
    if (!named.insert(conds.back().attr).second)
      kce("Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key");
  }
  if (conds.size() > 2)
    kce("The number of query conditions (" + std::to_string(conds.size()) +
        ") exceeds the number of key attributes defined in the schema (" + std::string(rk ? "2" : "1") + ")");
  std::optional<key_cond> hash_c, range_c;
  for (const key_cond& c : conds) {
    if (c.attr == hk.name) {
      if (c.op != "=") kce("Query key condition not supported");
      hash_c = c;
    } else if (rk && c.attr == rk->name) {
      range_c = c;
    } else {
      kce("Query key condition not supported");  // an attribute that is not a key of the table or index read
    }
  }
  if (!hash_c) kce("Query condition missed key schema element: " + hk.name);
  if (type_of(*hash_c->a) != hk.type)
    kce("One or more parameter values were invalid: Condition parameter type does not match schema type");
  std::string pk = key_bytes(*hash_c->a);
  range sk_range = range_c ? sort_range(*range_c, *rk) : range{};

  // ExclusiveStartKey: the table key, plus the index key for index queries.
  std::optional<std::string> after_sk;
  std::optional<store::index_pos> after_ix;
  if (json* start = start_key(req, dialect::current)) {
    json& esk = *start;
    check_start_key_size(esk, t, ix, "The provided starting key is invalid");
    std::string tpk = start_part(esk, t.hash), tsk = t.range ? start_part(esk, *t.range) : "";
    if (ix) {
      if (start_part(esk, ix->hash) != pk)
        throw aws_error::validation(
            "The provided starting key is invalid: The provided key element does not match the schema");
      after_ix = store::index_pos{ix->range ? start_part(esk, *ix->range) : "", tpk, tsk};
    } else {
      if (tpk != pk)
        throw aws_error::validation(
            "The provided starting key is outside query boundaries based on provided conditions");
      after_sk = tsk;
    }
  }

  page pg = new_page(raw, select, consistent, t, ix, req);
  auto take = [&](std::string_view, std::string_view, std::string_view text, std::size_t size) {
    return take_row(pg, t, ix, filter, proj, limit, text, size);
  };
  if (ix)
    store_.query_index(t.id, ix->id, pk, sk_range, forward, after_ix, take);
  else
    store_.query(t.id, pk, sk_range, forward, after_sk, take);
  trace_read("dynamodb.query", pg, ix);
  return pg;
}

service::page service::scan_page(json& req, bool raw) {
  std::string name = table_name(req);
  conditional_operator(req);
  exprs e(req, dialect::older);
  auto index_name = optional_string(req, "IndexName");
  std::optional<expr_node> filter = filter_of(req, e, "ScanFilter", "scanFilter", dialect::older);
  std::vector<doc_path> proj = projection(req, e);
  std::string select = select_member(req, !proj.empty(), index_name.has_value(), false);
  int limit = limit_member(req);
  bool consistent = optional_bool(req, "ConsistentRead").value_or(false);
  const json* seg = member(req, "Segment");
  const json* total = member(req, "TotalSegments");
  if (seg && !total)
    throw aws_error::validation(
        "The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
  if (total && !seg)
    throw aws_error::validation(
        "The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
  long long segment = 0, segments = 1;
  if (seg) {
    if (!seg->is_number_integer() || !total->is_number_integer())
      throw aws_error::serialization("Unexpected value type in payload: Segment and TotalSegments must be integers");
    segment = seg->get<long long>(), segments = total->get<long long>();
    if (segments < 1 || segments > 1000000)
      throw aws_error::validation("1 validation error detected: Value '" + std::to_string(segments) +
                                  "' at 'totalSegments' failed to satisfy constraint: Member must have value " +
                                  (segments < 1 ? "greater than or equal to 1" : "less than or equal to 1000000"));
    if (segment < 0)
      throw aws_error::validation(
          "1 validation error detected: Value '" + std::to_string(segment) +
          "' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0");
    if (segment >= segments)
      throw aws_error::validation(
          "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
          std::to_string(segment) + " is not less than TotalSegments: " + std::to_string(segments));
  }
  e.scope.check_all_used();

  table_info& t = table(name);
  const index_info* ix = index_of(t, index_name, consistent);
  check_select_on_index(select, ix);
  std::optional<std::pair<std::string, std::string>> after;
  std::optional<std::vector<std::string>> after_ix;
  if (json* start = start_key(req, dialect::older)) {
    json& esk = *start;
    check_start_key_size(
        esk, t, ix,
        ix ? "The provided starting key is invalid"
           : "The provided starting key is invalid: The provided key element does not match the schema");
    std::string tpk = start_part(esk, t.hash), tsk = t.range ? start_part(esk, *t.range) : "";
    if (segments > 1 && fnv1a(tpk) % std::uint32_t(segments) != std::uint32_t(segment))
      throw aws_error::validation(
          "The provided Exclusive start key does not map to the provided Segment and TotalSegments values.");
    if (ix)
      after_ix =
          std::vector<std::string>{start_part(esk, ix->hash), ix->range ? start_part(esk, *ix->range) : "", tpk, tsk};
    else
      after = std::make_pair(tpk, tsk);
  }

  page pg = new_page(raw, select, consistent, t, ix, req);
  auto take = [&](std::string_view pk, std::string_view, std::string_view text, std::size_t size) {
    // Segments split the key space by a hash of the partition key, as DynamoDB does.
    if (segments > 1 && fnv1a(pk) % std::uint32_t(segments) != std::uint32_t(segment)) return true;
    return take_row(pg, t, ix, filter, proj, limit, text, size);
  };
  if (ix)
    store_.scan_index(t.id, ix->id, after_ix, take);
  else
    store_.scan(t.id, after, take);
  trace_read("dynamodb.scan", pg, ix);
  return pg;
}

void service::trace_read(const char* kind, const page& pg, const index_info* ix) {
  consume(pg.table, std::string_view(kind) == "dynamodb.query" ? "Query" : "Scan", page_units(pg));
  json data = {{"table", pg.table}};
  if (ix) data["index"] = ix->name;
  data["count"] = pg.count;
  data["scanned"] = pg.scanned;
  rt_.trace().record(kind, "dynamodb", std::move(data));
}

const std::map<std::string, operation>& operations() {
  static const std::map<std::string, operation> ops = {
      {"CreateTable", &service::create_table},
      {"DescribeTable", &service::describe_table},
      {"ListTables", &service::list_tables},
      {"DeleteTable", &service::delete_table},
      {"UpdateTable", &service::update_table},
      {"PutItem", &service::put_item},
      {"GetItem", &service::get_item},
      {"UpdateItem", &service::update_item},
      {"DeleteItem", &service::delete_item},
      {"Query", &service::query},
      {"Scan", &service::scan},
      {"BatchGetItem", &service::batch_get_item},
      {"BatchWriteItem", &service::batch_write_item},
      {"TransactWriteItems", &service::transact_write_items},
      {"TransactGetItems", &service::transact_get_items},
      {"UpdateTimeToLive", &service::update_time_to_live},
      {"DescribeTimeToLive", &service::describe_time_to_live},
      {"TagResource", &service::tag_resource},
      {"UntagResource", &service::untag_resource},
      {"ListTagsOfResource", &service::list_tags_of_resource},
      {"DescribeEndpoints", &service::describe_endpoints},
      {"DescribeLimits", &service::describe_limits},
  };
  return ops;
}

}  // namespace emu::dynamo
