// The API Gateway in process, against a small system definition and a scripted integration:
// routing and {proxy+}, the proxy event's nulls and multi-values, keys (disabled, wrong stage),
// quotas per period, token buckets, request size, malformed proxy responses (502), a chain
// with no reply (504), and random requests that must never crash it.
#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/gateway/gateway.h"

using emu::json;

namespace {

const char* const system_yaml = R"(
version: 1
name: gw
stages: [dev, prod]
functions:
  - {name: Api, builtin: echo}
gateway:
  routes:
    - {method: GET, path: /items, function: Api, event_type: LIST}
    - {method: POST, path: /items, function: Api, event_type: CREATE}
    - {method: ANY, path: "/files/{proxy+}", function: Api, event_type: FILE}
    - {method: GET, path: /open, function: Api, event_type: OPEN, api_key_required: false}
  usage_plans:
    - {name: small, stages: [dev], rate: 2, burst: 3, quota: {limit: 5, period: DAY}}
    - {name: weekly, stages: [dev], rate: 100, burst: 100, quota: {limit: 2, period: WEEK}}
  api_keys:
    - {name: a, value: key-a-0123456789abcdef, plan: small}
    - {name: off, value: key-off-0123456789abcdef, plan: small, enabled: false}
    - {name: w, value: key-w-0123456789abcdef, plan: weekly}
  max_body_bytes: 100
)";

struct fixture {
  explicit fixture(const std::string& yaml = system_yaml) : sys(emu::load_system_def(yaml, "gw.yaml")) {}
  emu::system_def sys;
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-04T10:00:00Z"), 1, emu::log_level::off, nullptr);
  std::vector<json> events;
  std::function<json(const json&)> answer = [](const json&) {
    return json{{"statusCode", 200},
                {"headers", {{"X-One", "1"}}},
                {"multiValueHeaders", {{"Set-Cookie", {"a=1", "b=2"}}}},
                {"body", "ok"}};
  };
  emu::gateway::service gw{*rt,
                           sys,
                           {"dev", "prod"},
                           [this](const std::string& fn, emu::shared_json event, const std::string&, std::uint64_t&) {
                             const json& e = *event;
                             CHECK(fn == "Api-" + e["requestContext"]["stage"].get<std::string>());
                             events.push_back(e);
                             return emu::share(answer(e));
                           }};
  emu::gateway::http_response get(const std::string& path, const std::string& key = "key-a-0123456789abcdef",
                                  const std::string& method = "GET") {
    emu::gateway::http_request r;
    r.method = method;
    r.path = path;
    if (!key.empty()) r.headers.push_back({"X-Api-Key", key});
    return gw.handle(r);
  }
};

json body(const emu::gateway::http_response& r) { return json::parse(r.body); }

}  // namespace

TEST_CASE("gateway: routes, {proxy+} and the proxy event's shape", "[gateway]") {
  fixture f;
  emu::gateway::http_request r;
  r.method = "GET";
  r.path = "/dev/items";
  r.query = {{"a", "1"}, {"a", "2"}, {"b", "x"}};
  r.headers = {{"X-Api-Key", "key-a-0123456789abcdef"}, {"Accept", "text/plain"}, {"accept", "x/y"}};
  auto res = f.gw.handle(r);
  CHECK(res.status == 200);
  CHECK(res.body == "ok");
  CHECK(res.header("x-one") == "1");
  CHECK(res.header("Content-Type") == "application/json");  // API Gateway's default
  int cookies = 0;
  for (const auto& [k, v] : res.headers) cookies += k == "Set-Cookie";
  CHECK(cookies == 2);
  REQUIRE(f.events.size() == 1);
  const json& e = f.events[0];
  CHECK(e["path"] == "/items");
  CHECK(e["resource"] == "/items");
  CHECK(e["requestContext"]["path"] == "/dev/items");
  CHECK(e["queryStringParameters"] == json({{"a", "2"}, {"b", "x"}}));  // the last value wins
  CHECK(e["multiValueQueryStringParameters"]["a"] == json({"1", "2"}));
  CHECK(e["headers"]["Accept"] == "text/plain");  // names are kept as sent
  CHECK(e["multiValueHeaders"]["accept"] == json({"x/y"}));
  CHECK(e["pathParameters"].is_null());
  CHECK(e["stageVariables"].is_null());
  CHECK(e["body"].is_null());
  CHECK(e["isBase64Encoded"] == false);
  CHECK(e["requestContext"]["identity"]["apiKey"] == "key-a-0123456789abcdef");
  CHECK(e["requestContext"]["requestTimeEpoch"] == 1733306400000);
  CHECK(e["requestContext"]["requestTime"] == "04/Dec/2024:10:00:00 +0000");
  CHECK(e["headers"]["X-Amzn-Trace-Id"].get<std::string>().rfind("Root=1-", 0) == 0);

  auto file = f.get("/dev/files/a/b/c.txt", "key-a-0123456789abcdef", "DELETE");
  CHECK(file.status == 200);
  CHECK(f.events.back()["pathParameters"] == json({{"proxy", "a/b/c.txt"}}));
  CHECK(f.events.back()["resource"] == "/files/{proxy+}");
  CHECK(f.get("/dev/files").status == 403);  // {proxy+} needs a segment
  CHECK(body(f.get("/dev/items/1")) == json({{"message", "Missing Authentication Token"}}));
  CHECK(f.get("/dev/items", "", "PUT").status == 403);
  // Binary bodies travel base64-encoded.
  emu::gateway::http_request post;
  post.method = "POST";
  post.path = "/dev/items";
  post.headers = {{"x-api-key", "key-a-0123456789abcdef"}};
  post.body = std::string("\xff\xfe", 2);
  CHECK(f.gw.handle(post).status == 200);
  CHECK(f.events.back()["isBase64Encoded"] == true);
  CHECK(f.events.back()["body"] == "//4=");
  post.body = std::string(101, 'x');
  auto big = f.gw.handle(post);
  CHECK(big.status == 413);
  CHECK(body(big) == json({{"message", "Request Too Long"}}));
}

