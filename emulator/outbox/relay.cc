#include <algorithm>

#include "emulator/core/event.h"
#include "emulator/core/time_format.h"
#include "emulator/outbox/outbox.h"

namespace emu::outbox {

relay::relay(runtime& rt, store& st, const outbox_def& cfg, std::string bus, publish_fn publish, std::string name)
    : rt_(rt),
      st_(st),
      cfg_(cfg),
      bus_(std::move(bus)),
      name_(std::move(name)),
      owner_(name_ + "#1"),
      publish_(std::move(publish)) {}

void relay::start(bool always) {
  always_ = always;
  if (always || st_.has_open()) wake();  // rows left by an earlier run are relayed too
}

void relay::wake() {
  if (scheduled_) return;
  scheduled_ = true;
  schedule();
}

void relay::schedule() {
  rt_.sched().after(cfg_.poll_interval, "outbox poll " + name_, [this] {
    bool again = always_;
    try {
      poll_once();
      again = again || st_.has_open();
    } catch (const std::exception& e) {  // the store is unreachable: try again next time
      rt_.log().log(log_level::error, "outbox", "relay poll failed", {{"relay", name_}, {"error", e.what()}});
      again = true;
    }
    if (again)
      schedule();
    else
      scheduled_ = false;
  });
}

int relay::poll_once() {
  instant now = rt_.clock().now();
  if (int n = st_.sweep_poison(now, cfg_.max_attempts))
    rt_.trace().record("outbox.failed", "outbox",
                       {{"relay", owner_}, {"rows", n}, {"reason", "lease expired after max attempts"}});
  if (now - last_cleanup_ >= std::chrono::minutes(1)) {
    last_cleanup_ = now;
    if (int n = st_.delete_processed(now - cfg_.retention))
      rt_.trace().record("outbox.cleanup", "outbox", {{"relay", owner_}, {"deleted", n}});
  }
  std::vector<event_row> rows = st_.claim(cfg_.batch_size, owner_, now, cfg_.lease);
  if (rows.empty()) return 0;
  for (const auto& r : rows) reclaimed_ += r.attempts > 1;
  // The claim (poll, pending rows, marked processing in one statement) causes what follows.
  std::uint64_t claim = rt_.trace().record("outbox.claim", "outbox",
                                           {{"relay", owner_}, {"rows", rows.size()}, {"first_id", rows.front().id}});
  trace_scope scope(rt_.trace(), {"", claim});
  std::vector<std::int64_t> done;
  int published = 0;
  for (std::size_t i = 0; i < rows.size(); i += 10) {
    json entries = json::array();
    std::size_t end = std::min(rows.size(), i + 10);
    for (std::size_t k = i; k < end; ++k) {
      const event_row& r = rows[k];
      standard_event e;
      e.event_id = r.event_id;
      e.timestamp = r.created_at;
      e.event_type = r.event_type;
      e.source = "outbox-processor";
      e.trace_id = r.trace_id;
      e.status = "processing";
      e.payload = r.payload;
      entries.push_back({{"Source", "outbox-processor"},
                         {"DetailType", r.event_type},
                         {"Detail", to_json(e).dump()},
                         {"EventBusName", bus_}});
    }
    json result;
    try {
      result = publish_({{"Entries", entries}});
    } catch (const std::exception& x) {  // the whole call failed: every row of the chunk retries
      json errs = json::array();
      for (std::size_t k = i; k < end; ++k)
        errs.push_back({{"ErrorCode", "InternalException"}, {"ErrorMessage", x.what()}});
      result = {{"FailedEntryCount", errs.size()}, {"Entries", errs}};
    }
    for (std::size_t k = i; k < end; ++k) {
      const event_row& r = rows[k];
      const json& er = result["Entries"][k - i];
      if (!er.contains("ErrorCode")) {
        done.push_back(r.id);
        ++published;
        if (auto created = parse_iso8601(r.created_at)) {
          double ms = double(std::chrono::duration_cast<std::chrono::milliseconds>(now - *created).count());
          latency_ms_sum_ += ms, latency_ms_max_ = std::max(latency_ms_max_, ms);
        }
        continue;
      }
      // base × 2^(attempt−1), at most backoff_max, times 0.5–1.
      duration delay = rt_.ids().backoff(cfg_.backoff_base, cfg_.backoff_max, r.attempts - 1);
      std::string error = er.value("ErrorCode", "") + ": " + er.value("ErrorMessage", "");
      std::string status = st_.fail(r.id, owner_, now + delay, error, cfg_.max_attempts);
      if (status == "failed")
        ++failed_;
      else if (status == "pending")
        ++retried_;
      else
        ++fenced_;
      rt_.trace().record(status == "failed" ? "outbox.failed" : "outbox.retry", "outbox",
                         {{"relay", owner_},
                          {"id", r.id},
                          {"event_id", r.event_id},
                          {"error", error},
                          {"attempts", r.attempts},
                          {"retry_at", status == "pending" ? json(iso(now + delay)) : json()}},
                         r.trace_id);
    }
  }
  published_ += published;
  if (crashes_ > 0) {  // published, then gone before marking anything processed
    --crashes_;
    rt_.trace().record("outbox.crash", "outbox",
                       {{"relay", owner_}, {"published", published}, {"unmarked", done.size()}});
    owner_ = name_ + "#" + std::to_string(++incarnation_);
    return published;
  }
  int marked = st_.complete(done, owner_, now);
  completed_ += marked;
  fenced_ += std::int64_t(done.size()) - marked;
  rt_.trace().record("outbox.processed", "outbox", {{"relay", owner_}, {"rows", marked}});
  return published;
}

json relay::metrics() const {
  return {{"relay", name_},
          {"owner", owner_},
          {"published", published_},
          {"processed", completed_},
          {"retried", retried_},
          {"failed", failed_},
          {"reclaimed", reclaimed_},
          {"lease_lost", fenced_},
          {"publish_latency_ms_avg", published_ ? latency_ms_sum_ / double(published_) : 0.0},
          {"publish_latency_ms_max", latency_ms_max_}};
}

}  // namespace emu::outbox
