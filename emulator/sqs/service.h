// SQS: standard and FIFO queues in memory, on the runtime's clock (virtual in scenarios):
// visibility timeouts, delays, retention, long polling, redrive to dead-letter queues, FIFO
// groups and deduplication, message attributes with AWS's MD5s. The API takes and returns the
// AWS JSON 1.0 shapes; query.cc translates the query protocol (form in, XML out) to the same
// calls, so both wire protocols share one implementation (research/sqs-apigw.md §1).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/error.h"
#include "emulator/core/json.h"
#include "emulator/core/runtime.h"

namespace emu::durable {
class store;
}

namespace emu::sqs {

struct message_attribute {
  std::string data_type;     // String, Number, Binary, or a custom "Number.float" style type
  std::string string_value;  // String and Number types
  std::string binary_value;  // Binary: the raw bytes (base64 only on the wire)
};
using message_attributes = std::map<std::string, message_attribute>;  // sorted: the MD5 needs it

// MD5OfMessageAttributes as AWS computes it (research §1.4); empty for no attributes.
std::string md5_of_attributes(const message_attributes& attrs);

struct message {
  std::string id;
  std::string body;
  message_attributes attributes;
  std::string md5_body, md5_attributes;
  std::int64_t sent_ms = 0;
  std::int64_t visible_at_ms = 0;  // the message is hidden (delayed or in flight) before this
  std::int64_t first_receive_ms = 0;
  int receive_count = 0;
  std::string receipt;  // the latest receipt handle ("" before any receive)
  std::string group_id, dedup_id, sequence_number, trace_header, dlq_source_arn;
  std::uint64_t order = 0;     // position in the service's send order (the durable store's key)
  std::uint64_t sent_seq = 0;  // the trace entry of its send: what a receive names as its cause
};

// The trace id in an AWSTraceHeader ("Root=…;Parent=…"), or the header itself without a Root.
std::string trace_root(const std::string& header);

struct queue {
  std::string name;
  bool fifo = false;
  std::map<std::string, std::string> attributes;  // configured attributes, as strings
  std::int64_t created_s = 0, modified_s = 0;
  std::list<message> messages;                                        // in send order
  std::map<std::string, std::pair<std::int64_t, std::string>> dedup;  // dedup key → (expiry ms, MessageId)
  std::deque<std::pair<std::int64_t, std::string>> dedup_order;       // (expiry ms, key), oldest first
  std::uint64_t next_sequence = 1;
  std::int64_t purged_ms = -1;
  std::map<std::string, std::string> tags;
  std::vector<std::function<void()>> on_visible;  // event source mappings listening
  std::set<std::int64_t> visible_wakes;           // times a wake-up is scheduled for (one per time)

  long attr_long(const char* attribute, long fallback) const;
};

// The wire's context of one call.
struct call {
  std::string host = "localhost:4566";   // queue URLs are built from the request's Host
  std::optional<instant> poll_deadline;  // set when serve retries a long poll
};

class service {
 public:
  service(runtime& rt, std::string account, std::string region);

  // ---- SQS API (AWS JSON 1.0 shapes; throws aws_error with SQS's names and legacy codes) ----
  json create_queue(const json& req, const call& c);
  json get_queue_url(const json& req, const call& c);
  json list_queues(const json& req, const call& c);
  json delete_queue(const json& req, const call& c);
  json send_message(const json& req, const call& c);
  json send_message_batch(const json& req, const call& c);
  json receive_message(const json& req, const call& c);
  json delete_message(const json& req, const call& c);
  json delete_message_batch(const json& req, const call& c);
  json change_message_visibility(const json& req, const call& c);
  json change_message_visibility_batch(const json& req, const call& c);
  json purge_queue(const json& req, const call& c);
  json get_queue_attributes(const json& req, const call& c);
  json set_queue_attributes(const json& req, const call& c);
  json tag_queue(const json& req, const call& c);
  json untag_queue(const json& req, const call& c);
  json list_queue_tags(const json& req, const call& c);
  json list_dead_letter_source_queues(const json& req, const call& c);

