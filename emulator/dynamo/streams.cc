#include "emulator/dynamo/streams.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "emulator/core/digest.h"
#include "emulator/core/error.h"
#include "emulator/core/time_format.h"
#include "emulator/dynamo/internal.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {

using namespace detail;

namespace {

std::string hex16(std::uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016" PRIx64, v);
  return b;
}

// "1" and 20 digits: fixed width, so text order is number order, and within the 21–40 digits
// the API allows.
constexpr std::int64_t seq_base_digits = 20;

std::optional<std::int64_t> parse_sequence(const std::string& text) {
  if (text.size() != seq_base_digits + 1 || text[0] != '1') return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    if (v > (INT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

void check_length(const std::string& v, const char* wire, std::size_t lo, std::size_t hi) {
  auto fail = [&](const std::string& c) {
    throw aws_error::validation("1 validation error detected: Value '" + v + "' at '" + wire +
                                "' failed to satisfy constraint: Member must have length " + c);
  };
  if (v.size() < lo) fail("greater than or equal to " + std::to_string(lo));
  if (v.size() > hi) fail("less than or equal to " + std::to_string(hi));
}

int limit_member(const json& req, const char* wire, int lo, int hi, int fallback) {
  const json* l = member(req, "Limit");
  if (!l) return fallback;
  if (!l->is_number_integer())
    throw aws_error::serialization("Unexpected value type in payload: Limit must be an integer");
  long long v = l->get<long long>();
  if (v < lo || v > hi)
    throw aws_error::validation(
        "1 validation error detected: Value '" + std::to_string(v) + "' at '" + wire +
        "' failed to satisfy constraint: Member must have value " +
        (v < lo ? "greater than or equal to " + std::to_string(lo) : "less than or equal to " + std::to_string(hi)));
  return int(v);
}

std::int64_t now_ms(runtime& rt) { return epoch_ms(rt.clock().now()); }

std::string iso(std::int64_t ms) { return iso8601_ms(instant(std::chrono::milliseconds(ms))); }

}  // namespace

json stream_info::to_meta() const {
  return {{"table", table},           {"arn", arn},
          {"label", label},           {"view_type", view_type},
          {"shard_id", shard_id},     {"key_schema", key_schema},
          {"created_ms", created_ms}, {"disabled_ms", disabled_ms ? json(*disabled_ms) : json()},
          {"first_seq", first_seq},   {"last_seq", last_seq},
          {"trimmed_to", trimmed_to}};
}

stream_info stream_info::from_meta(int id, const json& m) {
  stream_info s;
  s.id = id;
  s.table = m["table"];
  s.arn = m["arn"];
  s.label = m["label"];
  s.view_type = m["view_type"];
  s.shard_id = m["shard_id"];
  s.key_schema = m["key_schema"];
  s.created_ms = m["created_ms"];
  if (!m["disabled_ms"].is_null()) s.disabled_ms = m["disabled_ms"].get<std::int64_t>();
  s.first_seq = m["first_seq"];
  s.last_seq = m["last_seq"];
  s.trimmed_to = m["trimmed_to"];
  return s;
}

stream_log::stream_log(runtime& rt, store& s, std::string region) : rt_(rt), store_(s), region_(std::move(region)) {
  for (const auto& e : store_.streams()) streams_.emplace(e.id, stream_info::from_meta(e.id, json::parse(e.meta)));
  seq_ = store_.last_sequence();
  // last_seq is saved when the shard closes; an open one asks the store for its newest record
  // (one indexed lookup, not a read of every record).
  for (auto& [id, st] : streams_)
    if (st.enabled()) st.last_seq = std::max(st.last_seq, store_.last_record(id));
}

std::string stream_log::sequence_text(std::int64_t seq) {
  std::string digits = std::to_string(seq);
  return "1" + std::string(std::size_t(seq_base_digits) - digits.size(), '0') + digits;
}

void stream_log::save(const stream_info& s) { store_.set_stream_meta(s.id, s.to_meta().dump()); }

const stream_info& stream_log::create(const std::string& table, const std::string& table_arn,
                                      const std::string& view_type, const json& key_schema) {
  std::int64_t now = now_ms(rt_);
  // Two streams of one table made in the same millisecond still get distinct labels.
  for (const auto& [id, s] : streams_)
    if (s.table == table && s.created_ms >= now) now = s.created_ms + 1;
  stream_info s;
  s.table = table;
  s.label = iso(now);
  s.label.pop_back();  // the label has no zone: "2026-12-06T23:30:30.123"
  s.arn = table_arn + "/stream/" + s.label;
  s.view_type = view_type;
  s.key_schema = key_schema;
  s.created_ms = now;
  s.first_seq = seq_ + 1;
  char shard[64];
  std::snprintf(shard, sizeof shard, "shardId-%020" PRId64 "-%08" PRIx64, now, fnv1a64(s.arn) & 0xffffffffu);
  s.shard_id = shard;
  s.id = store_.create_stream(s.to_meta().dump());
  return streams_.emplace(s.id, std::move(s)).first->second;
}

void stream_log::disable(int stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || !it->second.enabled()) return;
  it->second.disabled_ms = now_ms(rt_);
  save(it->second);
}

const stream_info* stream_log::find(int stream_id) const {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? nullptr : &it->second;
}

const stream_info* stream_log::find_arn(const std::string& arn) const {
  for (const auto& [id, s] : streams_)
    if (s.arn == arn) return &s;
  return nullptr;
}

void stream_log::append(int stream_id, const json& keys, const json* old_item, const json* new_item, bool ttl) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end() || !it->second.enabled() || (!old_item && !new_item)) return;
  if (old_item && new_item && *old_item == *new_item) return;  // nothing changed: no record
  stream_info& s = it->second;
  std::int64_t seq = seq_ + 1;
  std::int64_t now = now_ms(rt_);
  json d = {{"ApproximateCreationDateTime", now / 1000}, {"Keys", keys}};
  std::size_t size = item_size(keys);
  bool wants_new = s.view_type == "NEW_IMAGE" || s.view_type == "NEW_AND_OLD_IMAGES";
  bool wants_old = s.view_type == "OLD_IMAGE" || s.view_type == "NEW_AND_OLD_IMAGES";
  if (wants_new && new_item) {
    d["NewImage"] = *new_item;
    size += item_size(*new_item);
  }
  if (wants_old && old_item) {
    d["OldImage"] = *old_item;
    size += item_size(*old_item);
  }
  d["SequenceNumber"] = sequence_text(seq);
  d["SizeBytes"] = size;
  d["StreamViewType"] = s.view_type;
  json r = {{"eventID", hex16(fnv1a64(s.arn)) + hex16(std::uint64_t(seq))},
            {"eventName", !old_item   ? "INSERT"
                          : !new_item ? "REMOVE"
                                      : "MODIFY"},
            {"eventVersion", "1.1"},
            {"eventSource", "aws:dynamodb"},
            {"awsRegion", region_},
            {"dynamodb", std::move(d)}};
  if (ttl) r["userIdentity"] = {{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}};
  trace_context at = rt_.trace().current();
  store_.append_record(s.id, seq, now, at.trace_id, at.cause, r.dump());
  seq_ = seq;
  s.last_seq = seq;
  for (const auto& [n, fn] : listeners_) fn(s.id);
}

