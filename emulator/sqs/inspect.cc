// What the dashboard shows of the queues: read-only views that receive nothing and change
// nothing (no receive count, no visibility), unlike ReceiveMessage.
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/sqs/service.h"

namespace emu::sqs {
namespace {

// A peeked body is cut here: a page of 100 messages stays small.
constexpr std::size_t peek_body_bytes = 4096;

std::string dead_letter_queue(const queue& q) {
  auto rp = q.attributes.find("RedrivePolicy");
  if (rp == q.attributes.end() || rp->second.empty()) return "";
  json p = json::parse(rp->second, nullptr, false);
  if (!p.is_object() || !p["deadLetterTargetArn"].is_string()) return "";
  std::string arn = p["deadLetterTargetArn"];
  return arn.substr(arn.find_last_of(':') + 1);
}

}  // namespace

json service::inspect() {
  json out = json::array();
  for (auto& [n, q] : queues_) {
    counts c = count(*q);
    json dead_letter_sources = json::array();
    for (const auto& [other, oq] : queues_)
      if (dead_letter_queue(*oq) == n) dead_letter_sources.push_back(other);
    out.push_back({{"name", n},
                   {"fifo", q->fifo},
                   {"visible", c.visible},
                   {"in_flight", c.in_flight},
                   {"delayed", c.delayed},
                   {"oldest_age_ms", oldest_age_ms(*q)},
                   {"dead_letter_queue", dead_letter_queue(*q)},
                   {"dead_letter_sources", dead_letter_sources}});
  }
  return out;
}

json service::peek(const std::string& name, std::size_t limit) {
  queue* q = find(name);
  if (!q) throw aws_error::resource_not_found("Queue " + name + " does not exist");
  std::int64_t now = now_ms();
  json messages = json::array();
  for (const auto& m : q->messages) {
    if (messages.size() >= limit) break;
    const char* state = m.visible_at_ms <= now ? "visible" : m.receive_count > 0 ? "in_flight" : "delayed";
    json j = {{"message_id", m.id},
              {"sent", iso8601_ms(instant(std::chrono::milliseconds(m.sent_ms)))},
              {"receive_count", m.receive_count},
              {"state", state},
              {"body", m.body.size() > peek_body_bytes ? m.body.substr(0, peek_body_bytes) : m.body},
              {"body_bytes", m.body.size()}};
    if (!m.group_id.empty()) j["group_id"] = m.group_id;
    if (!m.dlq_source_arn.empty()) j["dead_letter_source"] = m.dlq_source_arn.substr(m.dlq_source_arn.rfind(':') + 1);
    if (!m.attributes.empty()) {
      json attrs = json::object();
      for (const auto& [k, a] : m.attributes)
        attrs[k] = a.data_type.starts_with("Binary") ? "(binary)" : a.string_value;
      j["attributes"] = attrs;
    }
    messages.push_back(std::move(j));
  }
  return {{"queue", name}, {"messages", messages}, {"total", q->messages.size()}};
}

}  // namespace emu::sqs