  // ---- for the system wiring, event source mappings, scenarios and /_emu ----
  // Creates a queue from the system definition (attributes as CreateQueue takes them).
  void define_queue(const std::string& name, const json& attributes);
  queue* find(const std::string& name);
  const std::string& region() const { return region_; }
  std::string arn(const std::string& name) const { return "arn:aws:sqs:" + region_ + ":" + account_ + ":" + name; }
  std::string url(const std::string& name, const std::string& host = "localhost:4566") const;
  // Sends as SendMessage would; returns the MessageId.
  std::string send(const std::string& queue_name, const std::string& body, const message_attributes& attrs = {},
                   std::optional<int> delay_seconds = std::nullopt, const std::string& group_id = "",
                   const std::string& dedup_id = "", const std::string& trace_header = "");
  // Receives up to `max` messages as ReceiveMessage would (visibility timeout of the queue
  // unless given); moves messages past maxReceiveCount to the dead-letter queue on the way.
  std::vector<message*> receive(queue& q, int max, std::optional<int> visibility_timeout = std::nullopt);
  // Deletes by receipt handle; false when no in-flight message has it.
  bool remove(queue& q, const std::string& receipt);
  // Counts: visible, in flight, delayed.
  struct counts {
    std::size_t visible = 0, in_flight = 0, delayed = 0;
  };
  counts count(queue& q);
  // Whether count(q).visible > 0, stopping at the first visible message: a mapping asks after
  // every batch, and a deep queue made counting all of them quadratic.
  bool any_visible(queue& q);
  json metrics();
  // For the dashboard (GET /_emu/queues): every queue with its counts, the age of its oldest
  // message and its dead-letter queue; and the first `limit` messages of one, in send order, as
  // they are — nothing is received or changed (bodies past 4 KiB are cut). inspect.cc.
  json inspect();
  json peek(const std::string& name, std::size_t limit);
  std::size_t max_message_bytes = 262'144;  // `serve --sqs-max-message-bytes`

  // `serve --data-dir`: loads the queues, messages (with their receipt state) and FIFO
  // deduplication entries `s` holds — queues of the system definition keep its attributes —
  // and from then on stages every change in `s` (emulator/durable/store.h; the caller commits).
  void persist(durable::store& s);

 private:
  queue& resolve(const json& req);  // QueueUrl → queue, or QueueDoesNotExist
  queue& by_name(const std::string& name);
  void expire(queue& q);  // drops messages past the retention period
  void schedule_visible(queue& q, std::int64_t at_ms);
  void notify(queue& q);
  json message_json(const message& m, const json& req) const;
  std::int64_t now_ms() const;
  // The age of the oldest message not deleted (CloudWatch's ApproximateAgeOfOldestMessage); 0 when empty.
  std::int64_t oldest_age_ms(const queue& q) const;
  // Staging in the durable store (no-ops without one); persist.cc.
  void save_queue(const queue& q);
  void save(const queue& q, const message& m);
  void unsave(const queue& q, const message& m);
  void save_dedup(const queue& q, const std::string& key);
  void unsave_dedup(const queue& q, const std::string& key);
  void unsave_queue(const std::string& name);
  void unsave_messages(const queue& q);

  runtime& rt_;
  durable::store* store_ = nullptr;
  std::uint64_t next_order_ = 1;
  std::string account_, region_;
  std::map<std::string, std::unique_ptr<queue>> queues_;
  std::map<std::string, std::int64_t> deleted_;  // name → deletion time (QueueDeletedRecently)
};

// Operation name → member; describe_api (api.h) wraps them for every caller.
using operation = json (service::*)(const json&, const call&);
const std::map<std::string, operation>& operations();

}  // namespace emu::sqs
