#include "emulator/outbox_routes.h"

#include "emulator/core/error.h"
#include "emulator/core/event.h"

namespace emu {

void add_outbox_endpoints(edge::router& router, bellyfed::instance& system, const std::vector<std::string>& stages) {
  for (const auto& stage : stages) {
    if (!system.has_outbox(stage)) continue;
    std::string prefix = "/_emu/" + stage + "/actions/";
    router.add_admin("POST", prefix + "*", [&system, stage, prefix](const edge::request& req) {
      std::string name = req.path.substr(prefix.size());
      std::string type = req.header("content-type");
      json input;
      if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
        input = json::object();
        for (const auto& [k, v] : edge::parse_form(req.body)) input[k] = v;
      } else if (type.rfind("multipart/form-data", 0) == 0) {
        input = json::object();
        for (const auto& [k, v] : req.form_parts) {
          if (k.rfind("file:", 0) == 0) throw aws_error::validation(k.substr(5) + ": server actions take no file uploads");
          input[k] = v;
        }
      } else {
        input = req.body.empty() ? json::object() : edge::parse_json_body(req.body);
      }
      edge::response r;
      r.body = system.action(stage, name, input, trace_root(req.header("x-amzn-trace-id"))).dump();
      return r;
    });
  }
  router.add_admin("GET", "/_emu/outbox", [&system, stages](const edge::request& req) {
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
    for (std::size_t i = all.size() > limit ? all.size() - limit : 0; i < all.size(); ++i) events.push_back(all[i].to_json());
    edge::response r;
    r.body = json{{"stage", stage}, {"metrics", system.outbox_metrics()[stage]}, {"events", events}}.dump();
    return r;
  });
}

}  // namespace emu
