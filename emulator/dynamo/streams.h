// DynamoDB Streams: the change log of the tables that enable one, and the Streams API over it
// (ListStreams, DescribeStream, GetShardIterator, GetRecords).
//
// A record is appended inside the store transaction of the write it describes, so a write and
// its record are kept or lost together, and an acknowledged write always has its record. Writes
// that change nothing (a PutItem of the same item) leave no record, as in DynamoDB. Each stream
// has one shard; sequence numbers are one increasing sequence for the whole store, written as
// 21 decimal digits. Records are kept 24 hours of virtual time; a disabled stream (UpdateTable,
// DeleteTable) stays readable for 24 hours, its shard closed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/dynamo/store.h"

namespace emu::dynamo {

struct stream_info {
  int id = 0;
  std::string table, arn, label, view_type, shard_id;
  json key_schema;
  std::int64_t created_ms = 0;
  std::optional<std::int64_t> disabled_ms;
  std::int64_t first_seq = 0;   // the shard's StartingSequenceNumber
  std::int64_t last_seq = 0;    // the newest record's; 0 before the first
  std::int64_t trimmed_to = 0;  // records below this number were trimmed (older than 24 h)

  bool enabled() const { return !disabled_ms; }
  json to_meta() const;
  static stream_info from_meta(int id, const json& m);
};

// One record as read back: its number, when it was made, the trace it belongs to, its body in
// the Streams API's shape.
struct stream_record {
  std::int64_t seq = 0;
  std::int64_t created_ms = 0;
  std::string trace_id;
  std::uint64_t cause = 0;  // the trace entry of the work that wrote the item
  json body;
};

class stream_log {
 public:
  static constexpr std::int64_t retention_ms = 24LL * 3600 * 1000;
  static constexpr std::int64_t iterator_lifetime_ms = 15LL * 60 * 1000;

  stream_log(runtime& rt, store& s, std::string region);

  // ---- for the table operations ----
  const stream_info& create(const std::string& table, const std::string& table_arn, const std::string& view_type,
                            const json& key_schema);
  void disable(int stream_id);
  const stream_info* find(int stream_id) const;
  // The record of one write (in the write's store transaction); nothing when the item did not
  // change. `keys` are the item's key attributes; `ttl`: deleted by Time to Live.
  void append(int stream_id, const json& keys, const json* old_item, const json* new_item, bool ttl);
  // Called after each append with the stream's id (event source mappings wake on it); returns
  // the listener's number for forget().
  int on_append(std::function<void(int)> fn) {
    listeners_.emplace(++last_listener_, std::move(fn));
    return last_listener_;
  }
  void forget(int listener) { listeners_.erase(listener); }

  // ---- for event source mappings ----
  const stream_info* find_arn(const std::string& arn) const;
  // Up to `limit` records from `from` on (trimmed ones are gone).
  std::vector<stream_record> read(int stream_id, std::int64_t from, std::size_t limit);
  std::int64_t next_sequence() const { return seq_ + 1; }
  // Where a mapping (by name) has read up to: the next sequence number it will read.
  std::optional<std::int64_t> checkpoint(const std::string& name) { return store_.checkpoint(name); }
  void set_checkpoint(const std::string& name, std::int64_t next) { store_.set_checkpoint(name, next); }
  // Trims records older than 24 hours and forgets streams disabled 24 hours ago.
  void expire();
  static std::string sequence_text(std::int64_t seq);
  // Lambda's event record for a stream record (eventSourceARN added, userIdentity in Lambda's case).
  static json lambda_record(const stream_record& r, const std::string& stream_arn);

  // ---- the DynamoDB Streams API ----
  json list_streams(json req);
  json describe_stream(json req);
  json get_shard_iterator(json req);
  json get_records(json req);

 private:
  const stream_info& stream_of_arn(const json& req);
  std::string iterator(const stream_info& s, std::int64_t next_seq) const;
  void save(const stream_info& s);

  runtime& rt_;
  store& store_;
  std::string region_;
  std::map<int, stream_info> streams_;
  std::int64_t seq_ = 0;  // the last sequence number given
  std::map<int, std::function<void(int)>> listeners_;
  int last_listener_ = 0;
};

}  // namespace emu::dynamo
