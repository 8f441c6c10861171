#include "emulator/app/admin_routes.h"

#include <algorithm>
#include <utility>

#include "emulator/app/prometheus_page.h"
#include "emulator/core/error.h"
#include "emulator/core/event.h"
#include "emulator/core/time_format.h"
#include "emulator/observe/diagram.h"

namespace emu::app {
namespace {

void add_outbox_routes(edge::router& router, const std::function<system::instance&()>& current,
                       const std::vector<std::string>& stages) {
  for (const auto& stage : stages) {
    if (!current().has_outbox(stage)) continue;
    std::string prefix = "/_emu/" + stage + "/actions/";
    router.add_admin("POST", prefix + "*", [current, stage, prefix](const edge::request& req) {
      system::instance& system = current();
      std::string name = req.path.substr(prefix.size());
      std::string type = req.header("content-type");
      json input;
      if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
        input = json::object();
        for (const auto& [k, v] : edge::parse_form(req.body)) input[k] = v;
      } else if (type.rfind("multipart/form-data", 0) == 0) {
        input = json::object();
        for (const auto& [k, v] : req.form_parts) {
          if (k.rfind("file:", 0) == 0)
            throw aws_error::validation(k.substr(5) + ": server actions take no file uploads");
          input[k] = v;
        }
      } else {
        input = req.body.empty() ? json::object() : edge::parse_json_body(req.body);
      }
      edge::response r;
      r.body = dump_lossy(system.action(stage, name, input, trace_root(req.header("x-amzn-trace-id"))));
      return r;
    });
  }
  router.add_admin("GET", "/_emu/outbox", [current, stages](const edge::request& req) {
    system::instance& system = current();
    std::string stage = stages.front();
    std::size_t limit = 100;
    for (const auto& [k, v] : req.query) {
      if (k == "stage") stage = v;
      if (k == "limit") {
        try {
          limit = std::stoul(v);
        } catch (...) {
          throw aws_error::validation("limit must be a whole number");
        }
      }
    }
    if (!system.has_outbox(stage)) throw aws_error::resource_not_found("Stage " + stage + " has no outbox");
    json events = json::array();
    auto all = system.outbox_store(stage).events();
    for (std::size_t i = all.size() > limit ? all.size() - limit : 0; i < all.size(); ++i)
      events.push_back(all[i].to_json());
    edge::response r;
    r.body = dump_lossy(json{{"stage", stage}, {"metrics", system.outbox_metrics()[stage]}, {"events", events}});
    return r;
  });
}

}  // namespace

void add_system_routes(edge::router& router, std::function<system::instance&()> current,
                       const std::vector<std::string>& stages) {
  router.add_admin("GET", "/_emu/events", [current, stages](const edge::request& req) {
    system::instance& system = current();
    std::string bus = "default";
    for (const auto& [k, v] : req.query)
      if (k == "bus") bus = v;
    // A stage-less name, as scenarios write it, means the first served stage's.
    if (!system.bus().has_bus(bus) && system.bus().has_bus(resource_name(bus, stages.front())))
      bus = resource_name(bus, stages.front());
    if (!system.bus().has_bus(bus)) throw aws_error::resource_not_found("Event bus " + bus + " does not exist.");
    // Written event by event, not as one document of up to 10,000 copied envelopes.
    edge::response r;
    r.body = "{\"bus\":" + dump_lossy(json(bus)) + ",\"events\":[";
    bool first = true;
    for (const auto& e : system.bus().events(bus)) {
      if (!std::exchange(first, false)) r.body += ',';
      r.body += dump_lossy(*e.event->peek());
    }
    r.body += "]}";
    return r;
  });
  router.add_admin("GET", "/_emu/logs", [current, stages](const edge::request& req) {
    system::instance& system = current();
    std::string fn, access;
    for (const auto& [k, v] : req.query) {
      if (k == "function") fn = v;
      if (k == "access") access = v;
    }
    edge::response r;
    if (!access.empty()) {
      if (std::find(stages.begin(), stages.end(), access) == stages.end())
        throw aws_error::resource_not_found("Stage " + access + " is not served");
      json lines = json::array();
      for (const auto& l : system.gateway().access_log(access))
        lines.push_back({{"timestamp", iso8601_ms(l.at)}, {"message", l.line}});
      r.body =
          dump_lossy(json{{"logGroupName", "API-Gateway-Access-Logs_" + system.gateway().api_id(access) + "/" + access},
                          {"events", lines}});
      return r;
    }
    if (fn.empty()) {
      r.body = dump_lossy(json{{"functions", system.functions().names()}, {"access", stages}});
      return r;
    }
    if (!system.functions().has(fn) && system.functions().has(resource_name(fn, stages.front())))
      fn = resource_name(fn, stages.front());
    if (!system.functions().has(fn)) throw aws_error::resource_not_found("Function not found: " + fn);
    json lines = json::array();
    for (const auto& l : system.functions().logs(fn))
      lines.push_back({{"timestamp", iso8601_ms(l.at)}, {"request_id", l.request_id}, {"message", l.message}});
    r.body = dump_lossy(json{{"logGroupName", "/aws/lambda/" + fn}, {"events", lines}});
    return r;
  });
  router.add_admin("GET", "/_emu/metrics", [current](const edge::request&) {
    system::instance& system = current();
    edge::response r;
    r.body = dump_lossy(json{{"buses", system.bus().metrics()},
                             {"queues", system.sqs().metrics()},
                             {"gateway", system.gateway().metrics()},
                             {"outbox", system.outbox_metrics()}});
    return r;
  });
  // A trace as a sequence diagram: /_emu/traces/{trace_id}/diagram?format=mermaid|svg.
  router.add_admin("GET", "/_emu/traces/*", [current, stages](const edge::request& req) {
    const std::string prefix = "/_emu/traces/", suffix = "/diagram";
    std::string rest = req.path.substr(prefix.size());
    if (rest.size() <= suffix.size() || rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) != 0)
      throw aws_error::resource_not_found("no such admin resource: " + req.path +
                                          " (a trace's diagram is /_emu/traces/{trace_id}/diagram)");
    std::string trace_id = rest.substr(0, rest.size() - suffix.size());
    std::string format = "mermaid";
    for (const auto& [k, v] : req.query) {
      if (k != "format") throw aws_error::validation("unknown query parameter '" + k + "' (known: format)");
      format = v;
    }
    if (format != "mermaid" && format != "svg")
      throw aws_error::validation("format must be mermaid or svg, got '" + format + "'");
    system::instance& system = current();
    json entries = json::array();
    for (const auto& e : system.runtime_of().trace().related(trace_id)) entries.push_back(to_json(e));
    if (entries.empty())
      throw aws_error::resource_not_found("no trace entry has trace id '" + trace_id +
                                          "' (the trace keeps the newest entries only; see --trace-capacity)");
    observe::diagram d = observe::build_diagram(entries, trace_id, observe::names_for(system.definition(), stages));
    edge::response r;
    r.content_type = format == "svg" ? "image/svg+xml" : "text/plain; charset=utf-8";
    r.body = format == "svg" ? observe::to_svg(d) : observe::to_mermaid(d);
    return r;
  });
  add_outbox_routes(router, current, stages);
  add_prometheus_route(router, current);
}

}  // namespace emu::app
