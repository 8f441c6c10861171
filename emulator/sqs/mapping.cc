#include "emulator/sqs/mapping.h"

#include <set>

#include "emulator/core/text.h"

namespace emu::sqs {

mapping::mapping(runtime& rt, service& sqs, mapping_config cfg, invoke_fn invoke)
    : rt_(rt), sqs_(sqs), cfg_(std::move(cfg)), invoke_(std::move(invoke)) {
  queue* q = sqs_.find(cfg_.queue);
  if (!q) throw std::runtime_error("event source mapping: queue " + cfg_.queue + " does not exist");
  q->on_visible.push_back([this] { wake(); });
}

void mapping::wake() {
  if (!cfg_.enabled || scheduled_) return;
  scheduled_ = true;
  rt_.sched().after(cfg_.batching_window, "sqs.poll", [this] {
    scheduled_ = false;
    poll();
  });
}

json mapping::event_for(const service& sqs, const queue& q, const std::vector<message*>& batch,
                        const std::string& region) {
  json records = json::array();
  const std::string source_arn = sqs.arn(q.name);
  for (const message* m : batch) {
    json attrs = {{"ApproximateReceiveCount", std::to_string(m->receive_count)},
                  {"SentTimestamp", std::to_string(m->sent_ms)},
                  {"SenderId", "AIDAIENQZJOLO23YVJ4VO"},
                  {"ApproximateFirstReceiveTimestamp", std::to_string(m->first_receive_ms)}};
    if (q.fifo) {
      attrs["SequenceNumber"] = m->sequence_number;
      attrs["MessageGroupId"] = m->group_id;
      attrs["MessageDeduplicationId"] = m->dedup_id;
    }
    if (!m->trace_header.empty()) attrs["AWSTraceHeader"] = m->trace_header;
    if (!m->dlq_source_arn.empty()) attrs["DeadLetterQueueSourceArn"] = m->dlq_source_arn;
    // Lambda's record uses camelCase attribute values, unlike the SQS API.
    json mattrs = json::object();
    for (const auto& [k, a] : m->attributes) {
      json v = {{"stringListValues", json::array()}, {"binaryListValues", json::array()}, {"dataType", a.data_type}};
      if (a.data_type.rfind("Binary", 0) == 0)
        v["binaryValue"] = base64_encode(a.binary_value);
      else
        v["stringValue"] = a.string_value;
      mattrs[k] = std::move(v);
    }
    json r = {{"messageId", m->id},
              {"receiptHandle", m->receipt},
              {"body", m->body},
              {"attributes", std::move(attrs)},
              {"messageAttributes", std::move(mattrs)}};
    if (!m->md5_attributes.empty()) r["md5OfMessageAttributes"] = m->md5_attributes;
    r["md5OfBody"] = m->md5_body;
    r["eventSource"] = "aws:sqs";
    r["eventSourceARN"] = source_arn;
    r["awsRegion"] = region;
    records.push_back(std::move(r));
  }
  return {{"Records", std::move(records)}};
}

std::optional<std::vector<std::string>> mapping::failed_ids(const json& response, const std::vector<message*>& batch) {
  // Full success: an empty or null response, or batchItemFailures empty or null.
  if (response.is_null() || (response.is_object() && response.empty())) return std::vector<std::string>{};
  if (!response.is_object()) return std::nullopt;
  auto it = response.find("batchItemFailures");
  if (it == response.end()) return std::nullopt;  // a wrong key name fails the whole batch
  if (it->is_null()) return std::vector<std::string>{};
  if (!it->is_array()) return std::nullopt;
  std::set<std::string> in_batch;
  for (const message* m : batch) in_batch.insert(m->id);
  std::vector<std::string> out;
  for (const auto& f : *it) {
    if (!f.is_object() || !f.contains("itemIdentifier") || !f["itemIdentifier"].is_string()) return std::nullopt;
    std::string id = f["itemIdentifier"];
    if (id.empty() || !in_batch.count(id)) return std::nullopt;  // unknown or empty ids fail everything
    out.push_back(id);
  }
  return out;
}

void mapping::poll() {
  queue* q = sqs_.find(cfg_.queue);
  if (!q || !cfg_.enabled) return;
  std::vector<message*> batch = sqs_.receive(*q, cfg_.batch_size);
  if (batch.empty()) return;
  json event = event_for(sqs_, *q, batch, sqs_.region());
  std::vector<std::string> receipts;
  for (const message* m : batch) receipts.push_back(m->receipt);
  std::vector<std::string> ids;
  for (const message* m : batch) ids.push_back(m->id);
  std::set<std::string> failed;
  bool whole_batch_failed = false;
  // The batch's receive, caused by its first message's send; the invocation follows from it.
  std::uint64_t received = rt_.trace().record(
      "sqs.receive", "sqs",
      {{"queue", cfg_.queue}, {"function", cfg_.function}, {"count", ids.size()}, {"message_ids", ids}},
      trace_root(batch.front()->trace_header), batch.front()->sent_seq);
  trace_scope scope(rt_.trace(), {trace_root(batch.front()->trace_header), received});
  try {
    json result = invoke_(std::move(event));
    if (cfg_.report_batch_item_failures) {
      auto f = failed_ids(result, batch);
      if (!f)
        whole_batch_failed = true;
      else
        failed.insert(f->begin(), f->end());
    }
  } catch (const std::exception& e) {
    whole_batch_failed = true;
  }
  // The function may have deleted or moved messages: delete by receipt, only what succeeded.
  std::size_t deleted = 0;
  if (!whole_batch_failed) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (failed.count(ids[i])) continue;
      if (queue* qq = sqs_.find(cfg_.queue)) deleted += sqs_.remove(*qq, receipts[i]);
    }
  }
  rt_.trace().record("sqs.mapping.batch", "sqs",
                     {{"queue", cfg_.queue},
                      {"function", cfg_.function},
                      {"records", ids.size()},
                      {"deleted", deleted},
                      {"failed", whole_batch_failed ? ids.size() : failed.size()}});
  if (rt_.log().enabled(log_level::debug))
    rt_.log().log(log_level::debug, "sqs", "mapping batch done",
                  {{"queue", cfg_.queue},
                   {"function", cfg_.function},
                   {"records", ids.size()},
                   {"deleted", deleted},
                   {"failed", whole_batch_failed ? ids.size() : failed.size()}});
  // More may be waiting: keep polling while messages are visible.
  if (queue* qq = sqs_.find(cfg_.queue); qq && sqs_.any_visible(*qq)) wake();
}

}  // namespace emu::sqs
