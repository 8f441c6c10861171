#include "emulator/edge/admin.h"

#include <charconv>
#include <utility>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"

namespace emu::edge {
namespace {

response ok(const json& body) {
  response r;
  r.body = dump_lossy(body);
  return r;
}

std::uint64_t uint_param(const request& req, const std::string& name, std::uint64_t def) {
  for (const auto& [k, v] : req.query) {
    if (k != name) continue;
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size())
      throw aws_error::validation("query parameter " + name + " must be a non-negative integer, got '" + v + "'");
    return n;
  }
  return def;
}

}  // namespace

void add_admin_endpoints(router& r, runtime& rt, admin_info info) {
  r.add_admin("GET", "/_emu/health", [info](const request&) {
    return ok(
        {{"status", "ok"}, {"version", info.version}, {"stages", info.stages}, {"not_emulated", info.not_emulated}});
  });
  r.add_admin("GET", "/_emu/stages", [info](const request&) { return ok({{"stages", info.stages}}); });
  r.add_admin("GET", "/_emu/traces", [&rt](const request& req) {
    std::uint64_t since = uint_param(req, "since", 0);
    std::uint64_t limit = uint_param(req, "limit", 1000);
    // Written entry by entry: a document of 10,000 entries and its copies held hundreds of MB.
    response out;
    out.body = "{\"last_seq\":" + std::to_string(rt.trace().last_seq()) + ",\"traces\":[";
    bool first = true;
    for (const auto& e : rt.trace().since(since, limit)) {
      if (!std::exchange(first, false)) out.body += ',';
      out.body += dump_lossy(to_json(e));
    }
    out.body += "]}";
    return out;
  });
  r.add_admin("GET", "/_emu/clock", [&rt](const request&) {
    return ok({{"now", iso8601_ms(rt.clock().now())},
               {"virtual", rt.clock().is_virtual()},
               {"pending_tasks", rt.sched().pending()}});
  });
}

}  // namespace emu::edge
