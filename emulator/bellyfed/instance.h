// A running copy of the system definition: the components, created for the given stages and
// wired together (bus targets → functions, log groups; later queues and tables). `run` builds
// one per scenario, `serve` one for the process. Not thread-safe: callers hold the world lock.
#pragma once

#include <string>
#include <vector>

#include "emulator/bus/service.h"
#include "emulator/core/runtime.h"
#include "emulator/core/system_def.h"
#include "emulator/functions/registry.h"

namespace emu::bellyfed {

class instance {
 public:
  // Creates every stage's buses and rules (with their targets) from `def`. Throws aws_error if
  // the definition cannot be instantiated (e.g. a pattern EventBridge rejects).
  instance(runtime& rt, const system_def& def, const std::vector<std::string>& stages);

  bus::service& bus() { return bus_; }
  functions::registry& functions() { return functions_; }
  const system_def& definition() const { return def_; }

  std::string function_arn(const std::string& qualified_name) const;
  std::string queue_arn(const std::string& qualified_name) const;

 private:
  void create_stage(const std::string& stage);

  runtime& rt_;
  const system_def& def_;
  functions::registry functions_;
  bus::service bus_;
};

}  // namespace emu::bellyfed
