#include <catch2/catch.hpp>

#include "emulator/edge/access.h"

using namespace emu::edge;

TEST_CASE("host names: ports, brackets, case and a trailing dot are not part of the name", "[edge][access]") {
  CHECK(host_name("LocalHost:4566") == "localhost");
  CHECK(host_name("[::1]:4566") == "::1");
  CHECK(host_name("::1") == "::1");
  CHECK(host_name("localhost.") == "localhost");
  CHECK(host_name("example.com") == "example.com");
}

TEST_CASE("loopback names are localhost, *.localhost, 127/8 and ::1 — nothing that only starts like them",
          "[edge][access]") {
  for (const char* h : {"localhost", "app.localhost", "127.0.0.1", "127.255.0.9", "::1"}) CHECK(is_loopback_name(h));
  for (const char* h : {"localhost.evil.example", "127.0.0.1.evil.example", "1270.0.0.1", "127.0.0.256", "127.0.0",
                        "128.0.0.1", "0.0.0.0", "evillocalhost", ""})
    CHECK_FALSE(is_loopback_name(h));
}

TEST_CASE("Host must be loopback or --host's; any when --host is a wildcard", "[edge][access]") {
  access_policy p;
  p.hosts = {"192.168.1.5"};
  CHECK(host_allowed(p, "localhost:4566"));
  CHECK(host_allowed(p, "192.168.1.5:4566"));
  CHECK(host_allowed(p, ""));  // HTTP/1.0
  CHECK_FALSE(host_allowed(p, "rebound.example:4566"));
  p.any_host = true;
  CHECK(host_allowed(p, "rebound.example:4566"));
}

TEST_CASE("origins: loopback ones, listed ones, * — never a look-alike", "[edge][access]") {
  access_policy p;
  p.origins = {"https://app.example.com"};
  CHECK(origin_allowed(p, "http://localhost:3000"));
  CHECK(origin_allowed(p, "https://127.0.0.1"));
  CHECK(origin_allowed(p, "http://[::1]:8080"));
  CHECK(origin_allowed(p, "https://app.example.com"));
  CHECK_FALSE(origin_allowed(p, "https://app.example.com.evil.example"));
  CHECK_FALSE(origin_allowed(p, "http://localhost.evil.example"));
  CHECK_FALSE(origin_allowed(p, "null"));
  CHECK_FALSE(origin_allowed(p, "file://"));
  CHECK_FALSE(origin_allowed(p, "http://user@localhost"));
  p.origins.push_back("*");
  CHECK(origin_allowed(p, "https://anything.example"));
}

TEST_CASE("refusals: Host first, then Origin or Referer where cross-site calls are checked", "[edge][access]") {
  access_policy p;
  request r;
  r.headers["host"] = "127.0.0.1:4566";
  CHECK_FALSE(refuse(p, r, true));
  r.headers["referer"] = "https://evil.example/a/b?c";
  auto no = refuse(p, r, true);
  REQUIRE(no);
  CHECK(no->status == 403);
  CHECK(no->body.find("'https://evil.example'") != std::string::npos);
  CHECK_FALSE(refuse(p, r, false));               // a gateway stage
  r.headers["origin"] = "http://localhost:3000";  // Origin wins over Referer
  CHECK_FALSE(refuse(p, r, true));
  r.headers["host"] = "evil.example";
  REQUIRE(refuse(p, r, false));
}

TEST_CASE("preflights and CORS answers only for allowed origins", "[edge][access]") {
  access_policy p;
  request r;
  r.method = "OPTIONS";
  r.headers["origin"] = "http://localhost:3000";
  r.headers["access-control-request-method"] = "POST";
  r.headers["access-control-request-headers"] = "x-amz-target";
  auto pre = preflight(p, r);
  REQUIRE(pre);
  CHECK(pre->status == 200);
  r.headers["origin"] = "http://evil.example";
  CHECK_FALSE(preflight(p, r));
  response res;
  add_cors(p, r, res);
  CHECK(res.headers.empty());
}