TEST_CASE("gateway: keys — missing, unknown, disabled, another stage's; routes without keys", "[gateway]") {
  fixture f;
  CHECK(f.get("/dev/items", "").status == 403);
  CHECK(f.get("/dev/items", "key-zz-0123456789abcdef").status == 403);
  CHECK(body(f.get("/dev/items", "key-off-0123456789abcdef")) == json({{"message", "Forbidden"}}));
  CHECK(f.get("/prod/items").status == 403);  // plan `small` covers dev only
  CHECK(f.get("/prod/open", "").status == 200);
  CHECK(f.events.back()["requestContext"]["identity"]["apiKey"].is_null());
  CHECK(f.events.size() == 1);
}

TEST_CASE("gateway: the account's throttle, AWS's default or raised by the system", "[gateway]") {
  auto served_at_once = [](fixture& f) {
    int n = 0;
    while (n < 100'000 && f.get("/dev/open", "").status == 200) ++n;
    return n;
  };
  fixture standard;
  CHECK(served_at_once(standard) == 5'000);  // the burst; no time passes
  standard.rt->sched().advance(std::chrono::milliseconds(100));
  CHECK(served_at_once(standard) == 1'000);  // 10,000 requests/s

  std::string raised = system_yaml;
  raised.replace(raised.find("  max_body_bytes"), 0, "  account_throttle: {rate: 50000, burst: 20000}\n");
  fixture f(raised);
  CHECK(served_at_once(f) == 20'000);
  f.rt->sched().advance(std::chrono::milliseconds(100));
  CHECK(served_at_once(f) == 5'000);

  for (const char* bad : {"{rate: 0}", "{burst: 0}", "{rate: 10, size: 3}", "[1, 2]"}) {
    std::string yaml = system_yaml;
    yaml.replace(yaml.find("  max_body_bytes"), 0, std::string("  account_throttle: ") + bad + "\n");
    CHECK_THROWS_WITH(emu::load_system_def(yaml, "gw.yaml"), Catch::Contains("gateway.account_throttle"));
  }
}

TEST_CASE("gateway: token buckets refill with the runtime clock; quotas reset per period", "[gateway]") {
  fixture f;
  // burst 3, rate 2/s
  CHECK(f.get("/dev/items").status == 200);
  CHECK(f.get("/dev/items").status == 200);
  CHECK(f.get("/dev/items").status == 200);
  auto t = f.get("/dev/items");
  CHECK(t.status == 429);
  CHECK(body(t) == json({{"message", "Too Many Requests"}}));
  f.rt->sched().advance(std::chrono::milliseconds(500));  // one token back
  CHECK(f.get("/dev/items").status == 200);
  CHECK(f.get("/dev/items").status == 429);
  f.rt->sched().advance(std::chrono::seconds(10));
  CHECK(f.get("/dev/items").status == 200);  // the 5th request of the day
  auto q = f.get("/dev/items");
  CHECK(q.status == 429);
  CHECK(body(q) == json({{"message", "Limit Exceeded"}}));
  CHECK(q.header("x-amzn-ErrorType") == "LimitExceededException");
  f.rt->sched().advance(std::chrono::hours(14));  // past midnight UTC
  CHECK(f.get("/dev/items").status == 200);

  // WEEK: 2024-12-04 is a Wednesday; the week resets on Monday 2024-12-09.
  CHECK(f.get("/dev/items", "key-w-0123456789abcdef").status == 200);
  CHECK(f.get("/dev/items", "key-w-0123456789abcdef").status == 200);
  CHECK(f.get("/dev/items", "key-w-0123456789abcdef").status == 429);
  f.rt->sched().advance(std::chrono::hours(24 * 3));  // Sunday
  CHECK(f.get("/dev/items", "key-w-0123456789abcdef").status == 429);
  f.rt->sched().advance(std::chrono::hours(24));  // Monday
  CHECK(f.get("/dev/items", "key-w-0123456789abcdef").status == 200);
}

TEST_CASE("gateway: malformed proxy responses answer 502, no reply 504", "[gateway]") {
  fixture f;
  auto status_for = [&](json r) {
    f.answer = [r](const json&) { return r; };
    f.rt->sched().advance(std::chrono::seconds(1));
    return f.get("/dev/open", "").status;
  };
  CHECK(status_for({{"statusCode", 201}, {"body", "x"}}) == 201);
  CHECK(status_for({{"statusCode", 200}, {"body", "aGk="}, {"isBase64Encoded", true}}) == 200);
  CHECK(status_for({{"statusCode", "200"}}) == 502);
  CHECK(status_for({{"statusCode", 200}, {"message", "extra"}}) == 502);
  CHECK(status_for({{"statusCode", 200}, {"body", json::object()}}) == 502);
  CHECK(status_for({{"statusCode", 200}, {"headers", {{"X", json::array()}}}}) == 502);
  CHECK(status_for({{"statusCode", 200}, {"headers", {{"X", "a\r\nInjected: 1"}}}}) == 502);
  CHECK(status_for({{"statusCode", 99}}) == 502);
  CHECK(status_for({{"statusCode", 200}, {"body", "!!"}, {"isBase64Encoded", true}}) == 502);
  CHECK(status_for("a string") == 502);
  f.answer = [](const json&) -> json { throw std::runtime_error("boom"); };
  f.rt->sched().advance(std::chrono::seconds(1));
  auto failed = f.get("/dev/open", "");
  CHECK(failed.status == 502);
  CHECK(body(failed) == json({{"message", "Internal server error"}}));
  f.answer = [](const json&) -> json { throw emu::gateway::no_reply("nobody"); };
  f.rt->sched().advance(std::chrono::seconds(1));
  auto timeout = f.get("/dev/open", "");
  CHECK(timeout.status == 504);
  CHECK(body(timeout) == json({{"message", "Endpoint request timed out"}}));
}

TEST_CASE("gateway: random requests never crash it and always get an answer", "[gateway][fuzz]") {
  fixture f;
  std::uint64_t s = 42;
  auto next = [&] { return s = s * 6364136223846793005ULL + 1442695040888963407ULL, s >> 33; };
  const std::vector<std::string> parts = {"dev", "prod", "items", "files", "open", "{id}",
                                          "%00", "..",   "",      "\xff",  "a b"};
  const std::vector<std::string> methods = {"GET", "POST", "OPTIONS", "DELETE", "HEAD", "BREW"};
  for (int i = 0; i < 2000; ++i) {
    emu::gateway::http_request r;
    r.method = methods[next() % methods.size()];
    r.path = "/dev";
    for (int k = int(next() % 4); k > 0; --k) r.path += "/" + parts[next() % parts.size()];
    for (int k = int(next() % 3); k > 0; --k)
      r.query.push_back({parts[next() % parts.size()], parts[next() % parts.size()]});
    if (next() % 2)
      r.headers.push_back({"X-Api-Key", next() % 2 ? "key-a-0123456789abcdef" : parts[next() % parts.size()]});
    if (next() % 3 == 0) r.headers.push_back({"X-Amzn-Trace-Id", parts[next() % parts.size()]});
    if (next() % 3 == 0) r.headers.push_back({"Origin", "http://" + parts[next() % parts.size()]});
    r.body = std::string(next() % 120, char(next() % 256));
    f.rt->sched().advance(std::chrono::milliseconds(next() % 800));
    auto res = f.gw.handle(r);
    CHECK(res.status >= 200);
    CHECK(res.status < 500);  // a 5xx from the gateway itself is a finding
    CHECK(!res.header("x-amzn-RequestId").empty());
  }
}
