#include <catch2/catch.hpp>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/edge/admin.h"
#include "emulator/edge/router.h"

namespace {

struct fixture {
  std::unique_ptr<emu::runtime> rt =
      emu::runtime::make_virtual(*emu::parse_iso8601("2024-12-01T00:00:00Z"), 0, emu::log_level::off, nullptr);
  emu::edge::router r{*rt, {"dev", "qa"}};
  fixture() {
    emu::api ddb;
    ddb.name = "dynamodb";
    ddb.target_prefix = "DynamoDB_20120810";
    ddb.protocol = emu::json_protocol::v1_0;
    ddb.error_type_prefix = "com.amazonaws.dynamodb.v20120810#";
    ddb.operations["ListTables"] = [](emu::json in, const emu::api_call&) {
      return emu::json{{"TableNames", emu::json::array()}, {"Echo", in}};
    };
    ddb.operations["DescribeTable"] = [](emu::json, const emu::api_call&) -> emu::json {
      throw emu::aws_error::resource_not_found("Requested resource not found");
    };
    ddb.operations["Crash"] = [](emu::json, const emu::api_call&) -> emu::json { throw std::runtime_error("bug"); };
    r.add_api(ddb);
    emu::api sqs;
    sqs.name = "sqs";
    sqs.target_prefix = "AmazonSQS";
    sqs.operations["ListQueues"] = [](emu::json in, const emu::api_call&) { return in; };
    sqs.query = emu::query_dialect{
        "http://queue.amazonaws.com/doc/2012-11-05/",
        [](const emu::form_params& p, const std::string&, const emu::api_call&) { return emu::json(p.size()); },
        [](const std::string&, const emu::json& out) {
          return "<ListQueuesResponse>" + out.dump() + "</ListQueuesResponse>";
        }};
    r.add_api(sqs);
    emu::edge::add_admin_endpoints(r, *rt, {"0.1.0", {"dev", "qa"}, {"tables (3)"}, {}});
  }
  emu::edge::response post(const std::string& target, const std::string& body) {
    emu::edge::request q;
    q.method = "POST";
    q.headers["x-amz-target"] = target;
    q.body = body;
    return r.handle(q);
  }
};

std::string type_of(const emu::edge::response& res) { return emu::json::parse(res.body)["__type"]; }

}  // namespace

TEST_CASE("edge: X-Amz-Target dispatches to the registered operation", "[edge]") {
  fixture f;
  auto res = f.post("DynamoDB_20120810.ListTables", R"({"Limit": 3})");
  CHECK(res.status == 200);
  CHECK(res.content_type == "application/x-amz-json-1.0");
  CHECK(emu::json::parse(res.body)["Echo"]["Limit"] == 3);
  CHECK(f.post("DynamoDB_20120810.ListTables", "").status == 200);  // empty body is {}
}

// Clients key their error handling off __type; each protocol's dialect must be exact.
TEST_CASE("edge: dispatch errors in each protocol's own dialect", "[edge][errors]") {
  fixture f;
  SECTION("unknown operation of a known service") {
    auto res = f.post("DynamoDB_20120810.Frobnicate", "{}");
    CHECK(res.status == 400);
    CHECK(type_of(res) == "com.amazonaws.dynamodb.v20120810#UnknownOperationException");
  }
  SECTION("unknown service") {
    auto res = f.post("AWSStepFunctions.StartExecution", "{}");
    CHECK(res.status == 400);
    CHECK(type_of(res) == "UnknownOperationException");
    CHECK(emu::json::parse(res.body)["message"].get<std::string>().find("AWSStepFunctions") != std::string::npos);
  }
  SECTION("a service error keeps its name and status") {
    auto res = f.post("DynamoDB_20120810.DescribeTable", "{}");
    CHECK(res.status == 400);
    CHECK(type_of(res) == "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException");
    CHECK(emu::json::parse(res.body)["message"] == "Requested resource not found");
  }
  SECTION("malformed JSON is a SerializationException") {
    auto res = f.post("DynamoDB_20120810.ListTables", "{not json");
    CHECK(res.status == 400);
    CHECK(type_of(res) == "com.amazonaws.dynamodb.v20120810#SerializationException");
  }
  SECTION("JSON nested too deep is refused before any handler") {
    auto res = f.post("DynamoDB_20120810.ListTables", std::string(100000, '[') + std::string(100000, ']'));
    CHECK(res.status == 400);
    CHECK(type_of(res) == "com.amazonaws.dynamodb.v20120810#SerializationException");
  }
  SECTION("a bug in a handler is a 500, not a crash") {
    auto res = f.post("DynamoDB_20120810.Crash", "{}");
    CHECK(res.status == 500);
    CHECK(type_of(res) == "com.amazonaws.dynamodb.v20120810#InternalServerError");
  }
  SECTION("query protocol: unknown action is InvalidAction in XML") {
    emu::edge::request q;
    q.method = "POST";
    q.headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
    q.body = "Action=SendMessage&QueueUrl=x";
    auto res = f.r.handle(q);
    CHECK(res.status == 400);
    CHECK(res.content_type == "text/xml");
    CHECK(res.body.find("<Code>InvalidAction</Code>") != std::string::npos);
    CHECK(res.body.find("<Type>Sender</Type>") != std::string::npos);
  }
  SECTION("POST / with neither target nor action") {
    emu::edge::request q;
    q.method = "POST";
    CHECK(type_of(f.r.handle(q)) == "UnknownOperationException");
  }
}

TEST_CASE("edge: query protocol by form body or query string", "[edge]") {
  fixture f;
  emu::edge::request q;
  q.method = "POST";
  q.headers["content-type"] = "application/x-www-form-urlencoded";
  q.body = "Action=ListQueues&Version=2012-11-05&QueueNamePrefix=a%20b+c";
  auto res = f.r.handle(q);
  CHECK(res.status == 200);
  CHECK(res.body == "<ListQueuesResponse>3</ListQueuesResponse>");
  emu::edge::request g;
  g.query = {{"Action", "ListQueues"}};
  CHECK(f.r.handle(g).status == 200);
  CHECK(emu::edge::parse_form("a=%41%2&b=+&c")[0].second == "A%2");
}

TEST_CASE("edge: admin endpoints and stage paths", "[edge]") {
  fixture f;
  emu::edge::request q;
  q.path = "/_emu/health";
  auto res = f.r.handle(q);
  CHECK(res.status == 200);
  auto body = emu::json::parse(res.body);
  CHECK(body["status"] == "ok");
  CHECK(body["stages"] == emu::json({"dev", "qa"}));
  q.method = "DELETE";
  CHECK(f.r.handle(q).status == 405);
  q.method = "GET";
  q.path = "/_emu/nothing";
  CHECK(f.r.handle(q).status == 404);
  q.path = "/_emu/traces";
  q.query = {{"since", "abc"}};
  CHECK(f.r.handle(q).status == 400);
  q.query = {};
  q.path = "/qa/restaurants";
  CHECK(f.r.handle(q).status == 404);  // no gateway attached
  f.r.set_stage_handler([](const emu::edge::request& req) {
    emu::edge::response r;
    r.body = req.path;
    return r;
  });
  CHECK(f.r.handle(q).body == "/qa/restaurants");
  q.path = "/prod/restaurants";  // not a served stage
  CHECK(f.r.handle(q).status == 404);
}
