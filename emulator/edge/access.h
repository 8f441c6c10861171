// Who may talk to `serve`: a browser on the same machine must not be able to drive it.
//
// Binding to loopback stops other machines, not other web pages: any page a developer opens
// can send a `text/plain` or form POST to 127.0.0.1 without a preflight, and a page on a name
// that resolves to 127.0.0.1 (DNS rebinding) can even read the answers. So:
// - the `Host` header must name loopback (localhost, *.localhost, 127.x.y.z, [::1]) or the
//   address given to --host (any host when --host is a wildcard address, which the user chose);
// - a request that carries an `Origin` (or, without one, a `Referer`) from another site is
//   refused on the AWS APIs, the Server Actions and the admin endpoints. Loopback origins, the
//   gateway's CORS origins and --allow-origin values are allowed; clients that send neither
//   header (SDKs, the CLI, curl) are not affected. The API Gateway stages keep API Gateway's
//   behaviour: any origin may call them and CORS headers say who may read the answer.
// Allowed origins get CORS answers on the AWS APIs (preflights included), so browser SDK calls
// from the front end work.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/edge/message.h"

namespace emu::edge {

struct access_policy {
  bool any_host = false;             // --host is 0.0.0.0 or ::
  std::vector<std::string> hosts;    // names besides loopback that Host may carry (no port)
  std::vector<std::string> origins;  // exact origins besides loopback ones; "*" allows every origin
};

// The host part of a Host header value ("[::1]:4566" → "::1", "Example.com:80" → "example.com").
std::string host_name(const std::string& host_header);
bool is_loopback_name(const std::string& host);
// Whether `origin` is a web origin as browsers send it: http(s)://host[:port], nothing after.
bool is_origin(const std::string& origin);
bool host_allowed(const access_policy& p, const std::string& host_header);
bool origin_allowed(const access_policy& p, const std::string& origin);

// The refusal for a request that fails the policy (403), or nothing. `cross_site_checked`
// says whether its path is one where Origin is checked (not an API Gateway stage).
std::optional<response> refuse(const access_policy& p, const request& req, bool cross_site_checked);
// A CORS preflight (OPTIONS with Access-Control-Request-Method) from an allowed origin: the answer.
std::optional<response> preflight(const access_policy& p, const request& req);
// Adds the CORS headers to an answer for an allowed origin.
void add_cors(const access_policy& p, const request& req, response& res);

}  // namespace emu::edge
