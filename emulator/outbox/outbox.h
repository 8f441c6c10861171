// The Outbox Processor (seed Figure 3) on the outbox store. (The Server Actions that write the
// rows are the system's own: BellyFed's are in bellyfed/actions.cc.)
//
// relay: the Outbox Processor — every poll_interval on the runtime's scheduler: claim a batch
// with a lease, PutEvents in chunks of 10 (a standard event per row, source outbox-processor),
// complete the rows that went through while the lease still holds, back off the others
// (exponential, jittered from the seeded id source) and mark them failed after max_attempts.
// Rows of a relay that stopped are reclaimed once their lease expires. Processed rows are
// deleted after `retention`.
#pragma once

#include <functional>
#include <string>

#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/outbox/store.h"

namespace emu::outbox {

// PutEvents: the request in, the response (FailedEntryCount, Entries) out.
using publish_fn = std::function<json(const json& request)>;

class relay {
 public:
  relay(runtime& rt, store& st, const outbox_def& cfg, std::string bus, publish_fn publish, std::string name);

  // Polling: every poll_interval while the store has open (pending or processing) rows; idle
  // otherwise, until `wake` (after an action) — so a quiet scenario has no scheduled work.
  // `always` keeps polling regardless (serve: other writers, such as a real app, may add rows).
  void start(bool always);
  void wake();
  // One claim → publish → complete cycle at the clock's now; returns the rows published.
  int poll_once();
  // The next `count` batches are published and then the relay stops before completing them
  // (it comes back as a new incarnation, as a restarted Lambda would).
  void crash_after_publish(int count) { crashes_ += count; }
  json metrics() const;

 private:
  void schedule();
  bool always_ = false, scheduled_ = false;
  runtime& rt_;
  store& st_;
  const outbox_def& cfg_;
  std::string bus_, name_, owner_;
  publish_fn publish_;
  int crashes_ = 0, incarnation_ = 1;
  std::int64_t published_ = 0, completed_ = 0, failed_ = 0, retried_ = 0, reclaimed_ = 0, fenced_ = 0;
  double latency_ms_sum_ = 0, latency_ms_max_ = 0;
  instant last_cleanup_{};
};

}  // namespace emu::outbox