std::vector<stream_record> stream_log::read(int stream_id, std::int64_t from, std::size_t limit) {
  std::vector<stream_record> out;
  std::size_t bytes = 0;
  store_.records(
      stream_id, from,
      [&](std::int64_t seq, std::int64_t created, std::string_view trace, std::uint64_t cause, std::string_view text) {
        // GetRecords answers at most 1 MB; always at least one record.
        if (!out.empty() && bytes + text.size() > 1024 * 1024) return false;
        bytes += text.size();
        out.push_back({seq, created, std::string(trace), cause, json::parse(text)});
        return out.size() < limit;
      });
  return out;
}

void stream_log::expire() {
  std::int64_t cutoff = now_ms(rt_) - retention_ms;
  std::vector<int> gone;
  for (auto& [id, s] : streams_) {
    if (s.disabled_ms && *s.disabled_ms <= cutoff) {
      gone.push_back(id);
      continue;
    }
    if (std::int64_t last = store_.trim_records(id, cutoff); last >= s.trimmed_to) {
      s.trimmed_to = last + 1;
      save(s);
    }
  }
  for (int id : gone) {
    store_.drop_stream(id);
    streams_.erase(id);
  }
}

json stream_log::lambda_record(const stream_record& r, const std::string& stream_arn) {
  json out = r.body;
  if (auto it = out.find("userIdentity"); it != out.end())
    *it = {{"type", (*it)["Type"]}, {"principalId", (*it)["PrincipalId"]}};
  out["eventSourceARN"] = stream_arn;
  return out;
}

