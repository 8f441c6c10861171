// The Lambda API (REST JSON, 2015-03-31 and 2019-09-25) on an instance's functions: Invoke
// (RequestResponse, Event, DryRun; X-Amz-Function-Error; LogType Tail), ListFunctions,
// GetFunction, GetFunctionConfiguration, Put/Update/Get/DeleteFunctionEventInvokeConfig and
// ListEventSourceMappings. Functions are the system definition's, named with their stage
// (QueryHandler-dev); they are not created or changed through the API.
#include <algorithm>
#include <cstdio>

#include "emulator/core/digest.h"
#include "emulator/core/error.h"
#include "emulator/core/text.h"
#include "emulator/core/time_format.h"
#include "emulator/system/instance.h"

namespace emu::system {
namespace {

constexpr std::size_t max_sync_payload = 6 * 1024 * 1024;  // "Request must be smaller than 6291456 bytes"
constexpr std::size_t max_async_payload = 256 * 1024;

edge::response rest_json(int status, const json& body) {
  edge::response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.is_null() ? "" : dump_lossy(body);  // messages may quote a path that is not UTF-8
  return r;
}

// Lambda's REST error: the name in x-amzn-ErrorType, {Type, message} in the body. Lambda answers
// an unknown function with 404 where the shared error type defaults to 400.
edge::response rest_error(const aws_error& e) {
  int s = e.type() == "ResourceNotFoundException" ? 404 : e.http_status();
  json body = {{"Type", s >= 500 ? "Service" : "User"}, {"message", e.message()}};
  if (e.type() == "TooManyRequestsException") body["Reason"] = "ReservedFunctionConcurrentInvocationLimitExceeded";
  edge::response r = rest_json(s, body);
  r.headers.emplace_back("x-amzn-ErrorType", e.type());
  return r;
}

std::string runtime_name(const function_def& f) {
  if (f.runtime == "nodejs") return "nodejs20.x";
  if (f.runtime == "python") return "python3.12";
  return "provided.al2023";  // built-ins, exec and http: a custom runtime
}

long long seconds(duration d) { return std::chrono::duration_cast<std::chrono::seconds>(d).count(); }

// A UUID-shaped id that is the same for the same name in every run (not drawn from the id
// source: listing mappings must not change the ids a scenario draws).
std::string stable_uuid(const std::string& name) {
  std::uint64_t a = fnv1a64(name), b = fnv1a64(name + "#");
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-a%03llx-%012llx", (unsigned long long)(a >> 32),
                (unsigned long long)((a >> 16) & 0xffff), (unsigned long long)(a & 0xfff),
                (unsigned long long)(b >> 52), (unsigned long long)(b & 0xffffffffffffULL));
  return buf;
}

}  // namespace

json instance::function_configuration(const std::string& name) const {
  auto it = function_defs_.find(name);
  const function_def* f = it == function_defs_.end() ? nullptr : it->second;
  json env = json::object();
  if (f)
    for (const auto& [k, v] : f->environment.items()) env[k] = v.is_string() ? v.get<std::string>() : v.dump();
  json c = {{"FunctionName", name},
            {"FunctionArn", function_arn(name)},
            {"Runtime", f ? runtime_name(*f) : "provided.al2023"},
            {"Role", "arn:aws:iam::" + def_.account + ":role/" + name + "-role"},
            {"Handler", f && !f->handler.empty()   ? f->handler
                        : f && !f->builtin.empty() ? f->builtin
                                                   : "bootstrap"},
            {"CodeSize", 0},
            {"Description", ""},
            {"Timeout", f ? seconds(f->timeout) : 3},
            {"MemorySize", f ? f->memory_mb : 128},
            {"LastModified", "2024-01-01T00:00:00.000+0000"},
            {"CodeSha256", ""},
            {"Version", "$LATEST"},
            {"Environment", {{"Variables", env}}},
            {"TracingConfig", {{"Mode", "PassThrough"}}},
            {"State", "Active"},
            {"LastUpdateStatus", "Successful"},
            {"PackageType", "Zip"},
            {"Architectures", {"x86_64"}}};
  const auto& async = functions_.async_config_of(name);
  if (!async.dead_letter_queue.empty()) c["DeadLetterConfig"] = {{"TargetArn", async.dead_letter_queue}};
  return c;
}

json instance::event_invoke_config(const std::string& name) const {
  const auto& c = functions_.async_config_of(name);
  json out = {{"FunctionArn", function_arn(name) + ":$LATEST"},
              {"MaximumRetryAttempts", c.max_retries},
              {"MaximumEventAgeInSeconds", seconds(c.max_event_age)},
              {"LastModified", double(rt_.clock().now().time_since_epoch().count()) / 1000.0},
              {"DestinationConfig", {{"OnSuccess", json::object()}, {"OnFailure", json::object()}}}};
  if (!c.on_success.empty()) out["DestinationConfig"]["OnSuccess"] = {{"Destination", c.on_success}};
  if (!c.on_failure.empty()) out["DestinationConfig"]["OnFailure"] = {{"Destination", c.on_failure}};
  return out;
}

