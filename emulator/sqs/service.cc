#include "emulator/sqs/service.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "emulator/core/digest.h"
#include "emulator/core/error.h"
#include "emulator/core/text.h"
#include "emulator/sqs/request.h"

namespace emu::sqs {
using namespace request;  // the request readers (request.h) are this file's vocabulary

namespace {

constexpr std::int64_t dedup_window_ms = 5 * 60 * 1000;
constexpr std::int64_t purge_interval_ms = 60 * 1000;
constexpr std::int64_t reuse_delay_ms = 60 * 1000;

}  // namespace

std::string trace_root(const std::string& header) {
  auto at = header.find("Root=");
  if (at == std::string::npos) return header;
  at += 5;
  return header.substr(at, header.find(';', at) - at);
}

std::string md5_of_attributes(const message_attributes& attrs) {
  if (attrs.empty()) return "";
  std::string buf;
  auto put = [&](const std::string& s) {
    std::uint32_t n = std::uint32_t(s.size());
    for (int i = 3; i >= 0; --i) buf += char((n >> (8 * i)) & 0xFF);
    buf += s;
  };
  for (const auto& [name, a] : attrs) {
    put(name);
    put(a.data_type);
    bool binary = a.data_type.rfind("Binary", 0) == 0;
    buf += char(binary ? 2 : 1);
    put(binary ? a.binary_value : a.string_value);
  }
  return md5_hex(buf);
}

long queue::attr_long(const char* attribute, long fallback) const {
  auto it = attributes.find(attribute);
  return it == attributes.end() || it->second.empty() ? fallback : std::stol(it->second);
}

service::service(runtime& rt, std::string account, std::string region)
    : rt_(rt), account_(std::move(account)), region_(std::move(region)) {}

std::int64_t service::now_ms() const { return rt_.clock().now().time_since_epoch().count(); }

std::string service::url(const std::string& name, const std::string& host) const {
  return "http://" + (host.empty() ? std::string("localhost:4566") : host) + "/" + account_ + "/" + name;
}

queue* service::find(const std::string& name) {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

queue& service::by_name(const std::string& name) {
  queue* q = find(name);
  if (!q) throw no_queue();
  return *q;
}

queue& service::resolve(const json& req) {
  if (!req.is_object()) throw invalid("The request body must be a JSON object.");
  return by_name(queue_name_of_url(required(req, "QueueUrl")));
}

void service::expire(queue& q) {
  // Messages are kept in send order, so expired ones are at the front: O(expired), not O(n).
  // (A message redriven from another queue keeps its older SentTimestamp and may wait behind
  // newer ones; it expires when it reaches the front.)
  std::int64_t now = now_ms(), cutoff = now - q.attr_long("MessageRetentionPeriod", 345600) * 1000;
  while (!q.messages.empty() && q.messages.front().sent_ms < cutoff) {
    unsave(q, q.messages.front());
    q.messages.pop_front();
  }
  while (!q.dedup_order.empty() && q.dedup_order.front().first <= now) {
    auto it = q.dedup.find(q.dedup_order.front().second);
    if (it != q.dedup.end() && it->second.first <= now) {
      unsave_dedup(q, it->first);
      q.dedup.erase(it);
    }
    q.dedup_order.pop_front();
  }
}

void service::notify(queue& q) {
  for (auto& fn : q.on_visible) fn();
}

void service::schedule_visible(queue& q, std::int64_t at_ms) {
  if (q.on_visible.empty()) return;  // only event source mappings need to be told
  // One wake-up per time: a received batch shares its time, and a wake-up stays scheduled after
  // its messages are deleted (100,000 imported restaurants left 100,000 of them pending).
  if (!q.visible_wakes.insert(at_ms).second) return;
  std::string name = q.name;
  rt_.sched().at(instant(std::chrono::milliseconds(at_ms)), "sqs.visible", [this, name, at_ms] {
    if (queue* qq = find(name)) {
      qq->visible_wakes.erase(at_ms);
      notify(*qq);
    }
  });
}

void service::define_queue(const std::string& name, const json& attributes) {
  create_queue({{"QueueName", name}, {"Attributes", attributes}}, call{});
}

json service::create_queue(const json& req, const call& c) {
  std::string name = required(req, "QueueName");
  auto attrs = read_queue_attributes(req, true);
  bool fifo_name = name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
  std::string base = fifo_name ? name.substr(0, name.size() - 5) : name;
  bool name_ok = !base.empty() && name.size() <= 80;
  for (char ch : base) name_ok &= std::isalnum((unsigned char)ch) || ch == '-' || ch == '_';
  if (!name_ok) throw invalid("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  bool fifo = attrs.count("FifoQueue") && attrs["FifoQueue"] == "true";
  if (fifo != fifo_name)
    throw invalid(fifo ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
                         "must end with .fifo suffix and be 1 to 80 in length."
                       : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  if (!fifo && (attrs.count("ContentBasedDeduplication") || attrs.count("DeduplicationScope") ||
                attrs.count("FifoThroughputLimit")))
    throw err("InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.", "InvalidAttributeName");
  if (!fifo) attrs.erase("FifoQueue");
  if (queue* existing = find(name)) {
    // Idempotent when every given attribute matches; otherwise QueueNameExists.
    for (const auto& [k, v] : attrs) {
      auto it = existing->attributes.find(k);
      std::string current = it != existing->attributes.end() ? it->second : "";
      if (current != v)
        throw err("QueueNameExists",
                  "A queue already exists with the same name and a different value for attribute " + k,
                  "QueueAlreadyExists");
    }
    return {{"QueueUrl", url(name, c.host)}};
  }
  if (auto d = deleted_.find(name); d != deleted_.end() && now_ms() - d->second < reuse_delay_ms)
    throw err("QueueDeletedRecently",
              "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
              "AWS.SimpleQueueService.QueueDeletedRecently");
  auto q = std::make_unique<queue>();
  q->name = name;
  q->fifo = fifo;
  q->attributes = {{"VisibilityTimeout", "30"},
                   {"MaximumMessageSize", std::to_string(max_message_bytes)},
                   {"MessageRetentionPeriod", "345600"},
                   {"DelaySeconds", "0"},
                   {"ReceiveMessageWaitTimeSeconds", "0"},
                   {"SqsManagedSseEnabled", "true"}};
  if (fifo) q->attributes["FifoQueue"] = "true", q->attributes["ContentBasedDeduplication"] = "false";
  for (const auto& [k, v] : attrs) q->attributes[k] = v;
  q->created_s = q->modified_s = now_ms() / 1000;
  if (auto t = req.find("tags"); t != req.end() && t->is_object())
    for (const auto& [k, v] : t->items()) q->tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
  save_queue(*q);
  queues_[name] = std::move(q);
  rt_.trace().record("sqs.create_queue", "sqs", {{"queue", name}});
  return {{"QueueUrl", url(name, c.host)}};
}

json service::get_queue_url(const json& req, const call& c) {
  std::string name = required(req, "QueueName");
  by_name(name);
  return {{"QueueUrl", url(name, c.host)}};
}

json service::list_queues(const json& req, const call& c) {
  std::string prefix = str(req, "QueueNamePrefix");
  long max = int_member(req, "MaxResults", 1, 1000).value_or(1000);
  std::string after = str(req, "NextToken");
  json urls = json::array();
  std::string last;
  bool more = false;
  for (const auto& [n, q] : queues_) {
    if (n.rfind(prefix, 0) != 0 || (!after.empty() && n <= after)) continue;
    if (long(urls.size()) == max) {
      more = true;
      break;
    }
    urls.push_back(url(n, c.host));
    last = n;
  }
  json out = json::object();
  if (!urls.empty()) out["QueueUrls"] = urls;
  if (more && req.contains("MaxResults")) out["NextToken"] = last;
  return out;
}

json service::delete_queue(const json& req, const call&) {
  queue& q = resolve(req);
  std::string name = q.name;
  deleted_[name] = now_ms();
  unsave_messages(q);
  queues_.erase(name);
  unsave_queue(name);
  rt_.trace().record("sqs.delete_queue", "sqs", {{"queue", name}});
  return json::object();
}

std::string service::send(const std::string& queue_name, const std::string& body, const message_attributes& attrs,
                          std::optional<int> delay_seconds, const std::string& group_id, const std::string& dedup_id,
                          const std::string& trace_header) {
  queue& q = by_name(queue_name);
  if (body.empty()) throw missing("MessageBody");
  long max = q.attr_long("MaximumMessageSize", long(max_message_bytes));
  if (long(body.size() + attributes_size(attrs)) > max)
    throw invalid("One or more parameters are invalid. Reason: Message must be shorter than " + std::to_string(max) +
                  " bytes.");
  check_contents(body);
  expire(q);
  message m;
  m.body = body;
  m.attributes = attrs;
  m.md5_body = md5_hex(body);
  m.md5_attributes = md5_of_attributes(attrs);
  m.sent_ms = now_ms();
  m.trace_header = trace_header;
  if (q.fifo) {
    if (group_id.empty()) throw missing("MessageGroupId");
    if (delay_seconds)
      throw invalid("Value " + std::to_string(*delay_seconds) +
                    " for parameter DelaySeconds is invalid. Reason: The request include "
                    "parameter that is not valid for this queue type.");
    std::string dedup = dedup_id;
    if (dedup.empty()) {
      if (q.attributes["ContentBasedDeduplication"] != "true")
        throw invalid(
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided "
            "explicitly");
      dedup = sha256_hex(body);  // the body only, as AWS
    }
    std::string key = (q.attributes["DeduplicationScope"] == "messageGroup" ? group_id + "/" : "") + dedup;
    if (auto d = q.dedup.find(key); d != q.dedup.end() && d->second.first > now_ms()) {
      // A duplicate within five minutes is accepted and not delivered.
      rt_.trace().record("sqs.deduplicated", "sqs", {{"queue", q.name}, {"message_id", d->second.second}});
      return d->second.second;
    }
    m.group_id = group_id;
    m.dedup_id = dedup;
    m.sequence_number = std::to_string(10000000000000000000ULL + q.next_sequence++);
    m.id = rt_.ids().uuid();
    q.dedup[key] = {now_ms() + dedup_window_ms, m.id};
    q.dedup_order.emplace_back(now_ms() + dedup_window_ms, key);
    save_dedup(q, key);
    save_queue(q);  // its next sequence number
  } else {
    m.id = rt_.ids().uuid();
    m.group_id = group_id;  // fair queues: accepted and stored
  }
  long delay = delay_seconds ? *delay_seconds : q.attr_long("DelaySeconds", 0);
  m.visible_at_ms = m.sent_ms + delay * 1000;
  std::string id = m.id;
  m.order = next_order_++;
  q.messages.push_back(std::move(m));
  save(q, q.messages.back());
  std::string data;
  object_text(data).string("queue", q.name).string("message_id", id).close();
  q.messages.back().sent_seq = rt_.trace().record_text("sqs.send", "sqs", data, trace_root(trace_header));
  if (delay > 0)
    schedule_visible(q, now_ms() + delay * 1000);
  else
    notify(q);
  return id;
}

json service::send_message(const json& req, const call&) {
  queue& q = resolve(req);
  std::optional<long> delay = int_member(req, "DelaySeconds", 0, 900);
  std::string body = str(req, "MessageBody");
  message_attributes attrs = read_attributes(req);
  std::string trace_header;
  if (auto sa = req.find("MessageSystemAttributes");
      sa != req.end() && sa->is_object() && sa->contains("AWSTraceHeader"))
    trace_header = (*sa)["AWSTraceHeader"].value("StringValue", "");
  std::string id = send(q.name, body, attrs, delay ? std::optional<int>(int(*delay)) : std::nullopt,
                        str(req, "MessageGroupId"), str(req, "MessageDeduplicationId"), trace_header);
  json out = {{"MD5OfMessageBody", md5_hex(body)}};
  if (!attrs.empty()) out["MD5OfMessageAttributes"] = md5_of_attributes(attrs);
  out["MessageId"] = id;
  if (q.fifo)
    for (const auto& m : q.messages)
      if (m.id == id) out["SequenceNumber"] = m.sequence_number;
  return out;
}

json service::send_message_batch(const json& req, const call& c) {
  queue& q = resolve(req);
  const json& entries = batch_entries(req, "Entries", "SendMessageBatchRequestEntry");
  std::size_t total = 0;
  for (const auto& e : entries) total += e.value("MessageBody", "").size();
  long max = q.attr_long("MaximumMessageSize", long(max_message_bytes));
  if (long(total) > max)
    throw err("BatchRequestTooLong",
              "Batch requests cannot be longer than " + std::to_string(max) + " bytes. You have sent " +
                  std::to_string(total) + " bytes.",
              "AWS.SimpleQueueService.BatchRequestTooLong");
  return each_entry(entries, [&](const json& e) {
    json one = e;
    one["QueueUrl"] = req["QueueUrl"];
    return send_message(one, c);
  });
}

std::vector<message*> service::receive(queue& q, int max, std::optional<int> visibility_timeout) {
  expire(q);
  std::int64_t now = now_ms();
  long vt = visibility_timeout ? *visibility_timeout : q.attr_long("VisibilityTimeout", 30);
  // Redrive: past maxReceiveCount a message goes to the dead-letter queue instead.
  queue* dlq = nullptr;
  long max_receives = 0;
  if (auto rp = q.attributes.find("RedrivePolicy"); rp != q.attributes.end() && !rp->second.empty()) {
    json p = json::parse(rp->second, nullptr, false);
    std::string target = p.value("deadLetterTargetArn", "");
    dlq = find(target.substr(target.find_last_of(':') + 1));
    if (dlq == &q) dlq = nullptr;  // a queue cannot be its own dead-letter queue
    max_receives = p["maxReceiveCount"].is_string() ? std::stol(p["maxReceiveCount"].get<std::string>())
                                                    : p["maxReceiveCount"].get<long>();
  }
  std::set<std::string> locked;  // FIFO groups with a message in flight (or an earlier hidden one)
  if (q.fifo)
    for (const auto& m : q.messages)
      if (m.visible_at_ms > now) locked.insert(m.group_id);
  std::vector<message*> out;
  for (auto it = q.messages.begin(); it != q.messages.end() && int(out.size()) < max;) {
    message& m = *it;
    if (m.visible_at_ms > now || (q.fifo && locked.count(m.group_id))) {
      ++it;
      continue;
    }
    if (dlq && max_receives > 0 && m.receive_count >= max_receives) {
      message moved = m;
      moved.visible_at_ms = now;
      moved.receipt.clear();
      moved.dlq_source_arn = arn(q.name);
      rt_.trace().record(
          "sqs.dead_letter", "sqs",
          {{"queue", q.name}, {"dlq", dlq->name}, {"message_id", m.id}, {"receive_count", m.receive_count}});
      moved.order = next_order_++;
      dlq->messages.push_back(std::move(moved));
      save(*dlq, dlq->messages.back());
      notify(*dlq);
      unsave(q, m);
      it = q.messages.erase(it);
      continue;
    }
    m.receive_count++;
    if (!m.first_receive_ms) m.first_receive_ms = now;
    m.receipt = base64_encode(q.name + "/" + m.id + "/" + rt_.ids().uuid());
    m.visible_at_ms = now + vt * 1000;
    save(q, m);
    out.push_back(&m);
    schedule_visible(q, m.visible_at_ms);
    ++it;
  }
  return out;
}

json service::message_json(const message& m, const json& req) const {
  json out = {{"MessageId", m.id}, {"ReceiptHandle", m.receipt}, {"MD5OfBody", m.md5_body}, {"Body", m.body}};
  // System attributes: AttributeNames (deprecated) and MessageSystemAttributeNames, as a union.
  std::set<std::string> wanted;
  for (const char* k : {"AttributeNames", "MessageSystemAttributeNames"})
    if (auto it = req.find(k); it != req.end() && it->is_array())
      for (const auto& n : *it)
        if (n.is_string()) wanted.insert(n.get<std::string>());
  bool all = wanted.count("All") > 0;
  json attrs = json::object();
  auto add = [&](const char* name, const std::string& v) {
    if ((all || wanted.count(name)) && !v.empty()) attrs[name] = v;
  };
  add("SenderId", "AIDAIENQZJOLO23YVJ4VO");
  add("ApproximateFirstReceiveTimestamp", std::to_string(m.first_receive_ms));
  add("ApproximateReceiveCount", std::to_string(m.receive_count));
  add("SentTimestamp", std::to_string(m.sent_ms));
  add("SequenceNumber", m.sequence_number);
  add("MessageDeduplicationId", m.dedup_id);
  add("MessageGroupId", m.group_id);
  add("AWSTraceHeader", m.trace_header);
  add("DeadLetterQueueSourceArn", m.dlq_source_arn);
  if (!attrs.empty()) out["Attributes"] = attrs;
  // Message attributes by name, All / .*, or "prefix.*".
  std::vector<std::string> names;
  if (auto it = req.find("MessageAttributeNames"); it != req.end() && it->is_array())
    for (const auto& n : *it)
      if (n.is_string()) names.push_back(n.get<std::string>());
  message_attributes chosen;
  for (const auto& [k, a] : m.attributes)
    for (const auto& n : names)
      if (n == "All" || n == ".*" || n == k ||
          (n.size() > 2 && n.ends_with(".*") && k.rfind(n.substr(0, n.size() - 1), 0) == 0))
        chosen[k] = a;
  if (!chosen.empty()) {
    out["MD5OfMessageAttributes"] = md5_of_attributes(chosen);
    json ma = json::object();
    for (const auto& [k, a] : chosen) {
      json v = {{"DataType", a.data_type}};
      if (a.data_type.rfind("Binary", 0) == 0)
        v["BinaryValue"] = base64_encode(a.binary_value);
      else
        v["StringValue"] = a.string_value;
      ma[k] = v;
    }
    out["MessageAttributes"] = ma;
  }
  return out;
}

json service::receive_message(const json& req, const call& c) {
  queue& q = resolve(req);
  long max = int_member(req, "MaxNumberOfMessages", 1, 10).value_or(1);
  std::optional<long> vt = int_member(req, "VisibilityTimeout", 0, 43200);
  long wait = int_member(req, "WaitTimeSeconds", 0, 20).value_or(q.attr_long("ReceiveMessageWaitTimeSeconds", 0));
  auto got = receive(q, int(max), vt ? std::optional<int>(int(*vt)) : std::nullopt);
  if (got.empty() && wait > 0) {
    // Long polling: on serve the request waits (outside the world lock) for a send; scenarios
    // run in virtual time and answer at once.
    instant deadline = c.poll_deadline.value_or(rt_.clock().now() + std::chrono::seconds(wait));
    if (rt_.clock().now() < deadline && !rt_.clock().is_virtual()) throw poll_later{deadline};
  }
  json msgs = json::array();
  for (message* m : got) msgs.push_back(message_json(*m, req));
  if (!got.empty()) {
    json ids = json::array();
    for (message* m : got) ids.push_back(m->id);
    // Caused by whoever asked (the current context), not by the messages: they name their sends.
    rt_.trace().record("sqs.receive", "sqs", {{"queue", q.name}, {"count", got.size()}, {"message_ids", ids}});
  }
  json out = json::object();
  if (!msgs.empty()) out["Messages"] = msgs;
  return out;
}

bool service::remove(queue& q, const std::string& receipt) {
  for (auto it = q.messages.begin(); it != q.messages.end(); ++it)
    if (!it->receipt.empty() && it->receipt == receipt) {
      std::string data;
      object_text(data).string("queue", q.name).string("message_id", it->id).close();
      rt_.trace().record_text("sqs.delete", "sqs", data);
      unsave(q, *it);
      q.messages.erase(it);
      return true;
    }
  return false;
}

namespace {
// A receipt handle this emulator could have issued: base64 of "queue/message id/nonce".
void check_receipt(const queue& q, const std::string& receipt) {
  auto raw = base64_decode(receipt);
  if (receipt.empty() || !raw || raw->rfind(q.name + "/", 0) != 0)
    throw err("ReceiptHandleIsInvalid", "The input receipt handle \"" + receipt + "\" is not a valid receipt handle.",
              "ReceiptHandleIsInvalid", 404);
}
}  // namespace

json service::delete_message(const json& req, const call&) {
  queue& q = resolve(req);
  std::string receipt = required(req, "ReceiptHandle");
  check_receipt(q, receipt);
  // An outdated handle on a standard queue "succeeds but might not delete" (AWS docs).
  remove(q, receipt);
  return json::object();
}

json service::delete_message_batch(const json& req, const call& c) {
  resolve(req);
  const json& entries = batch_entries(req, "Entries", "DeleteMessageBatchRequestEntry");
  return each_entry(entries, [&](const json& e) {
    delete_message({{"QueueUrl", req["QueueUrl"]}, {"ReceiptHandle", e.value("ReceiptHandle", "")}}, c);
    return json::object();
  });
}

json service::change_message_visibility(const json& req, const call&) {
  queue& q = resolve(req);
  std::string receipt = required(req, "ReceiptHandle");
  auto vt = int_member(req, "VisibilityTimeout", 0, 43200);
  if (!vt) throw missing("VisibilityTimeout");
  check_receipt(q, receipt);
  std::int64_t now = now_ms();
  for (auto& m : q.messages)
    if (m.receipt == receipt) {
      if (m.visible_at_ms <= now) break;  // not in flight any more
      m.visible_at_ms = now + *vt * 1000;
      save(q, m);
      if (*vt == 0)
        notify(q);
      else
        schedule_visible(q, m.visible_at_ms);
      return json::object();
    }
  throw err("MessageNotInflight",
            "Value " + receipt +
                " for parameter ReceiptHandle is invalid. Reason: Message does not exist or "
                "is not available for visibility timeout change.",
            "AWS.SimpleQueueService.MessageNotInflight");
}

json service::change_message_visibility_batch(const json& req, const call& c) {
  resolve(req);
  const json& entries = batch_entries(req, "Entries", "ChangeMessageVisibilityBatchRequestEntry");
  return each_entry(entries, [&](const json& e) {
    change_message_visibility(
        {{"QueueUrl", req["QueueUrl"]},
         {"ReceiptHandle", e.value("ReceiptHandle", "")},
         {"VisibilityTimeout", e.contains("VisibilityTimeout") ? e["VisibilityTimeout"] : json()}},
        c);
    return json::object();
  });
}

json service::purge_queue(const json& req, const call&) {
  queue& q = resolve(req);
  if (q.purged_ms >= 0 && now_ms() - q.purged_ms < purge_interval_ms)
    throw err("PurgeQueueInProgress", "Only one PurgeQueue operation on " + q.name + " is allowed every 60 seconds.",
              "AWS.SimpleQueueService.PurgeQueueInProgress", 403);
  q.purged_ms = now_ms();
  unsave_messages(q);
  q.messages.clear();
  save_queue(q);
  rt_.trace().record("sqs.purge", "sqs", {{"queue", q.name}});
  return json::object();
}

service::counts service::count(queue& q) {
  expire(q);
  counts c;
  std::int64_t now = now_ms();
  for (const auto& m : q.messages) {
    if (m.visible_at_ms <= now)
      c.visible++;
    else if (m.receive_count > 0)
      c.in_flight++;
    else
      c.delayed++;
  }
  return c;
}

bool service::any_visible(queue& q) {
  expire(q);
  std::int64_t now = now_ms();
  return std::any_of(q.messages.begin(), q.messages.end(), [now](const message& m) { return m.visible_at_ms <= now; });
}

json service::get_queue_attributes(const json& req, const call&) {
  queue& q = resolve(req);
  std::set<std::string> wanted;
  if (auto it = req.find("AttributeNames"); it != req.end() && it->is_array())
    for (const auto& n : *it) wanted.insert(n.get<std::string>());
  counts c = count(q);
  std::map<std::string, std::string> all = q.attributes;
  all["ApproximateNumberOfMessages"] = std::to_string(c.visible);
  all["ApproximateNumberOfMessagesNotVisible"] = std::to_string(c.in_flight);
  all["ApproximateNumberOfMessagesDelayed"] = std::to_string(c.delayed);
  all["CreatedTimestamp"] = std::to_string(q.created_s);
  all["LastModifiedTimestamp"] = std::to_string(q.modified_s);
  all["QueueArn"] = arn(q.name);
  for (const auto& w : wanted)
    if (w != "All" && !all.count(w) && w != "Policy" && w != "RedrivePolicy" && w != "RedriveAllowPolicy" &&
        w != "KmsMasterKeyId" && w != "KmsDataKeyReusePeriodSeconds" && w != "DeduplicationScope" &&
        w != "FifoThroughputLimit")
      throw err("InvalidAttributeName", "Unknown Attribute " + w + ".", "InvalidAttributeName");
  json out = json::object();
  for (const auto& [k, v] : all)
    if (wanted.count("All") || wanted.count(k)) out[k] = v;
  if (out.empty()) return json::object();
  return {{"Attributes", out}};
}

json service::set_queue_attributes(const json& req, const call&) {
  queue& q = resolve(req);
  auto attrs = read_queue_attributes(req, false);
  if (!q.fifo && attrs.count("ContentBasedDeduplication"))
    throw err("InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.", "InvalidAttributeName");
  for (const auto& [k, v] : attrs) q.attributes[k] = v;
  q.modified_s = now_ms() / 1000;
  save_queue(q);
  return json::object();
}

json service::tag_queue(const json& req, const call&) {
  queue& q = resolve(req);
  auto tags = q.tags;  // a refused call changes nothing
  if (auto t = req.find("Tags"); t != req.end() && t->is_object())
    for (const auto& [k, v] : t->items()) tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
  if (tags.size() > 50) throw invalid("Too many tags added for queue " + q.name + ".");
  q.tags = std::move(tags);
  save_queue(q);
  return json::object();
}

json service::untag_queue(const json& req, const call&) {
  queue& q = resolve(req);
  if (auto t = req.find("TagKeys"); t != req.end() && t->is_array())
    for (const auto& k : *t) q.tags.erase(k.get<std::string>());
  save_queue(q);
  return json::object();
}

json service::list_queue_tags(const json& req, const call&) {
  queue& q = resolve(req);
  if (q.tags.empty()) return json::object();
  json t = json::object();
  for (const auto& [k, v] : q.tags) t[k] = v;
  return {{"Tags", t}};
}

json service::list_dead_letter_source_queues(const json& req, const call& c) {
  queue& target = resolve(req);
  json urls = json::array();
  for (const auto& [n, q] : queues_) {
    auto rp = q->attributes.find("RedrivePolicy");
    if (rp == q->attributes.end()) continue;
    json p = json::parse(rp->second, nullptr, false);
    if (p.is_object() && p.value("deadLetterTargetArn", "") == arn(target.name)) urls.push_back(url(n, c.host));
  }
  return {{"queueUrls", urls}};
}

std::int64_t service::oldest_age_ms(const queue& q) const {
  std::int64_t oldest = 0;
  for (const auto& m : q.messages) oldest = oldest ? std::min(oldest, m.sent_ms) : m.sent_ms;
  return oldest ? std::max<std::int64_t>(0, now_ms() - oldest) : 0;
}

json service::metrics() {
  json out = json::object();
  for (auto& [n, q] : queues_) {
    counts c = count(*q);
    out[n] = {{"visible", c.visible},
              {"in_flight", c.in_flight},
              {"delayed", c.delayed},
              {"oldest_age_ms", oldest_age_ms(*q)}};
  }
  return out;
}

const std::map<std::string, operation>& operations() {
  static const std::map<std::string, operation> ops = {
      {"CreateQueue", &service::create_queue},
      {"GetQueueUrl", &service::get_queue_url},
      {"ListQueues", &service::list_queues},
      {"DeleteQueue", &service::delete_queue},
      {"SendMessage", &service::send_message},
      {"SendMessageBatch", &service::send_message_batch},
      {"ReceiveMessage", &service::receive_message},
      {"DeleteMessage", &service::delete_message},
      {"DeleteMessageBatch", &service::delete_message_batch},
      {"ChangeMessageVisibility", &service::change_message_visibility},
      {"ChangeMessageVisibilityBatch", &service::change_message_visibility_batch},
      {"PurgeQueue", &service::purge_queue},
      {"GetQueueAttributes", &service::get_queue_attributes},
      {"SetQueueAttributes", &service::set_queue_attributes},
      {"TagQueue", &service::tag_queue},
      {"UntagQueue", &service::untag_queue},
      {"ListQueueTags", &service::list_queue_tags},
      {"ListDeadLetterSourceQueues", &service::list_dead_letter_source_queues},
  };
  return ops;
}

}  // namespace emu::sqs