// ---- the API ----

const stream_info& stream_log::stream_of_arn(const json& req) {
  std::string arn = required_string(req, "StreamArn", "streamArn");
  check_length(arn, "streamArn", 37, 1024);
  // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
  if (!arn.starts_with("arn:aws:dynamodb:") || arn.find(":table/") == std::string::npos ||
      arn.find("/stream/") == std::string::npos)
    throw aws_error::validation("Invalid StreamArn");
  const stream_info* s = find_arn(arn);
  if (!s) throw aws_error::resource_not_found("Requested resource not found: Stream: " + arn + " not found");
  return *s;
}

json stream_log::list_streams(json req) {
  expire();
  int limit = limit_member(req, "limit", 1, 100, 100);
  auto table = optional_string(req, "TableName");
  if (table) table_name(req);
  auto start = optional_string(req, "ExclusiveStartStreamArn");
  int after = 0;
  if (start) {
    check_length(*start, "exclusiveStartStreamArn", 37, 1024);
    const stream_info* s = find_arn(*start);
    if (!s) throw aws_error::validation("Invalid ExclusiveStartStreamArn: " + *start);
    after = s->id;
  }
  json list = json::array();
  auto it = streams_.upper_bound(after);
  for (; it != streams_.end(); ++it) {
    const stream_info& s = it->second;
    if (table && s.table != *table) continue;
    if (int(list.size()) == limit) break;
    list.push_back({{"StreamArn", s.arn}, {"TableName", s.table}, {"StreamLabel", s.label}});
  }
  json out = {{"Streams", list}};
  if (it != streams_.end() && !list.empty()) out["LastEvaluatedStreamArn"] = list.back()["StreamArn"];
  return out;
}

json stream_log::describe_stream(json req) {
  expire();
  const stream_info& s = stream_of_arn(req);
  int limit = limit_member(req, "limit", 1, 100, 100);
  (void)limit;  // one shard: any limit holds it
  json shards = json::array();
  auto start = optional_string(req, "ExclusiveStartShardId");
  if (start) check_length(*start, "exclusiveStartShardId", 28, 65);
  if (!start || *start < s.shard_id) {
    json range = {{"StartingSequenceNumber", sequence_text(s.first_seq)}};
    if (!s.enabled()) range["EndingSequenceNumber"] = sequence_text(std::max(s.last_seq, s.first_seq));
    shards.push_back({{"ShardId", s.shard_id}, {"SequenceNumberRange", range}});
  }
  return {{"StreamDescription",
           {{"StreamArn", s.arn},
            {"StreamLabel", s.label},
            {"StreamStatus", s.enabled() ? "ENABLED" : "DISABLED"},
            {"StreamViewType", s.view_type},
            {"CreationRequestDateTime", double(s.created_ms) / 1000.0},
            {"TableName", s.table},
            {"KeySchema", s.key_schema},
            {"Shards", shards}}}};
}

// "<stream ARN>|1|<hex: stream id, next sequence number, made at, check>": opaque to clients,
// and a changed or made-up iterator is refused.
std::string stream_log::iterator(const stream_info& s, std::int64_t next_seq) const {
  std::string body = hex16(std::uint64_t(s.id)) + hex16(std::uint64_t(next_seq)) + hex16(std::uint64_t(now_ms(rt_)));
  return s.arn + "|1|" + body + hex16(fnv1a64(s.arn + body));
}