edge::response instance::lambda_rest(const edge::request& req) {
  try {
    std::string path = req.path;
    auto segments = [&] {
      std::vector<std::string> out;
      std::size_t pos = 1;
      while (pos <= path.size()) {
        auto next = path.find('/', pos);
        if (next == std::string::npos) next = path.size();
        if (next > pos) out.push_back(path.substr(pos, next - pos));  // the server decoded the path
        pos = next + 1;
      }
      return out;
    }();
    auto query = [&](const char* k) {
      for (const auto& [n, v] : req.query)
        if (n == k) return v;
      return std::string();
    };
    auto known = [&](const std::string& ref) {
      std::string name = function_name_of(ref);
      if (!functions_.has(name)) throw aws_error::resource_not_found("Function not found: " + function_arn(name));
      return name;
    };
    const std::string& m = req.method;
    // /2015-03-31/functions[/NAME[/invocations|/configuration]]
    if (segments.size() >= 2 && segments[0] == "2015-03-31" && segments[1] == "functions") {
      if (segments.size() == 2 && m == "GET") {
        auto names = functions_.names();
        std::size_t start = 0, max = 50;
        if (std::string marker = query("Marker"); !marker.empty())
          start = std::size_t(std::find(names.begin(), names.end(), marker) - names.begin()) + 1;
        if (std::string mi = query("MaxItems"); !mi.empty()) {
          long long v = std::atoll(mi.c_str());
          if (v < 1 || v > 10000)
            throw aws_error::validation("1 validation error detected: Value '" + mi +
                                        "' at 'maxItems' failed to satisfy constraint: Member "
                                        "must have value between 1 and 10000");
          max = std::size_t(v);
        }
        json list = json::array();
        for (std::size_t i = start; i < names.size() && list.size() < max; ++i)
          list.push_back(function_configuration(names[i]));
        json out = {{"Functions", list}};
        if (start + list.size() < names.size() && !list.empty()) out["NextMarker"] = list.back()["FunctionName"];
        return rest_json(200, out);
      }
      if (segments.size() == 3 && m == "GET") {
        std::string name = known(segments[2]);
        return rest_json(200, {{"Configuration", function_configuration(name)},
                               {"Code", {{"RepositoryType", "S3"}, {"Location", ""}}},
                               {"Tags", json::object()}});
      }
      if (segments.size() == 4 && segments[3] == "configuration" && m == "GET")
        return rest_json(200, function_configuration(known(segments[2])));
      if (segments.size() == 4 && segments[3] == "invocations" && m == "POST")
        return lambda_invoke(known(segments[2]), req);
    }
    // /2019-09-25/functions/NAME/event-invoke-config
    if (segments.size() == 4 && segments[0] == "2019-09-25" && segments[1] == "functions" &&
        segments[3] == "event-invoke-config") {
      std::string name = known(segments[2]);
      if (m == "GET") {
        if (!invoke_configs_.count(name))
          throw aws_error::resource_not_found("The function " + function_arn(name) +
                                              " doesn't have an EventInvokeConfig");
        return rest_json(200, event_invoke_config(name));
      }
      if (m == "DELETE") {
        if (!invoke_configs_.count(name))
          throw aws_error::resource_not_found("The function " + function_arn(name) +
                                              " doesn't have an EventInvokeConfig");
        functions::async_config c;
        c.dead_letter_queue = functions_.async_config_of(name).dead_letter_queue;
        functions_.set_async_config(name, c);
        invoke_configs_.erase(name);
        return rest_json(204, nullptr);
      }
      if (m == "PUT" || m == "POST") {
        json in = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
        if (!in.is_object())
          throw aws_error("InvalidRequestContentException", "Could not parse request body into json");
        if (m == "POST" && !invoke_configs_.count(name))
          throw aws_error::resource_not_found("The function " + function_arn(name) +
                                              " doesn't have an EventInvokeConfig");
        // Put replaces the whole configuration; Update changes what it names.
        functions::async_config c = functions_.async_config_of(name);
        if (m == "PUT") {
          std::string dlq = c.dead_letter_queue;
          c = functions::async_config{};
          c.dead_letter_queue = dlq;
        }
        if (in.contains("MaximumRetryAttempts")) {
          const json& v = in["MaximumRetryAttempts"];
          if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 2)
            throw aws_error::validation("1 validation error detected: Value '" + v.dump() +
                                        "' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have "
                                        "value less than or equal to 2");
          c.max_retries = v.get<int>();
        }
        if (in.contains("MaximumEventAgeInSeconds")) {
          const json& v = in["MaximumEventAgeInSeconds"];
          if (!v.is_number_integer() || v.get<long long>() < 60 || v.get<long long>() > 21600)
            throw aws_error::validation("1 validation error detected: Value '" + v.dump() +
                                        "' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must "
                                        "have value between 60 and 21600");
          c.max_event_age = std::chrono::seconds(v.get<long long>());
        }
        if (in.contains("DestinationConfig") && in["DestinationConfig"].is_object()) {
          const json& d = in["DestinationConfig"];
          for (const char* k : {"OnSuccess", "OnFailure"}) {
            if (!d.contains(k) || !d[k].is_object()) continue;
            std::string arn = d[k].value("Destination", "");
            if (!arn.empty() && !arn.starts_with("arn:aws:sqs:") && !arn.starts_with("arn:aws:events:") &&
                !arn.starts_with("arn:aws:lambda:"))
              throw aws_error("InvalidParameterValueException",
                              "The destination ARN " + arn +
                                  " is invalid: use an SQS queue, an EventBridge bus or a "
                                  "Lambda function (SNS and S3 destinations are not emulated)");
            (std::string(k) == "OnSuccess" ? c.on_success : c.on_failure) = arn;
          }
        }
        functions_.set_async_config(name, c);
        invoke_configs_.insert(name);
        return rest_json(200, event_invoke_config(name));
      }
    }
    // /2015-03-31/event-source-mappings/
    if (segments.size() == 2 && segments[0] == "2015-03-31" && segments[1] == "event-source-mappings" && m == "GET") {
      std::string fn = query("FunctionName"), source = query("EventSourceArn");
      json list = json::array();
      for (const auto& mp : mappings_) {
        const auto& c = mp->config();
        if (!fn.empty() && function_name_of(fn) != c.function) continue;
        if (!source.empty() && source != queue_arn(c.queue)) continue;
        json e = {{"UUID", stable_uuid("esm:" + c.queue + ":" + c.function)},
                  {"BatchSize", c.batch_size},
                  {"MaximumBatchingWindowInSeconds", seconds(c.batching_window)},
                  {"EventSourceArn", queue_arn(c.queue)},
                  {"FunctionArn", function_arn(c.function)},
                  {"LastModified", 1704067200.0},
                  {"State", c.enabled ? "Enabled" : "Disabled"},
                  {"StateTransitionReason", "USER_INITIATED"},
                  {"FunctionResponseTypes", json::array()}};
        if (c.report_batch_item_failures) e["FunctionResponseTypes"].push_back("ReportBatchItemFailures");
        list.push_back(e);
      }
      return rest_json(200, {{"EventSourceMappings", list}});
    }
    throw aws_error("UnknownOperationException",
                    "Lambda operation " + m + " " + path +
                        " is not emulated (Invoke, ListFunctions, GetFunction, GetFunctionConfiguration, "
                        "Put/Update/Get/DeleteFunctionEventInvokeConfig and ListEventSourceMappings are)",
                    404);
  } catch (const aws_error& e) {
    return rest_error(e);
  }
}

