#include "emulator/dynamo/stream_mapping.h"

#include <algorithm>
#include <cstdio>

#include "emulator/core/digest.h"

#include "emulator/core/time_format.h"

namespace emu::dynamo {

namespace {

std::int64_t epoch_ms_of(instant t) { return t.time_since_epoch().count(); }
std::string iso(std::int64_t ms) { return iso8601_ms(instant(std::chrono::milliseconds(ms))); }

// The lowest sequence number a ReportBatchItemFailures answer names; nullopt: the batch
// succeeded. Throws (a whole-batch failure) for an answer Lambda cannot read.
std::optional<std::int64_t> first_failed(const json& response, const std::vector<stream_record>& batch) {
  if (response.is_null() || (response.is_object() && response.empty())) return std::nullopt;
  if (!response.is_object()) throw std::runtime_error("malformed batch response");
  auto it = response.find("batchItemFailures");
  if (it == response.end()) throw std::runtime_error("malformed batch response");
  if (it->is_null()) return std::nullopt;
  if (!it->is_array()) throw std::runtime_error("malformed batch response");
  std::optional<std::int64_t> lowest;
  for (const auto& f : *it) {
    auto id = f.is_object() ? f.find("itemIdentifier") : f.end();
    if (!f.is_object() || id == f.end() || !id->is_string()) throw std::runtime_error("malformed batch response");
    auto rec = std::find_if(batch.begin(), batch.end(),
                            [&](const stream_record& r) { return r.body["dynamodb"]["SequenceNumber"] == *id; });
    if (rec == batch.end()) throw std::runtime_error("unknown itemIdentifier");
    if (!lowest || rec->seq < *lowest) lowest = rec->seq;
  }
  return lowest;
}

// A batch's trace id, UUID-shaped and derived from where it starts, so a stream draws nothing
// from the id source (adding one to a system leaves every other id as it was).
std::string batch_trace_id(const std::string& arn, std::int64_t seq, int attempt) {
  std::uint64_t a = fnv1a64(arn + "#" + std::to_string(seq)), b = fnv1a64(std::to_string(attempt) + "#" + arn);
  char out[40];
  std::snprintf(out, sizeof out, "%08x-%04x-4%03x-8%03x-%012llx", unsigned(a >> 32), unsigned(a >> 16) & 0xffffu,
                unsigned(a) & 0xfffu, unsigned(b >> 52) & 0xfffu, (unsigned long long)(b & 0xffffffffffffULL));
  return out;
}

}  // namespace

stream_mapping::stream_mapping(runtime& rt, service& db, stream_mapping_config cfg, invoke_fn invoke, filter_fn filter,
                               failure_fn on_failure)
    : rt_(rt),
      db_(db),
      cfg_(std::move(cfg)),
      invoke_(std::move(invoke)),
      filter_(std::move(filter)),
      on_failure_(std::move(on_failure)),
      name_(cfg_.table + " -> " + cfg_.function) {
  stream_log& log = db_.streams();
  stream_arn_ = db_.stream_arn(cfg_.table);
  const stream_info* s = log.find_arn(stream_arn_);
  if (!s) throw std::runtime_error("event source mapping: table " + cfg_.table + " has no stream");
  stream_id_ = s->id;
  shard_id_ = s->shard_id;
  auto saved = log.checkpoint(name_);
  next_ = saved                                      ? *saved
          : cfg_.starting_position == "TRIM_HORIZON" ? std::max(s->first_seq, s->trimmed_to)
                                                     : log.next_sequence();
  if (!saved) log.set_checkpoint(name_, next_);
  listener_ = log.on_append([this](int id) {
    if (id == stream_id_) wake(cfg_.batching_window);
  });
  if (s->last_seq >= next_) wake(duration(0));  // records left from before a restart
}

stream_mapping::~stream_mapping() {
  *alive_ = false;
  db_.streams().forget(listener_);
}

void stream_mapping::wake(duration after) {
  if (!cfg_.enabled || scheduled_) return;
  scheduled_ = true;
  rt_.sched().after(after, "dynamodb.stream.poll", [this, alive = alive_] {
    if (!*alive) return;
    scheduled_ = false;
    poll();
  });
}

void stream_mapping::advance(std::int64_t next) {
  next_ = next;
  attempts_ = 0;
  limit_ = 0;
  db_.streams().set_checkpoint(name_, next_);
}

void stream_mapping::give_up(const std::vector<stream_record>& batch, const char* condition,
                             const std::string& trace_id, std::uint64_t cause) {
  rt_.trace().record("dynamodb.stream.discarded", "dynamodb",
                     {{"table", cfg_.table},
                      {"function", cfg_.function},
                      {"records", batch.size()},
                      {"condition", condition},
                      {"first_sequence", stream_log::sequence_text(batch.front().seq)},
                      {"last_sequence", stream_log::sequence_text(batch.back().seq)}},
                     trace_id, cause);
  if (!on_failure_) return;
  std::int64_t now = epoch_ms_of(rt_.clock().now());
  // Lambda's on-failure record for a stream (its DDBStreamBatchInfo shape).
  on_failure_(
      {{"requestContext",
        {{"requestId", rt_.ids().uuid()},
         {"functionArn", cfg_.function_arn},
         {"condition", condition},
         {"approximateInvokeCount", attempts_}}},
       {"responseContext", {{"statusCode", 200}, {"executedVersion", "$LATEST"}, {"functionError", "Unhandled"}}},
       {"version", "1.0"},
       {"timestamp", iso(now)},
       {"DDBStreamBatchInfo",
        {{"shardId", shard_id_},
         {"startSequenceNumber", stream_log::sequence_text(batch.front().seq)},
         {"endSequenceNumber", stream_log::sequence_text(batch.back().seq)},
         {"approximateArrivalOfFirstRecord", iso(batch.front().created_ms)},
         {"approximateArrivalOfLastRecord", iso(batch.back().created_ms)},
         {"batchSize", batch.size()},
         {"streamArn", stream_arn_}}}});
}

void stream_mapping::poll() {
  if (!cfg_.enabled) return;
  stream_log& log = db_.streams();
  log.expire();
  const stream_info* s = log.find(stream_id_);
  if (!s) return;                                     // the stream is gone (disabled more than 24 hours ago)
  if (next_ < s->trimmed_to) advance(s->trimmed_to);  // records that expired unread are lost, as in AWS
  std::vector<stream_record> batch = log.read(stream_id_, next_, limit_ ? limit_ : std::size_t(cfg_.batch_size));
  if (batch.empty()) return;
  std::int64_t now = epoch_ms_of(rt_.clock().now());
  // Records older than max_record_age are not sent; they go to the on-failure destination.
  if (cfg_.max_record_age) {
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(*cfg_.max_record_age).count();
    auto young =
        std::find_if(batch.begin(), batch.end(), [&](const stream_record& r) { return now - r.created_ms <= age; });
    if (young != batch.begin()) {
      std::vector<stream_record> old(batch.begin(), young);
      give_up(old, "RecordAgeExceeded", "", 0);
      advance(old.back().seq + 1);
      wake(duration(0));
      return;
    }
  }
  json records = json::array();
  std::vector<std::string> sequence_numbers;
  for (const auto& r : batch) {
    json rec = stream_log::lambda_record(r, stream_arn_);
    if (filter_ && !filter_(rec)) continue;  // filtered out: never sent, and read past
    sequence_numbers.push_back(r.body["dynamodb"]["SequenceNumber"]);
    records.push_back(std::move(rec));
  }
  if (records.empty()) {
    rt_.trace().record("dynamodb.stream.filtered", "dynamodb",
                       {{"table", cfg_.table}, {"function", cfg_.function}, {"records", batch.size()}});
    advance(batch.back().seq + 1);
    wake(duration(0));
    return;
  }
  // A batch starts a trace of its own: trace context does not travel through a stream (X-Ray
  // does not follow it either). The trace of the first record's write is named in the entry.
  std::string trace_id = batch_trace_id(stream_arn_, batch.front().seq, attempts_);
  std::uint64_t read = rt_.trace().record("dynamodb.stream.receive", "dynamodb",
                                          {{"table", cfg_.table},
                                           {"function", cfg_.function},
                                           {"count", records.size()},
                                           {"sequence_numbers", sequence_numbers},
                                           {"written_in_trace", batch.front().trace_id}},
                                          trace_id, 0);
  bool failed = false;
  std::optional<std::int64_t> failed_from;
  {
    trace_scope scope(rt_.trace(), {trace_id, read});
    try {
      json result = invoke_({{"Records", std::move(records)}});
      if (cfg_.report_batch_item_failures) failed_from = first_failed(result, batch);
    } catch (const std::exception&) {
      failed = true;
    }
  }
  if (!failed && !failed_from) {
    rt_.trace().record("dynamodb.stream.batch", "dynamodb",
                       {{"table", cfg_.table}, {"function", cfg_.function}, {"records", batch.size()}, {"failed", 0}},
                       trace_id, read);
    advance(batch.back().seq + 1);
    // The function may have done anything meanwhile, even to the stream: look it up again.
    if (const stream_info* now_s = log.find(stream_id_); now_s && now_s->last_seq >= next_) wake(duration(0));
    return;
  }
  // The records before the first failed one are done; the rest are retried, in order.
  if (failed_from && *failed_from > next_) {
    batch.erase(
        std::remove_if(batch.begin(), batch.end(), [&](const stream_record& r) { return r.seq < *failed_from; }),
        batch.end());
    advance(*failed_from);
  }
  bool split = cfg_.bisect_on_error && batch.size() > 1;
  if (!split) ++attempts_;
  rt_.trace().record("dynamodb.stream.batch", "dynamodb",
                     {{"table", cfg_.table},
                      {"function", cfg_.function},
                      {"records", batch.size()},
                      {"failed", batch.size()},
                      {"attempt", attempts_},
                      {"split", split}},
                     trace_id, read);
  // Splitting is not a retry: a batch is halved until the record that fails is alone, and
  // only then do its failures count against max_retries.
  if (split) {
    limit_ = (batch.size() + 1) / 2;
    wake(duration(0));
    return;
  }
  if (cfg_.max_retries >= 0 && attempts_ > cfg_.max_retries) {
    give_up(batch, "RetryAttemptsExhausted", trace_id, read);
    advance(batch.back().seq + 1);
    wake(duration(0));
    return;
  }
  // Lambda retries a stream batch with backoff; here 1 s doubling to at most a minute.
  wake(rt_.ids().backoff(std::chrono::seconds(1), std::chrono::seconds(60), attempts_ - 1));
}

}  // namespace emu::dynamo
