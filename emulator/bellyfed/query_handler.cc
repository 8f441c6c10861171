// The Query Handler (seed Figure 2): API_REQUEST events from the bus → DynamoDB → an API
// Gateway proxy response, which the gateway returns to the caller (request/reply by trace id).
//
//   GET_RESTAURANTS         ?city → GSI1 (LOC#city), ?cuisine → GSI2 (CUISINE#type), both → GSI1
//                           plus a filter on GSI2PK; neither → every restaurant. Sorted by name
//                           (the indexes' sort key EST#<name>#<id>), `limit` 1–100 (default 20),
//                           an opaque `nextToken` for the next page.
//   GET_RESTAURANT          the restaurant, or 404
//   GET_RESTAURANT_MENU     its menu items (MenuItem, by item id), paged; 404 without the restaurant
//   GET_RESTAURANT_REVIEWS  its reviews (Review, by review id), paged; 404 likewise
//
// Bad parameters answer 400 with a message naming the parameter; an event that is not a valid
// standard event fails the invocation with the reason (logged), so the gateway answers 502.
#include <algorithm>
#include <map>
#include <optional>

#include "emulator/bellyfed/handlers.h"
#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/core/text.h"
#include "emulator/dynamo/value.h"

namespace emu::bellyfed {
namespace {

constexpr int default_limit = 20, max_limit = 100;

struct bad_request : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json answer(int status, const json& body) {
  return {{"statusCode", status}, {"headers", {{"Content-Type", "application/json"}}}, {"body", body.dump()}};
}

// Base64url without padding, so a token needs no escaping in a query string.
std::string encode_token(const json& t) {
  std::string s = base64_encode(t.dump());
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  s.erase(std::find(s.begin(), s.end(), '='), s.end());
  return s;
}

json decode_token(std::string s) {
  if (s.size() > 2048) throw bad_request("nextToken: is not valid");
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  auto text = base64_decode(s);
  json t = text ? json::parse(*text, nullptr, false) : json();
  if (!t.is_object() || t.is_discarded()) throw bad_request("nextToken: is not valid");
  return t;
}

// The API's view of an item: the stored attributes without the key and index attributes.
json public_item(const json& av_item) {
  json plain = dynamo::item_to_plain(av_item);
  for (const char* k : {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "trace_id"}) plain.erase(k);
  return plain;
}

struct query_params {
  std::map<std::string, std::string> values;
  int limit = default_limit;
};

query_params read_query(const json& query, std::initializer_list<const char*> allowed) {
  query_params q;
  for (const auto& [k, v] : query.items()) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; })) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw bad_request("Unknown query parameter '" + k + "'" + (list.empty() ? " (this resource takes none)" : " (allowed: " + list + ")"));
    }
    q.values[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (auto it = q.values.find("limit"); it != q.values.end()) {
    const std::string& l = it->second;
    bool digits = !l.empty() && l.size() <= 3 && std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; });
    q.limit = digits ? std::stoi(l) : 0;
    if (q.limit < 1 || q.limit > max_limit) throw bad_request("limit: must be a whole number from 1 to 100");
  }
  for (const char* k : {"city", "cuisine"})
    if (auto it = q.values.find(k); it != q.values.end() && (it->second.empty() || it->second.size() > 100))
      throw bad_request(std::string(k) + ": must be 1 to 100 characters");
  return q;
}

std::string path_id(const json& payload) {
  std::string id = payload.value("path_parameters", json::object()).value("id", "");
  if (!valid_id(id)) throw bad_request("id: must be 1–64 letters, digits, '-' or '_'");
  return id;
}

// One page of a key-condition query: up to `limit` items after the token's key, and a token
// when more follow. Asks for one item more than the page to know whether there is a next page.
json query_page(function_env& env, json request, const std::vector<std::string>& key_names, const query_params& q,
                const std::string& identity) {
  if (auto it = q.values.find("nextToken"); it != q.values.end()) {
    json t = decode_token(it->second);
    json k = t.value("k", json());
    bool ok = t.value("q", "") == identity && k.is_object() && k.size() == key_names.size();
    for (const auto& n : key_names) ok = ok && k.contains(n) && k[n].is_object() && k[n].contains("S") && k[n]["S"].is_string();
    if (!ok) throw bad_request("nextToken: is not valid for this query");
    request["ExclusiveStartKey"] = k;
  }
  bool filtered = request.contains("FilterExpression");
  json items = json::array();
  for (;;) {
    int want = q.limit + 1 - int(items.size());
    request["Limit"] = filtered ? std::max(want, 100) : want;
    json out = env.dynamo("Query", request);
    for (auto& it : out["Items"]) items.push_back(std::move(it));
    if (int(items.size()) > q.limit || !out.contains("LastEvaluatedKey")) break;
    request["ExclusiveStartKey"] = out["LastEvaluatedKey"];
  }
  json page = {{"items", json::array()}};
  for (int i = 0; i < std::min(int(items.size()), q.limit); ++i) page["items"].push_back(public_item(items[i]));
  page["count"] = page["items"].size();
  if (int(items.size()) > q.limit) {
    json last = json::object();
    for (const auto& n : key_names) last[n] = items[q.limit - 1][n];
    page["nextToken"] = encode_token({{"q", identity}, {"k", last}});
  }
  return page;
}