edge::response instance::lambda_invoke(const std::string& name, const edge::request& req) {
  std::string type = req.header("x-amz-invocation-type");
  if (type.empty()) type = "RequestResponse";
  if (type != "RequestResponse" && type != "Event" && type != "DryRun")
    throw aws_error::validation("1 validation error detected: Value '" + type +
                                "' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value "
                                "set: [Event, RequestResponse, DryRun]");
  std::size_t limit = type == "Event" ? max_async_payload : max_sync_payload;
  if (req.body.size() > limit)
    throw aws_error("RequestTooLargeException",
                    "Request must be smaller than " + std::to_string(limit) + " bytes for the " +
                        (type == "Event" ? "InvokeAsync" : "InvokeFunction") + " operation",
                    413);
  json event = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
  if (event.is_discarded())
    throw aws_error("InvalidRequestContentException",
                    "Could not parse request body into json: Could not parse payload into json");
  if (type == "DryRun") return rest_json(204, nullptr);
  if (type == "Event") {
    std::string id = functions_.invoke_async(name, event);
    edge::response r = rest_json(202, nullptr);
    r.headers.emplace_back("x-amzn-RequestId", id);
    return r;
  }
  std::string id = rt_.ids().uuid();
  json payload;
  bool failed = false;
  try {
    payload = functions_.invoke(name, event, "", id);
  } catch (const functions::function_error& e) {
    payload = e.document();
    failed = true;
  } catch (const aws_error& e) {
    if (e.type() == "TooManyRequestsException" || e.type() == "ResourceNotFoundException") throw;
    payload = {{"errorMessage", e.message()}, {"errorType", e.type()}};
    failed = true;
  } catch (const std::exception& e) {
    payload = {{"errorMessage", e.what()}, {"errorType", "Error"}};
    failed = true;
  }
  edge::response r = rest_json(200, payload);
  if (auto raw = functions_.take_raw_result(id)) r.body = std::move(*raw);
  r.headers.emplace_back("x-amzn-RequestId", id);
  r.headers.emplace_back("X-Amz-Executed-Version", "$LATEST");
  if (failed) r.headers.emplace_back("X-Amz-Function-Error", "Unhandled");
  if (req.header("x-amz-log-type") == "Tail") {
    std::string tail;
    for (const auto& line : functions_.logs(name))
      if (line.request_id == id) tail += line.message + "\n";
    if (tail.size() > 4096) tail = tail.substr(tail.size() - 4096);
    r.headers.emplace_back("X-Amz-Log-Result", base64_encode(tail));
  }
  return r;
}

}  // namespace emu::system
