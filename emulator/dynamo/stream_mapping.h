// An event source mapping, table stream → function, as Lambda's DynamoDB Streams poller
// behaves: records in order, batches of up to `batch_size` in Lambda's event shape, one batch in
// flight; a failed batch is retried (with backoff, split in two first with bisect_on_error)
// and blocks the records behind it, until it succeeds, runs out of retries or grows older than
// max_record_age — then its description goes to the on-failure queue and reading moves on.
// A filter drops the records it does not match. ReportBatchItemFailures' answer resumes from
// the lowest failed sequence number. Where the mapping has read to is kept in the DynamoDB
// store, so a restarted `serve` with --data-dir goes on from there.
// Polls are scheduled when records are appended, never on a timer.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/dynamo/service.h"

namespace emu::dynamo {

struct stream_mapping_config {
  std::string table;         // the table's full name
  std::string function;      // the function's full name (traces, checkpoint name)
  std::string function_arn;  // for on-failure records
  int batch_size = 100;
  duration batching_window = duration(0);
  std::string starting_position = "LATEST";  // or TRIM_HORIZON
  bool bisect_on_error = false;
  bool report_batch_item_failures = false;
  bool enabled = true;
  int max_retries = -1;  // -1: until the records expire
  std::optional<duration> max_record_age;
};

class stream_mapping {
 public:
  using invoke_fn = std::function<json(const json& event)>;    // throws if the function fails
  using filter_fn = std::function<bool(const json& record)>;   // empty: every record
  using failure_fn = std::function<void(const json& record)>;  // the on-failure destination; may be empty

  stream_mapping(runtime& rt, service& db, stream_mapping_config cfg, invoke_fn invoke, filter_fn filter,
                 failure_fn on_failure);
  ~stream_mapping();
  stream_mapping(const stream_mapping&) = delete;
  stream_mapping& operator=(const stream_mapping&) = delete;

  const stream_mapping_config& config() const { return cfg_; }
  const std::string& stream_arn() const { return stream_arn_; }

 private:
  void wake(duration after);
  void poll();
  void advance(std::int64_t next);
  // The on-failure record for a batch Lambda gives up on.
  void give_up(const std::vector<stream_record>& batch, const char* condition, const std::string& trace_id,
               std::uint64_t cause);

  runtime& rt_;
  service& db_;
  stream_mapping_config cfg_;
  invoke_fn invoke_;
  filter_fn filter_;
  failure_fn on_failure_;
  std::string name_;  // the checkpoint's key
  int stream_id_ = 0;
  std::string stream_arn_, shard_id_;
  std::int64_t next_ = 0;  // the next sequence number to read
  int attempts_ = 0;       // failed invocations of the batch at next_
  std::size_t limit_ = 0;  // a bisected batch's size; 0: batch_size
  bool scheduled_ = false;
  int listener_ = 0;
  // A scheduled poll outlives nothing: it holds this flag, which the destructor clears.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace emu::dynamo
