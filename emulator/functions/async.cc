// Lambda's asynchronous invocation (registry.h, invoke_async): the event queue, retries,
// maximum event age, destinations and the dead-letter queue, as the Lambda Developer Guide
// describes them ("How Lambda handles errors and retries with asynchronous invocation",
// "Capturing records of Lambda asynchronous invocations"). Everything runs as scheduler tasks,
// so a scenario sees the one- and two-minute retry delays in virtual time.
#include <algorithm>

#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/functions/registry.h"

namespace emu::functions {

struct registry::async_job {
  std::string name, request_id, trace_id;
  std::uint64_t cause = 0;  // the entry that queued (or last re-queued) it
  shared_json event;
  instant queued;
  int attempts = 0;   // invocations made (throttles do not count)
  int throttles = 0;  // in a row, for the backoff
};

void registry::set_async_config(const std::string& name, async_config c) {
  auto it = functions_.find(name);
  if (it == functions_.end()) throw aws_error::resource_not_found("Function not found: " + arn_of(name));
  it->second.async = std::move(c);
}

const async_config& registry::async_config_of(const std::string& name) const {
  auto it = functions_.find(name);
  if (it == functions_.end()) throw aws_error::resource_not_found("Function not found: " + arn_of(name));
  return it->second.async;
}

std::string registry::invoke_async(const std::string& name, shared_json event, const std::string& trace_id) {
  if (!functions_.count(name)) throw aws_error::resource_not_found("Function not found: " + arn_of(name));
  auto job = std::make_shared<async_job>();
  job->name = name;
  job->request_id = rt_.ids().uuid();
  job->trace_id = trace_id.empty() ? rt_.trace().current().trace_id : trace_id;
  job->event = std::move(event);
  job->queued = rt_.clock().now();
  job->cause = rt_.trace().record_text("invoke.queued", "functions", trace_data(name, job->request_id), job->trace_id);
  rt_.sched().at(job->queued, "lambda async " + name, [this, job] { run_async(job); });
  return job->request_id;
}

namespace {

json invocation_record(const std::string& request_id, const std::string& arn, const char* condition, int attempts,
                       const json& request, const json& response, bool failed, instant now) {
  json response_context = {{"statusCode", 200}, {"executedVersion", "$LATEST"}};
  if (failed) response_context["functionError"] = "Unhandled";
  return {{"version", "1.0"},
          {"timestamp", iso8601_ms(now)},
          {"requestContext",
           {{"requestId", request_id},
            {"functionArn", arn + ":$LATEST"},
            {"condition", condition},
            {"approximateInvokeCount", attempts}}},
          {"requestPayload", request},
          {"responseContext", response_context},
          {"responsePayload", response}};
}

}  // namespace

void registry::run_async(const std::shared_ptr<async_job>& job) {
  auto it = functions_.find(job->name);
  if (it == functions_.end()) return;
  const async_config cfg = it->second.async;
  trace_scope scope(rt_.trace(), {job->trace_id, job->cause});
  shared_json result;
  json error_doc;
  std::optional<std::string> error;
  bool throttled = false;
  try {
    result = invoke_shared(job->name, job->event, job->trace_id, job->request_id);
  } catch (const function_error& e) {
    error = e.what();
    error_doc = e.document();
  } catch (const aws_error& e) {
    throttled = e.type() == "TooManyRequestsException";
    error = e.message();
    error_doc = {{"errorMessage", e.message()}, {"errorType", e.type()}};
  } catch (const std::exception& e) {
    error = e.what();
    error_doc = {{"errorMessage", e.what()}, {"errorType", "Error"}};
  }
  instant now = rt_.clock().now();
  duration age = now - job->queued;
  if (throttled) {
    // Back to the queue: not an attempt; 1 s doubling to 5 min, for as long as the event is young.
    duration delay =
        std::min<duration>(std::chrono::seconds(1) * (1LL << std::min(job->throttles, 9)), std::chrono::minutes(5));
    ++job->throttles;
    if (age + delay > cfg.max_event_age) return async_failed(*job, "EventAgeExceeded", error_doc);
    job->cause = rt_.trace().record("invoke.retry", "functions",
                                    {{"function", job->name},
                                     {"request_id", job->request_id},
                                     {"reason", "throttled"},
                                     {"delay_ms", delay.count()}},
                                    job->trace_id);
    if (rt_.log().enabled(log_level::debug))
      rt_.log().log(log_level::debug, "functions", "asynchronous invocation throttled, retrying",
                    {{"function", job->name}, {"request_id", job->request_id}, {"retry_in_ms", delay.count()}},
                    job->trace_id);
    rt_.sched().after(delay, "lambda async " + job->name, [this, job] { run_async(job); });
    return;
  }
  ++job->attempts;
  job->throttles = 0;
  if (async_observer_) async_observer_(job->name, job->trace_id, result, error ? &*error : nullptr);
  if (!error) {
    if (!cfg.on_success.empty() && async_sender_)
      async_sender_(cfg.on_success,
                    invocation_record(job->request_id, arn_of(job->name), "Success", job->attempts, *job->event,
                                      *result, false, now),
                    json::object(), job->trace_id);
    return;
  }
  if (job->attempts > cfg.max_retries) return async_failed(*job, "RetriesExhausted", error_doc);
  duration delay = job->attempts == 1 ? std::chrono::minutes(1) : std::chrono::minutes(2);
  if (age + delay > cfg.max_event_age) return async_failed(*job, "EventAgeExceeded", error_doc);
  job->cause = rt_.trace().record("invoke.retry", "functions",
                                  {{"function", job->name},
                                   {"request_id", job->request_id},
                                   {"attempt", job->attempts + 1},
                                   {"delay_ms", delay.count()}},
                                  job->trace_id);
  if (rt_.log().enabled(log_level::debug))
    rt_.log().log(log_level::debug, "functions", "asynchronous invocation failed, retrying",
                  {{"function", job->name},
                   {"request_id", job->request_id},
                   {"attempt", job->attempts + 1},
                   {"retry_in_ms", delay.count()},
                   {"error", *error}},
                  job->trace_id);
  rt_.sched().after(delay, "lambda async " + job->name, [this, job] { run_async(job); });
}

void registry::async_failed(const async_job& job, const char* condition, const json& response) {
  const async_config& cfg = functions_.at(job.name).async;
  instant now = rt_.clock().now();
  std::string where = !cfg.on_failure.empty() ? cfg.on_failure : cfg.dead_letter_queue;
  rt_.trace().record("invoke.failed", "functions",
                     {{"function", job.name},
                      {"request_id", job.request_id},
                      {"condition", condition},
                      {"attempts", job.attempts},
                      {"destination", where.empty() ? json(nullptr) : json(where)}},
                     job.trace_id);
  if (where.empty() || !async_sender_) return;  // discarded, as Lambda does without either
  if (!cfg.on_failure.empty()) {
    async_sender_(
        cfg.on_failure,
        invocation_record(job.request_id, arn_of(job.name), condition, job.attempts, *job.event, response, true, now),
        json::object(), job.trace_id);
    return;
  }
  // The dead-letter queue gets the event itself, with why in its attributes.
  std::string message =
      response.is_object() && response.contains("errorMessage") && response["errorMessage"].is_string()
          ? response["errorMessage"].get<std::string>()
          : response.dump();
  if (message.size() > 1024) {
    message.resize(1024);
    // Not in the middle of a UTF-8 character.
    std::size_t cut = message.size();
    while (cut > 0 && (static_cast<unsigned char>(message[cut - 1]) & 0xC0) == 0x80) --cut;
    if (cut > 0 && static_cast<unsigned char>(message[cut - 1]) >= 0xC0) message.resize(cut - 1);
  }
  json attributes = {{"RequestID", {{"DataType", "String"}, {"StringValue", job.request_id}}},
                     {"ErrorCode", {{"DataType", "Number"}, {"StringValue", "200"}}},
                     {"ErrorMessage", {{"DataType", "String"}, {"StringValue", message}}}};
  async_sender_(cfg.dead_letter_queue, *job.event, attributes, job.trace_id);
}

}  // namespace emu::functions