json stream_log::get_shard_iterator(json req) {
  expire();
  const stream_info& s = stream_of_arn(req);
  std::string shard = required_string(req, "ShardId", "shardId");
  check_length(shard, "shardId", 28, 65);
  std::string type = enum_member(req, "ShardIteratorType", "shardIteratorType",
                                 {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"}, "");
  if (type.empty()) missing("shardIteratorType");
  auto seq_text = optional_string(req, "SequenceNumber");
  if (seq_text) check_length(*seq_text, "sequenceNumber", 21, 40);
  if (shard != s.shard_id) throw aws_error::resource_not_found("Requested resource not found: Shard does not exist");
  bool at = type == "AT_SEQUENCE_NUMBER", after = type == "AFTER_SEQUENCE_NUMBER";
  if ((at || after) && !seq_text)
    throw aws_error::validation("SequenceNumber must be provided for ShardIteratorType " + type);
  if (!(at || after) && seq_text)
    throw aws_error::validation("SequenceNumber must not be provided for ShardIteratorType " + type);
  std::int64_t end = s.enabled() ? next_sequence() : s.last_seq + 1;  // past the shard's last record
  std::int64_t pos;
  if (type == "TRIM_HORIZON") {
    pos = std::max(s.trimmed_to, s.first_seq);
  } else if (type == "LATEST") {
    pos = end;
  } else {
    auto n = parse_sequence(*seq_text);
    if (!n || *n < s.first_seq || *n >= end)
      throw aws_error::validation("Invalid SequenceNumber: " + *seq_text + " is not in shard " + s.shard_id);
    if (*n < s.trimmed_to)
      throw aws_error{"TrimmedDataAccessException",
                      "The operation attempted to read past the oldest stream record in a shard: " + *seq_text};
    pos = after ? *n + 1 : *n;
  }
  return {{"ShardIterator", iterator(s, pos)}};
}

json stream_log::get_records(json req) {
  expire();
  std::string it = required_string(req, "ShardIterator", "shardIterator");
  check_length(it, "shardIterator", 1, 2048);
  int limit = limit_member(req, "limit", 1, 1000, 1000);
  // Parsed back exactly as iterator() wrote it; anything else is not an iterator of ours.
  std::size_t bar = it.rfind("|1|");
  std::string body = bar == std::string::npos ? "" : it.substr(bar + 3);
  std::string arn = bar == std::string::npos ? "" : it.substr(0, bar);
  auto field = [&](int i) { return std::uint64_t(std::stoull(body.substr(std::size_t(i) * 16, 16), nullptr, 16)); };
  bool hex = body.size() == 64 && body.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex || hex16(fnv1a64(arn + body.substr(0, 48))) != body.substr(48))
    throw aws_error::validation("Invalid ShardIterator");
  int id = int(field(0));
  std::int64_t pos = std::int64_t(field(1)), made = std::int64_t(field(2));
  auto sit = streams_.find(id);
  if (sit == streams_.end() || sit->second.arn != arn)
    throw aws_error::resource_not_found("Requested resource not found: Stream: " + arn + " not found");
  const stream_info& s = sit->second;
  std::int64_t now = now_ms(rt_);
  if (now - made > iterator_lifetime_ms)
    throw aws_error{"ExpiredIteratorException", "Iterator expired. The iterator was created at time " + iso(made) +
                                                    " while right now it is " + iso(now) +
                                                    " which is further in the future than the tolerated delay of " +
                                                    std::to_string(iterator_lifetime_ms) + " milliseconds."};
  // Records this iterator would read were trimmed after it was made.
  if (pos < s.trimmed_to)
    throw aws_error{"TrimmedDataAccessException",
                    "The operation attempted to read past the oldest stream record in a shard"};
  json records = json::array();
  std::int64_t next = pos;
  for (auto& r : read(id, pos, std::size_t(limit))) {
    next = r.seq + 1;
    records.push_back(std::move(r.body));
  }
  json out = {{"Records", records}};
  // A closed shard read to its end has no next iterator.
  if (s.enabled() || next <= s.last_seq) out["NextShardIterator"] = iterator(s, next);
  return out;
}

}  // namespace emu::dynamo
