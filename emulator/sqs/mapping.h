// An event source mapping, queue → function, as Lambda's SQS poller behaves: batches of up to
// `batch_size` records in AWS's event shape, a synchronous invoke, delete on success, nothing
// deleted on failure (the messages come back after the visibility timeout and, past
// maxReceiveCount, go to the dead-letter queue), and partial batch responses with
// ReportBatchItemFailures exactly as AWS documents them (research/sqs-apigw.md §1.6).
// Polls are scheduled when messages become visible, never on a timer, so an idle system has no
// pending work and virtual time only moves when told.
#pragma once

#include <functional>
#include <string>

#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/sqs/service.h"

namespace emu::sqs {

struct mapping_config {
  std::string queue;     // the queue's full name
  std::string function;  // for traces
  int batch_size = 10;
  duration batching_window = duration(0);
  bool report_batch_item_failures = false;
  bool enabled = true;
};

// Invokes the function with the event and returns its result; throws if the function fails.
using invoke_fn = std::function<json(json event)>;  // the event is the function's: no copy

class mapping {
 public:
  mapping(runtime& rt, service& sqs, mapping_config cfg, invoke_fn invoke);
  mapping(const mapping&) = delete;
  mapping& operator=(const mapping&) = delete;

  const mapping_config& config() const { return cfg_; }
  // The SQS event Lambda would send for these messages.
  static json event_for(const service& sqs, const queue& q, const std::vector<message*>& batch,
                        const std::string& region);
  // The message ids a partial batch response marks failed; nullopt when the response means the
  // whole batch failed (malformed, or an id not in the batch).
  static std::optional<std::vector<std::string>> failed_ids(const json& response, const std::vector<message*>& batch);

 private:
  void wake();
  void poll();

  runtime& rt_;
  service& sqs_;
  mapping_config cfg_;
  invoke_fn invoke_;
  bool scheduled_ = false;
};

}  // namespace emu::sqs
