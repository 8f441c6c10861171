// The HTTP router with the whole BellyFed system behind it: every AWS API (JSON and the SQS
// query protocol's decoder), the API Gateway stage, the admin endpoints (those that drive serve
// too: reset, fixtures, faults, steps, checks) and Server Actions.
// Input: "METHOD TARGET\n", header lines "Name: value\n", an empty line, the body. Every
// request must get an answer (any status); nothing may throw out of the router.
#include <cstdint>
#include <memory>
#include <string>

#include "emulator/app/admin_routes.h"
#include "emulator/app/drive.h"
#include "emulator/core/runtime.h"
#include "emulator/core/time_format.h"
#include "emulator/edge/admin.h"
#include "emulator/edge/router.h"
#include "emulator/system/definition.h"
#include "emulator/system/instance.h"

namespace {

struct world {
  emu::system_def def = emu::system::load("");
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 0, emu::log_level::off, nullptr);
  std::unique_ptr<emu::app::served_system> sys =
      std::make_unique<emu::app::served_system>(*rt, def, emu::app::served_options{{"dev"}, "", {}, 262144, 0});
  emu::edge::router router{*rt, {"dev"}};
  world() {
    auto current = [this]() -> emu::system::instance& { return sys->get(); };
    sys->get().add_apis_to(router, current);
    emu::app::add_system_routes(router, current, {"dev"});
    sys->add_routes(router);
    emu::edge::add_admin_endpoints(router, *rt, {"fuzz", {"dev"}, {}, {}});
    router.set_stage_handler([this](const emu::edge::request& req) {
      emu::gateway::http_request g{req.method, req.path, req.query, req.header_list, req.body, req.remote_addr};
      auto out = sys->get().gateway().handle(g);
      emu::edge::response r;
      r.status = out.status;
      r.body = std::move(out.body);
      return r;
    });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A fresh system now and then, so state built by earlier inputs stays small.
  static std::unique_ptr<world> w;
  static std::size_t runs = 0;
  if (!w || ++runs % 2000 == 0) w = std::make_unique<world>();
  std::string in(reinterpret_cast<const char*>(data), size);
  emu::edge::request req;
  std::size_t line_end = in.find('\n');
  std::string first = in.substr(0, line_end);
  auto space = first.find(' ');
  req.method = first.substr(0, space);
  std::string target = space == std::string::npos ? "/" : first.substr(space + 1);
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (req.path.empty() || req.path[0] != '/') req.path = "/" + req.path;
  if (q != std::string::npos) req.query = emu::edge::parse_form(target.substr(q + 1));
  std::size_t pos = line_end == std::string::npos ? in.size() : line_end + 1;
  while (pos < in.size()) {
    std::size_t end = in.find('\n', pos);
    if (end == std::string::npos) end = in.size();
    std::string line = in.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    req.header_list.emplace_back(name, value);
    for (auto& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = value;
  }
  if (pos < in.size()) req.body = in.substr(pos);
  // Moving virtual time through the admin API runs every task due on the way (up to 366 days of
  // them, by design): a rule firing each minute makes that a long input, not a finding.
  if (req.path.rfind("/_emu/", 0) == 0 &&
      (req.body.find("advance") != std::string::npos || req.body.find("settle") != std::string::npos ||
       req.body.find("within") != std::string::npos || req.body.find("set") != std::string::npos))
    return 0;
  // As serve does before the world lock: the body parsed and the operation's prepare step run
  // (for every other input, so that the router's own parse is fuzzed too).
  if (!req.body.empty() && req.headers.count("x-amz-target") && in.size() % 2 == 0) {
    try {
      req.parsed_json = emu::edge::parse_json_body(req.body);
    } catch (const std::exception&) {}
    w->router.prepare(req);
  }
  auto res = w->router.handle(req);
  (void)res;
  // Work the request scheduled (deliveries, mappings) runs too, in virtual time.
  w->rt->sched().run_until_idle();
  return 0;
}
