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

json answer(int status, const json& body) { return proxy_response(status, body.dump()); }

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
  json t = text ? parse_client_json(*text) : json();
  if (!t.is_object() || t.is_discarded()) throw bad_request("nextToken: is not valid");
  return t;
}

// The API's view of a stored item, as JSON text: its attributes without the key and index
// attributes and the handlers' bookkeeping (Review Stats' running sum and last record). Read
// from the stored text directly (a document per item cost ~9 µs).
void append_public_item(std::string& out, std::string_view av_item) {
  dynamo::append_plain_item(out, av_item,
                            {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "trace_id", "lastEventId", "ratingSum",
                             "lastReviewSequence"});
}

// {"items":[…],"count":n[,"nextToken":"…"]}, then `extra` (`,"restaurantId":"r-1"`).
std::string page_body(const std::string& items, int count, const std::string& token, const std::string& extra = "") {
  std::string out = "{\"items\":[" + items + "],\"count\":" + std::to_string(count);
  if (!token.empty()) out += ",\"nextToken\":" + json(token).dump();
  return out + extra + "}";
}

struct query_params {
  std::map<std::string, std::string> values;
  int limit = default_limit;
};

query_params read_query(const json& query, std::initializer_list<const char*> allowed) {
  query_params q;
  for (const auto& [k, v] : query.items()) {
    if (std::none_of(allowed.begin(), allowed.end(), [&k = k](const char* a) { return k == a; })) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw bad_request("Unknown query parameter '" + k + "'" +
                        (list.empty() ? " (this resource takes none)" : " (allowed: " + list + ")"));
    }
    q.values[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  if (auto it = q.values.find("limit"); it != q.values.end()) {
    const std::string& l = it->second;
    bool digits =
        !l.empty() && l.size() <= 3 && std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; });
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
  if (!valid_id(id)) throw bad_request(std::string("id: ") + valid_id_rule);
  return id;
}

// One page of a key-condition query as the response body: up to `limit` items after the
// token's key, and a token when more follow (found by reading one item past the page).
std::string query_page(function_env& env, json request, const std::vector<std::string>& key_names,
                       const query_params& q, const std::string& identity, const std::string& extra = "") {
  if (auto it = q.values.find("nextToken"); it != q.values.end()) {
    json t = decode_token(it->second);
    json k = t.value("k", json());
    bool ok = t.value("q", "") == identity && k.is_object() && k.size() == key_names.size();
    for (const auto& n : key_names)
      ok = ok && k.contains(n) && k[n].is_object() && k[n].contains("S") && k[n]["S"].is_string();
    if (!ok) throw bad_request("nextToken: is not valid for this query");
    request["ExclusiveStartKey"] = k;
  }
  bool filtered = request.contains("FilterExpression");
  std::string items;
  int taken = 0;
  bool more = false;
  json last;  // the key of the page's last item
  while (!more) {
    int want = q.limit + 1 - taken;
    request["Limit"] = filtered ? std::max(want, 100) : want;
    std::string text = env.dynamo_text("Query", request);
    auto parts = dynamo::split_page_text(text);
    for (auto item : parts.items) {
      if (taken == q.limit) {
        more = true;
        break;
      }
      if (taken++) items += ',';
      append_public_item(items, item);
      if (taken == q.limit) last = dynamo::pick_attributes(item, key_names);
    }
    if (parts.last_evaluated_key.empty()) break;
    request["ExclusiveStartKey"] = json::parse(parts.last_evaluated_key);
  }
  std::string token;
  if (more) {
    json key = json::object();
    for (const auto& n : key_names) key[n] = last[n];
    token = encode_token({{"q", identity}, {"k", key}});
  }
  return page_body(items, taken, token, extra);
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
    std::string identity = "restaurants?city=" + (by_city ? q.values["city"] : "") +
                           "&cuisine=" + (has("cuisine") ? q.values["cuisine"] : "");
    return proxy_response(200, query_page(env, std::move(req), {"PK", "SK", ix + "PK", ix + "SK"}, q, identity));
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
  json req = {{"TableName", table},
              {"FilterExpression", "begins_with(SK, :meta)"},
              {"ExpressionAttributeValues", {{":meta", {{"S", "META#"}}}}}};
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
  std::string items;
  int n = std::min(int(rows.size()), q.limit);
  for (int i = 0; i < n; ++i) {
    if (i) items += ',';
    append_public_item(items, rows[i].second.dump());
  }
  std::string token =
      int(rows.size()) > q.limit ? encode_token({{"q", "restaurants"}, {"after", rows[q.limit - 1].first}}) : "";
  return proxy_response(200, page_body(items, n, token));
}

// The restaurant's public JSON text, or nothing when it does not exist.
std::optional<std::string> restaurant(function_env& env, const std::string& id, bool whole) {
  json req = {{"TableName", env.table("FoodEstablishment")},
              {"Key", {{"PK", {{"S", "EST#" + id}}}, {"SK", {{"S", "META#" + id}}}}}};
  if (!whole) req["ProjectionExpression"] = "PK";
  std::string text = env.dynamo_text("GetItem", req);
  auto parts = dynamo::split_page_text(text);
  if (parts.items.empty()) return std::nullopt;
  std::string out;
  append_public_item(out, parts.items[0]);
  return out;
}

json not_found(const std::string& id) { return answer(404, {{"message", "Restaurant " + id + " not found"}}); }

json children(function_env& env, const json& payload, const std::string& table, const char* what) {
  std::string id = path_id(payload);
  query_params q = read_query(payload.value("query", json::object()), {"limit", "nextToken"});
  if (!restaurant(env, id, false)) return not_found(id);
  json req = {{"TableName", env.table(table)},
              {"KeyConditionExpression", "PK = :pk"},
              {"ExpressionAttributeValues", {{":pk", {{"S", "EST#" + id}}}}}};
  return proxy_response(200, query_page(env, std::move(req), {"PK", "SK"}, q, std::string(what) + "/" + id,
                                        ",\"restaurantId\":" + json(id).dump()));
}

}  // namespace

functions::handler query_handler(function_env& env) {
  return [&env](const json& event, const functions::context& ctx) -> json {
    standard_event request = received_event(event, ctx, "QueryHandler");
    const std::string& type = request.event_type;
    const json& payload = request.payload;
    try {
      json r;
      if (type == "GET_RESTAURANTS")
        r = list_restaurants(env, payload);
      else if (type == "GET_RESTAURANT") {
        std::string id = path_id(payload);
        read_query(payload.value("query", json::object()), {});
        auto item = restaurant(env, id, true);
        r = item ? proxy_response(200, std::move(*item)) : not_found(id);
      } else if (type == "GET_RESTAURANT_MENU")
        r = children(env, payload, "MenuItem", "menu");
      else if (type == "GET_RESTAURANT_REVIEWS")
        r = children(env, payload, "Review", "reviews");
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
