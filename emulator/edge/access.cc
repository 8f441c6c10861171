#include "emulator/edge/access.h"

#include <algorithm>
#include <cctype>

#include "emulator/core/json.h"

namespace emu::edge {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

bool is_ipv4_loopback(const std::string& h) {
  // 127.0.0.0/8 written as four decimal parts.
  int parts = 0, value = -1;
  for (std::size_t i = 0; i <= h.size(); ++i) {
    if (i == h.size() || h[i] == '.') {
      if (value < 0 || value > 255) return false;
      if (parts == 0 && value != 127) return false;
      ++parts;
      value = -1;
    } else if (std::isdigit(static_cast<unsigned char>(h[i]))) {
      value = (value < 0 ? 0 : value * 10) + (h[i] - '0');
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return parts == 4;
}

// "scheme://host[:port]" → host, lower-case; "" if it is not such an origin.
std::string origin_host(const std::string& origin) {
  auto sep = origin.find("://");
  if (sep == std::string::npos) return "";
  std::string scheme = lower(origin.substr(0, sep));
  if (scheme != "http" && scheme != "https") return "";
  std::string rest = origin.substr(sep + 3);
  if (rest.find_first_of("/?#@") != std::string::npos) return "";
  return host_name(rest);
}

// The origin of a Referer URL: scheme://authority.
std::string referer_origin(const std::string& referer) {
  auto sep = referer.find("://");
  if (sep == std::string::npos) return referer;
  auto end = referer.find_first_of("/?#", sep + 3);
  return end == std::string::npos ? referer : referer.substr(0, end);
}

response forbidden(const std::string& message) {
  response r;
  r.status = 403;
  r.body = dump_lossy(json{{"__type", "AccessDeniedException"}, {"message", message}});
  return r;
}

}  // namespace

std::string host_name(const std::string& host_header) {
  std::string h = lower(host_header);
  if (!h.empty() && h[0] == '[') {
    auto close = h.find(']');
    return close == std::string::npos ? h : h.substr(1, close - 1);
  }
  if (std::count(h.begin(), h.end(), ':') == 1) h = h.substr(0, h.find(':'));
  if (!h.empty() && h.back() == '.') h.pop_back();  // "localhost." is localhost
  return h;
}

bool is_loopback_name(const std::string& host) {
  return host == "localhost" || host.ends_with(".localhost") || host == "::1" || is_ipv4_loopback(host);
}

bool is_origin(const std::string& origin) { return !origin_host(origin).empty(); }

bool host_allowed(const access_policy& p, const std::string& host_header) {
  if (p.any_host || host_header.empty()) return true;  // HTTP/1.0 clients may send none
  std::string h = host_name(host_header);
  return is_loopback_name(h) || std::find(p.hosts.begin(), p.hosts.end(), h) != p.hosts.end();
}

bool origin_allowed(const access_policy& p, const std::string& origin) {
  if (std::find(p.origins.begin(), p.origins.end(), "*") != p.origins.end()) return true;
  if (std::find(p.origins.begin(), p.origins.end(), origin) != p.origins.end()) return true;
  std::string h = origin_host(origin);
  return !h.empty() && is_loopback_name(h);
}

std::optional<response> refuse(const access_policy& p, const request& req, bool cross_site_checked) {
  if (!host_allowed(p, req.header("host")))
    return forbidden("Host '" + req.header("host") +
                     "' is not served here: bellyfed-emu answers requests for loopback names "
                     "(localhost, 127.0.0.1, [::1]) and for the address given to --host");
  if (!cross_site_checked) return std::nullopt;
  std::string origin = req.header("origin");
  if (origin.empty() && !req.header("referer").empty()) origin = referer_origin(req.header("referer"));
  if (origin.empty() || origin_allowed(p, origin)) return std::nullopt;
  return forbidden("Origin '" + origin +
                   "' may not call this endpoint: a web page on another site cannot drive the emulator. Allowed "
                   "are loopback origins, the gateway's CORS origins and those given with serve --allow-origin");
}

std::optional<response> preflight(const access_policy& p, const request& req) {
  if (req.method != "OPTIONS" || req.header("access-control-request-method").empty()) return std::nullopt;
  std::string origin = req.header("origin");
  if (origin.empty() || !origin_allowed(p, origin)) return std::nullopt;
  response r;
  r.status = 200;
  r.content_type = "text/plain";
  add_cors(p, req, r);
  r.headers.emplace_back("Access-Control-Allow-Methods", "HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH");
  if (auto asked = req.header("access-control-request-headers"); !asked.empty())
    r.headers.emplace_back("Access-Control-Allow-Headers", asked);
  r.headers.emplace_back("Access-Control-Max-Age", "600");
  return r;
}

void add_cors(const access_policy& p, const request& req, response& res) {
  std::string origin = req.header("origin");
  if (origin.empty() || !origin_allowed(p, origin)) return;
  res.headers.emplace_back("Access-Control-Allow-Origin", origin);
  res.headers.emplace_back("Vary", "Origin");
  res.headers.emplace_back("Access-Control-Expose-Headers",
                           "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,x-amzn-query-error,Date");
}

}  // namespace emu::edge