json list_restaurants(function_env& env, const json& payload) {
  query_params q = read_query(payload.value("query", json::object()), {"city", "cuisine", "limit", "nextToken"});
  std::string table = env.table("FoodEstablishment");
  auto has = [&](const char* k) { return q.values.count(k) > 0; };
  if (has("city") || has("cuisine")) {
    bool by_city = has("city");
    std::string ix = by_city ? "GSI1" : "GSI2";
    json req = {{"TableName", table},
                {"IndexName", ix},
                {"KeyConditionExpression", "#pk = :pk"},
                {"ExpressionAttributeNames", {{"#pk", ix + "PK"}}},
                {"ExpressionAttributeValues",
                 {{":pk", {{"S", by_city ? "LOC#" + q.values["city"] : "CUISINE#" + q.values["cuisine"]}}}}}};
    if (by_city && has("cuisine")) {
      req["FilterExpression"] = "GSI2PK = :cuisine";
      req["ExpressionAttributeValues"][":cuisine"] = {{"S", "CUISINE#" + q.values["cuisine"]}};
    }
    std::string identity = "restaurants?city=" + (by_city ? q.values["city"] : "") + "&cuisine=" +
                           (has("cuisine") ? q.values["cuisine"] : "");
    return answer(200, query_page(env, req, {"PK", "SK", ix + "PK", ix + "SK"}, q, identity));
  }
  // No filter: every restaurant, sorted by the same key the indexes sort by. A scan of the
  // table per page; the filtered routes above are the ones a frontend pages through.
  std::string after;
  if (has("nextToken")) {
    json t = decode_token(q.values["nextToken"]);
    if (t.value("q", "") != "restaurants" || !t.contains("after") || !t["after"].is_string())
      throw bad_request("nextToken: is not valid for this query");
    after = t["after"];
  }
  std::vector<std::pair<std::string, json>> rows;
  json req = {{"TableName", table}, {"FilterExpression", "begins_with(SK, :meta)"}, {"ExpressionAttributeValues", {{":meta", {{"S", "META#"}}}}}};
  for (;;) {
    json out = env.dynamo("Scan", req);
    for (auto& it : out["Items"]) {
      std::string key = it.contains("GSI1SK") && it["GSI1SK"].contains("S") ? it["GSI1SK"]["S"].get<std::string>() : "";
      if (key > after) rows.emplace_back(key, std::move(it));
    }
    if (!out.contains("LastEvaluatedKey")) break;
    req["ExclusiveStartKey"] = out["LastEvaluatedKey"];
  }
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  json page = {{"items", json::array()}};
  for (int i = 0; i < std::min(int(rows.size()), q.limit); ++i) page["items"].push_back(public_item(rows[i].second));
  page["count"] = page["items"].size();
  if (int(rows.size()) > q.limit) page["nextToken"] = encode_token({{"q", "restaurants"}, {"after", rows[q.limit - 1].first}});
  return answer(200, page);
}

std::optional<json> restaurant(function_env& env, const std::string& id, bool whole) {
  json req = {{"TableName", env.table("FoodEstablishment")}, {"Key", {{"PK", {{"S", "EST#" + id}}}, {"SK", {{"S", "META#" + id}}}}}};
  if (!whole) req["ProjectionExpression"] = "PK";
  json out = env.dynamo("GetItem", req);
  if (!out.contains("Item")) return std::nullopt;
  return out["Item"];
}

json not_found(const std::string& id) { return answer(404, {{"message", "Restaurant " + id + " not found"}}); }

json children(function_env& env, const json& payload, const std::string& table, const char* what) {
  std::string id = path_id(payload);
  query_params q = read_query(payload.value("query", json::object()), {"limit", "nextToken"});
  if (!restaurant(env, id, false)) return not_found(id);
  json req = {{"TableName", env.table(table)},
              {"KeyConditionExpression", "PK = :pk"},
              {"ExpressionAttributeValues", {{":pk", {{"S", "EST#" + id}}}}}};
  json page = query_page(env, req, {"PK", "SK"}, q, std::string(what) + "/" + id);
  page["restaurantId"] = id;
  return answer(200, page);
}

}  // namespace

functions::handler query_handler(function_env& env) {
  return [&env](const json& event, const functions::context& ctx) -> json {
    json detail = event.is_object() && event.contains("detail") ? event["detail"] : event;
    if (detail.is_string()) detail = json::parse(detail.get<std::string>(), nullptr, false);
    if (auto problems = validate_standard_event(detail); !problems.empty()) {
      std::string why;
      for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
      ctx.log("rejected the event: " + why);
      throw aws_error::validation("QueryHandler: not a valid standard event: " + why);
    }
    std::string type = detail["event_type"];
    const json& payload = detail["payload"];
    try {
      json r;
      if (type == "GET_RESTAURANTS") r = list_restaurants(env, payload);
      else if (type == "GET_RESTAURANT") {
        std::string id = path_id(payload);
        read_query(payload.value("query", json::object()), {});
        auto item = restaurant(env, id, true);
        r = item ? answer(200, public_item(*item)) : not_found(id);
      } else if (type == "GET_RESTAURANT_MENU") r = children(env, payload, "MenuItem", "menu");
      else if (type == "GET_RESTAURANT_REVIEWS") r = children(env, payload, "Review", "reviews");
      else {
        ctx.log("no query for event type " + type);
        throw aws_error::validation("QueryHandler: no query for event type " + type);
      }
      ctx.log(type + " → " + std::to_string(r["statusCode"].get<int>()));
      return r;
    } catch (const bad_request& e) {
      ctx.log(type + " → 400: " + e.what());
      return answer(400, {{"message", e.what()}});
    }
  };
}

}  // namespace emu::bellyfed
