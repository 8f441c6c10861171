// serve's /_emu routes that need the running system (the edge owns health, stages, traces and
// clock; edge/admin.h):
//   GET  /_emu/events?bus=NAME                  the events a bus received
//   GET  /_emu/logs?function=NAME | ?access=STAGE  a function's log group, a stage's access log
//   GET  /_emu/metrics                          buses, queues, gateway and outbox counters
//   GET  /_emu/outbox?stage=S&limit=N           outbox row counts, relays, the newest events
//   POST /_emu/{stage}/actions/{name}           Server Actions (JSON, urlencoded or
//                                               multipart/form-data bodies, as the seed's FormData)
#pragma once

#include <functional>

#include <string>
#include <vector>

#include "emulator/edge/router.h"
#include "emulator/system/instance.h"

namespace emu::app {

// `system` answers the instance served at the time of each request (a reset replaces it).
void add_system_routes(edge::router& router, std::function<system::instance&()> system,
                       const std::vector<std::string>& stages);

}  // namespace emu::app
