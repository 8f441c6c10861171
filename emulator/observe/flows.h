// Flows: the traces in the trace ring, one line each — what started it, when, how many entries
// and errors — kept up to date incrementally for the dashboard's live list (GET /_emu/flows and
// its event stream). A flow is every entry with one trace id; its first entry says what began it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/core/trace.h"

namespace emu::observe {

struct flow {
  std::string trace_id;
  std::uint64_t first_seq = 0, last_seq = 0;
  std::size_t entries = 0, errors = 0;
  instant started{}, updated{};
  std::string kind;     // the first entry's kind ("gateway.request", "sqs.send", …)
  std::string summary;  // what it was, in words ("GET /restaurants (dev)")
};

json to_json(const flow& f);

// Follows the trace ring: each update() reads only the entries recorded since the last one.
class flow_tracker {
 public:
  // Remembers at most `max_flows` (the most recently updated; older ones are forgotten).
  explicit flow_tracker(std::size_t max_flows = 1000) : max_flows_(max_flows) {}
  // The flows changed since the last call (the first call reads the whole ring), newest change
  // first, at most `limit`.
  std::vector<flow> update(const trace_recorder& trace, std::size_t limit);

 private:
  std::size_t max_flows_;
  std::uint64_t after_ = 0;
  std::map<std::string, flow, std::less<>> flows_;
};

// What a trace's first entry says it was: "GET /restaurants (dev)", "message to q", ….
std::string summary_of(const trace_entry& first);

}  // namespace emu::observe
