// `serve --record FILE.yaml`: every request that reaches the system from outside becomes a step
// of a scenario file that `bellyfed-emu run FILE.yaml` replays in virtual time —
//   API Gateway requests → `http`, AWS API calls (JSON and query protocols) → `aws`,
//   Lambda Invoke → `invoke`, Server Actions → `action`, POST /_emu/faults → `fault`,
// with `advance:` steps for the time between them and what was answered as each step's
// `expect` (generated ids matched as !uuid and captured, so later requests that use them say
// ${id_N}; times as !iso8601; the usage plan's API key as ${api_key}). Calls user code makes
// with its function's credentials are the system's own and are not recorded. The file is
// written step by step (a crash keeps what was recorded) and is a valid scenario at any point.
#pragma once

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "emulator/core/api.h"
#include "emulator/core/clock.h"
#include "emulator/core/json.h"
#include "emulator/edge/message.h"

namespace emu::scenario {

struct recorder_options {
  std::string path;
  std::string stage;                // the scenario's stage: gateway requests to others are noted, not recorded
  std::vector<std::string> stages;  // every served stage (their paths are API Gateway's)
  std::uint64_t seed = 0;
  instant start;
  std::string api_key;  // the value ${api_key} stands for in a replay
  std::function<const api*(const std::string& target_prefix_or_name)> find_api;  // the served APIs
};

class recorder {
 public:
  // Creates FILE and writes the scenario's head; throws std::runtime_error naming it if it cannot.
  explicit recorder(recorder_options o);
  ~recorder();
  // One request and its final answer, at `now`; call under the world lock, in order.
  void record(const edge::request& req, const edge::response& res, instant now);
  // Flushes and closes (idempotent). Returns the number of steps written.
  std::size_t close();
  // Non-empty once a write failed (disk full, …): recording stopped there and says why.
  const std::string& failure() const { return failure_; }

 private:
  void write(const std::string& text);
  void add_step(json step, instant now, const std::string& note = "");
  // The answer as an expectation: generated ids → !uuid (captured), times → !iso8601.
  json expectation(const json& answer, const std::string& path, json& captures);
  // The request with the ids earlier answers generated as ${id_N}, and `${` escaped.
  json templated(const json& value) const;

  recorder_options o_;
  std::ofstream out_;
  instant last_;
  std::size_t steps_ = 0;
  std::map<std::string, std::string> captured_;  // generated id → capture name
  std::string failure_;
  std::string host_;  // the Host of the request being recorded (queue URLs name it)
  bool closed_ = false;
};

}  // namespace emu::scenario
