// SQS under `serve --data-dir`: queues, messages and FIFO deduplication entries in the durable
// store (emulator/durable/store.h). Namespaces: "sqs.queue" (name → the queue's settings),
// "sqs.messages/<queue>" (send order → the message with its receipt state), "sqs.dedup/<queue>"
// (deduplication key → expiry and MessageId).
#include <algorithm>

#include "emulator/core/json.h"
#include "emulator/core/text.h"
#include "emulator/durable/store.h"
#include "emulator/sqs/service.h"

namespace emu::sqs {
namespace {

const std::string queue_ns = "sqs.queue";
std::string messages_ns(const std::string& queue) { return "sqs.messages/" + queue; }
std::string dedup_ns(const std::string& queue) { return "sqs.dedup/" + queue; }

json message_state(const message& m) {
  json attrs = json::object();
  for (const auto& [k, a] : m.attributes)
    attrs[k] = json{{"type", a.data_type}, {"string", a.string_value}, {"binary", base64_encode(a.binary_value)}};
  return {{"id", m.id},
          {"body", m.body},
          {"attributes", attrs},
          {"md5_body", m.md5_body},
          {"md5_attributes", m.md5_attributes},
          {"sent_ms", m.sent_ms},
          {"visible_at_ms", m.visible_at_ms},
          {"first_receive_ms", m.first_receive_ms},
          {"receive_count", m.receive_count},
          {"receipt", m.receipt},
          {"group_id", m.group_id},
          {"dedup_id", m.dedup_id},
          {"sequence_number", m.sequence_number},
          {"trace_header", m.trace_header},
          {"dlq_source_arn", m.dlq_source_arn}};
}

message message_of(const json& j, std::uint64_t order) {
  message m;
  m.id = j.at("id");
  m.body = j.at("body");
  for (const auto& [k, a] : j.at("attributes").items())
    m.attributes[k] = message_attribute{a.at("type").get<std::string>(), a.at("string").get<std::string>(),
                                        base64_decode(a.at("binary").get<std::string>()).value_or("")};
  m.md5_body = j.at("md5_body");
  m.md5_attributes = j.at("md5_attributes");
  m.sent_ms = j.at("sent_ms");
  m.visible_at_ms = j.at("visible_at_ms");
  m.first_receive_ms = j.at("first_receive_ms");
  m.receive_count = j.at("receive_count");
  m.receipt = j.at("receipt");
  m.group_id = j.at("group_id");
  m.dedup_id = j.at("dedup_id");
  m.sequence_number = j.at("sequence_number");
  m.trace_header = j.at("trace_header");
  m.dlq_source_arn = j.at("dlq_source_arn");
  m.order = order;
  return m;
}

}  // namespace

void service::save_queue(const queue& q) {
  if (!store_) return;
  store_->put(queue_ns, q.name,
              dump_lossy(json{{"fifo", q.fifo},
                              {"attributes", q.attributes},
                              {"created_s", q.created_s},
                              {"modified_s", q.modified_s},
                              {"next_sequence", q.next_sequence},
                              {"purged_ms", q.purged_ms},
                              {"tags", q.tags}}));
}

void service::save(const queue& q, const message& m) {
  if (store_) store_->put(messages_ns(q.name), durable::number_key(m.order), dump_lossy(message_state(m)));
}

void service::unsave(const queue& q, const message& m) {
  if (store_) store_->erase(messages_ns(q.name), durable::number_key(m.order));
}

void service::save_dedup(const queue& q, const std::string& key) {
  if (!store_) return;
  const auto& [expiry, id] = q.dedup.at(key);
  store_->put(dedup_ns(q.name), key, dump_lossy(json{{"expiry_ms", expiry}, {"message_id", id}}));
}

void service::unsave_dedup(const queue& q, const std::string& key) {
  if (store_) store_->erase(dedup_ns(q.name), key);
}

void service::unsave_queue(const std::string& name) {
  if (!store_) return;
  store_->erase(queue_ns, name);
  store_->erase_namespace(dedup_ns(name));
}

void service::unsave_messages(const queue& q) {
  if (store_) store_->erase_namespace(messages_ns(q.name));
}

void service::persist(durable::store& s) {
  for (const auto& [name, text] : s.scan(queue_ns)) {
    json j = json::parse(text);
    queue* q = find(name);
    if (!q) {  // created through the API
      auto fresh = std::make_unique<queue>();
      fresh->name = name;
      fresh->fifo = j.at("fifo");
      fresh->attributes = j.at("attributes").get<std::map<std::string, std::string>>();
      q = fresh.get();
      queues_[name] = std::move(fresh);
    }
    q->created_s = j.at("created_s");
    q->modified_s = j.at("modified_s");
    q->next_sequence = j.at("next_sequence");
    q->purged_ms = j.at("purged_ms");
    q->tags = j.at("tags").get<std::map<std::string, std::string>>();
    for (const auto& [key, m] : s.scan(messages_ns(name))) {
      std::uint64_t order = std::stoull(key);
      q->messages.push_back(message_of(json::parse(m), order));
      next_order_ = std::max(next_order_, order + 1);
    }
    for (const auto& [key, d] : s.scan(dedup_ns(name))) {
      json e = json::parse(d);
      q->dedup[key] = {e.at("expiry_ms"), e.at("message_id")};
      q->dedup_order.emplace_back(e.at("expiry_ms").get<std::int64_t>(), key);
    }
    std::sort(q->dedup_order.begin(), q->dedup_order.end());
  }
  store_ = &s;
  // From now on every change is staged; queues only the definition made are recorded too.
  for (const auto& [name, q] : queues_) save_queue(*q);
  // Messages that were visible, or become so, wake the event source mappings as sends would.
  std::int64_t now = now_ms();
  for (auto& [name, q] : queues_) {
    bool visible = false;
    for (const auto& m : q->messages) {
      if (m.visible_at_ms <= now)
        visible = true;
      else
        schedule_visible(*q, m.visible_at_ms);
    }
    if (visible) notify(*q);
  }
}

}  // namespace emu::sqs
