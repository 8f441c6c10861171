#include "emulator/app/dashboard.h"

#include <charconv>
#include <memory>
#include <string_view>

#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/observe/flows.h"

namespace emu::app {

// The page, its script and its style sheet (emulator/app/ui/, compiled in by cmake/embed.cmake).
extern const std::string_view ui_index_html, ui_app_js, ui_style_css;

namespace {

constexpr std::size_t max_flows_page = 1000;
constexpr std::size_t flows_per_frame = 100;  // an event-stream frame names at most this many flows
constexpr std::size_t max_peek = 100;
constexpr std::size_t max_items_page = 100;

std::size_t limit_param(const edge::request& req, std::size_t def, std::size_t max) {
  for (const auto& [k, v] : req.query) {
    if (k != "limit") continue;
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < 1 || n > max)
      throw aws_error::validation("limit must be a whole number from 1 to " + std::to_string(max) + ", got '" + v +
                                  "'");
    return n;
  }
  return def;
}

void only_params(const edge::request& req, std::initializer_list<std::string_view> known) {
  for (const auto& [k, v] : req.query) {
    bool ok = false;
    std::string names;
    for (auto n : known) {
      ok = ok || k == n;
      names += (names.empty() ? "" : ", ") + std::string(n);
    }
    if (!ok)
      throw aws_error::validation("unknown query parameter '" + k + "'" +
                                  (names.empty() ? " (this route takes none)" : " (known: " + names + ")"));
  }
}

// The part of `path` between `prefix` and `suffix`, or "" when it is not of that shape.
std::string middle(const std::string& path, std::string_view prefix, std::string_view suffix) {
  if (path.size() <= prefix.size() + suffix.size() || !path.starts_with(prefix) || !path.ends_with(suffix)) return "";
  std::string name = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  return name.find('/') == std::string::npos ? name : "";
}

// Without an icon of its own, a browser asks serve for /favicon.ico and logs its 404.
constexpr std::string_view favicon_svg =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6feb"/>)"
    R"(<path d="M4 4h5a2 2 0 0 1 0 4H4zm0 4h6a2 2 0 0 1 0 4H4z" fill="#fff"/></svg>)";

edge::response asset(std::string_view body, const char* type) {
  edge::response r;
  r.content_type = type;
  r.body = std::string(body);
  // The page runs only its own script and loads only from serve; nothing may frame it.
  r.headers = {{"Content-Security-Policy",
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
               {"X-Content-Type-Options", "nosniff"},
               {"Cache-Control", "no-cache"}};
  return r;
}

edge::response json_answer(const json& body) {
  edge::response r;
  r.body = dump_lossy(body);
  return r;
}

void add_ui(edge::router& router) {
  router.add_admin("GET", "/_emu/ui", [](const edge::request&) {
    edge::response r;
    r.status = 308;
    r.content_type = "text/plain; charset=utf-8";
    r.headers = {{"Location", "/_emu/ui/"}};
    r.body = "The dashboard is at /_emu/ui/\n";
    return r;
  });
  router.add_admin("GET", "/_emu/ui/*", [](const edge::request& req) {
    std::string file = req.path.substr(std::string_view("/_emu/ui/").size());
    if (file.empty() || file == "index.html") return asset(ui_index_html, "text/html; charset=utf-8");
    if (file == "app.js") return asset(ui_app_js, "text/javascript; charset=utf-8");
    if (file == "style.css") return asset(ui_style_css, "text/css; charset=utf-8");
    if (file == "favicon.svg") return asset(favicon_svg, "image/svg+xml");
    throw aws_error::resource_not_found("The dashboard has no file " + file);
  });
}

void add_flows(edge::router& router, const std::function<system::instance&()>& current) {
  router.add_admin("GET", "/_emu/flows", [current](const edge::request& req) {
    only_params(req, {"limit"});
    std::size_t limit = limit_param(req, 50, max_flows_page);
    observe::flow_tracker tracker(limit);
    json flows = json::array();
    for (const auto& f : tracker.update(current().runtime_of().trace(), limit)) flows.push_back(to_json(f));
    return json_answer({{"flows", flows}});
  });
  // Each frame: `event: flow` with one flow's JSON per flow changed since the last frame, then
  // `event: tick` with the trace's last seq (a page refreshes its other views on it).
  router.add_admin("GET", "/_emu/flows/stream", [current](const edge::request& req) {
    only_params(req, {});
    auto tracker = std::make_shared<observe::flow_tracker>();
    edge::response r;
    r.content_type = "text/event-stream";
    r.stream = [current, tracker] {
      const trace_recorder& trace = current().runtime_of().trace();
      auto changed = tracker->update(trace, flows_per_frame);
      if (changed.empty()) return std::string();
      std::string out;
      // Oldest change first, so a page that prepends each flow ends with the newest on top.
      for (auto it = changed.rbegin(); it != changed.rend(); ++it)
        out += "event: flow\ndata: " + dump_lossy(to_json(*it)) + "\n\n";
      out += "event: tick\ndata: {\"last_seq\":" + std::to_string(trace.last_seq()) + "}\n\n";
      return out;
    };
    return r;
  });
}

void add_queues(edge::router& router, const std::function<system::instance&()>& current) {
  router.add_admin("GET", "/_emu/queues", [current](const edge::request& req) {
    only_params(req, {});
    return json_answer({{"queues", current().sqs().inspect()}});
  });
  router.add_admin("GET", "/_emu/queues/*", [current](const edge::request& req) {
    std::string name = middle(req.path, "/_emu/queues/", "/messages");
    if (name.empty())
      throw aws_error::resource_not_found("no such admin resource: " + req.path +
                                          " (a queue's messages are /_emu/queues/{name}/messages)");
    only_params(req, {"limit"});
    return json_answer(current().sqs().peek(name, limit_param(req, 10, max_peek)));
  });
}

// A key value typed as the table declares it: the text of a number is the number.
json typed(const std::string& type, const std::string& value) { return {{type, value}}; }

void add_tables(edge::router& router, const std::function<system::instance&()>& current) {
  router.add_admin("GET", "/_emu/tables", [current](const edge::request& req) {
    only_params(req, {});
    dynamo::service& db = current().dynamo();
    json tables = json::array();
    for (const auto& name : db.table_names()) {
      json t = db.describe_table({{"TableName", name}})["Table"];
      json indexes = json::array();
      for (const char* kind : {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"})
        if (t.contains(kind))
          for (const auto& ix : t[kind])
            indexes.push_back({{"name", ix["IndexName"]}, {"key_schema", ix["KeySchema"]}});
      tables.push_back({{"name", name},
                        {"item_count", t.value("ItemCount", 0)},
                        {"key_schema", t["KeySchema"]},
                        {"attribute_definitions", t["AttributeDefinitions"]},
                        {"indexes", indexes}});
    }
    return json_answer({{"tables", tables}});
  });
  router.add_admin("GET", "/_emu/tables/*", [current](const edge::request& req) {
    std::string name = middle(req.path, "/_emu/tables/", "/items");
    if (name.empty())
      throw aws_error::resource_not_found("no such admin resource: " + req.path +
                                          " (a table's items are /_emu/tables/{name}/items)");
    only_params(req, {"key", "sort", "limit", "start"});
    std::size_t limit = limit_param(req, 25, max_items_page);
    std::optional<std::string> key, sort, start;
    for (const auto& [k, v] : req.query) {
      if (k == "key") key = v;
      if (k == "sort") sort = v;
      if (k == "start") start = v;
    }
    if (sort && !key) throw aws_error::validation("sort needs key: a sort key value narrows a query by partition key");
    dynamo::service& db = current().dynamo();
    json t = db.describe_table({{"TableName", name}})["Table"];
    json request = {{"TableName", name}, {"Limit", limit}};
    if (start) {
      json k = json::parse(*start, nullptr, false);
      if (!k.is_object()) throw aws_error::validation("start must be a LastEvaluatedKey as answered (a JSON object)");
      request["ExclusiveStartKey"] = k;
    }
    std::string hash, range;
    for (const auto& e : t["KeySchema"]) (e["KeyType"] == "HASH" ? hash : range) = e["AttributeName"];
    auto type_of = [&](const std::string& attr) {
      for (const auto& d : t["AttributeDefinitions"])
        if (d["AttributeName"] == attr) return d["AttributeType"].get<std::string>();
      return std::string("S");
    };
    json page;
    if (key) {
      if (sort && range.empty()) throw aws_error::validation("Table " + name + " has no sort key");
      request["KeyConditionExpression"] = sort ? "#k = :k AND #s = :s" : "#k = :k";
      request["ExpressionAttributeNames"] = {{"#k", hash}};
      request["ExpressionAttributeValues"] = {{":k", typed(type_of(hash), *key)}};
      if (sort) {
        request["ExpressionAttributeNames"]["#s"] = range;
        request["ExpressionAttributeValues"][":s"] = typed(type_of(range), *sort);
      }
      page = db.query(request);
    } else {
      page = db.scan(request);
    }
    json out = {{"table", name},
                {"operation", key ? "Query" : "Scan"},
                {"key_schema", t["KeySchema"]},
                {"items", page.value("Items", json::array())},
                {"count", page.value("Count", 0)}};
    if (page.contains("LastEvaluatedKey")) out["last_evaluated_key"] = dump_lossy(page["LastEvaluatedKey"]);
    return json_answer(out);
  });
}

}  // namespace

void add_dashboard_routes(edge::router& router, std::function<system::instance&()> current) {
  add_ui(router);
  add_flows(router, current);
  add_queues(router, current);
  add_tables(router, current);
}

}  // namespace emu::app
