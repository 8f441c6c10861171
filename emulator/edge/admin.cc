#include "emulator/edge/admin.h"

#include <algorithm>
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

std::string text_param(const request& req, const std::string& name) {
  for (const auto& [k, v] : req.query)
    if (k == name) return v;
  return "";
}

// /_emu/traces answers at most this many entries at once (page with since=).
constexpr std::uint64_t max_trace_page = 10'000;

}  // namespace

void add_admin_endpoints(router& r, runtime& rt, admin_info info) {
  r.add_admin("GET", "/_emu/health", [info](const request&) {
    if (info.ready && !info.ready()) {
      response r503 = ok({{"status", "starting"}, {"version", info.version}});
      r503.status = 503;
      return r503;
    }
    return ok(
        {{"status", "ok"}, {"version", info.version}, {"stages", info.stages}, {"not_emulated", info.not_emulated}});
  });
  r.add_admin("GET", "/_emu/stages", [info](const request&) { return ok({{"stages", info.stages}}); });
  r.add_admin("GET", "/_emu/traces", [&rt](const request& req) {
    static const char* const known[] = {"since", "limit", "trace_id", "kind", "order"};
    for (const auto& [k, v] : req.query)
      if (std::none_of(std::begin(known), std::end(known), [&k = k](const char* x) { return k == x; }))
        throw aws_error::validation("unknown query parameter '" + k +
                                    "' (known: since, limit, trace_id, kind, order=oldest|newest)");
    std::uint64_t since = uint_param(req, "since", 0);
    std::uint64_t limit = uint_param(req, "limit", 1000);
    if (limit > max_trace_page) throw aws_error::validation("limit must be at most " + std::to_string(max_trace_page));
    std::string trace_id = text_param(req, "trace_id"), kind = text_param(req, "kind");
    std::string order = text_param(req, "order");
    if (!order.empty() && order != "oldest" && order != "newest")
      throw aws_error::validation("order must be oldest or newest, got '" + order + "'");
    // Written entry by entry from the ring itself: no copy of it, no document of all entries.
    response out;
    out.body = "{\"capacity\":" + std::to_string(rt.trace().capacity()) +
               ",\"dropped\":" + std::to_string(rt.trace().dropped()) +
               ",\"last_seq\":" + std::to_string(rt.trace().last_seq()) + ",\"traces\":[";
    std::uint64_t n = 0;
    rt.trace().visit(since, order == "newest", [&](const trace_entry& e) {
      if (n >= limit) return false;
      if ((!trace_id.empty() && e.trace_id != trace_id) || (!kind.empty() && e.kind != kind)) return true;
      if (n++) out.body += ',';
      append_json(out.body, e);
      return true;
    });
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
