// `run --target URL`: scenario files run against a running `serve` over HTTP. The steps a
// client can make from outside go over the wire as a client makes them — `http` through the
// stage's API Gateway, `aws` to the AWS APIs (JSON protocols) — and the rest through the admin
// API: each scenario starts with POST /_emu/reset (its seed, clock and stage, virtual time) and
// POST /_emu/fixtures; `advance`, `settle`, `fault`, `invoke`, … go to POST /_emu/steps and
// standalone expectations to POST /_emu/checks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "emulator/core/system_def.h"
#include "emulator/scenario/model.h"
#include "emulator/scenario/runner.h"

namespace emu::scenario {

class remote_target {
 public:
  // Throws std::runtime_error if `url` is not an http:// URL.
  explicit remote_target(const std::string& url);
  ~remote_target();
  // Asks GET /_emu/health. Throws std::runtime_error naming the URL if nothing answers.
  void probe();
  // True when the target is a bellyfed-emu serve (its /_emu API answers).
  bool is_emulator() const { return emulator_; }
  const std::string& url() const { return url_; }
  // Why `s` cannot run against this target ("" if it can): a deployed stage runs only http and
  // aws steps, and no fixtures.
  std::string refusal(const scenario& s) const;

  scenario_outcome run(const scenario& s, const system_def& sys, const registry& reg);

  struct impl;  // the HTTP client (target.cc)

 private:
  std::unique_ptr<impl> impl_;
  std::string url_;
  bool emulator_ = false;
};

}  // namespace emu::scenario
