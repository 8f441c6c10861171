// The /_emu admin endpoints the edge itself provides: health, stages, traces and clock.
// Components add their own (tables, queues, outbox, …) through router::add_admin.
#pragma once

#include <functional>

#include <string>
#include <vector>

#include "emulator/core/runtime.h"
#include "emulator/edge/router.h"

namespace emu::edge {

struct admin_info {
  std::string version;
  std::vector<std::string> stages;
  std::vector<std::string> not_emulated;  // system-definition sections without a component yet
  // False while serve is still starting (serve --init runs): health answers 503 "starting".
  std::function<bool()> ready;
};

// GET /_emu/health   {"status":"ok","version":…,"stages":[…],"not_emulated":[…]}
// GET /_emu/stages   {"stages":[…]}
// GET /_emu/traces   {"traces":[…]}; ?since=SEQ for newer entries only, ?limit=N (default 1000)
// GET /_emu/clock    {"now":…,"virtual":false,"pending_tasks":N}
void add_admin_endpoints(router& r, runtime& rt, admin_info info);

}  // namespace emu::edge
