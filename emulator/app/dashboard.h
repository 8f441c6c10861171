// The dashboard: a page at /_emu/ui/ served from the binary (no CDN, works offline) and the
// read-only /_emu routes it draws from, which answer curl just as well:
//   GET /_emu/ui/                          the page (its script and style sheet beside it)
//   GET /_emu/flows?limit=N                the newest flows (traces), newest first
//   GET /_emu/flows/stream                 the same, live: server-sent events as flows change
//   GET /_emu/queues                       every queue: counts, oldest age, dead-letter queues
//   GET /_emu/queues/{name}/messages       the first messages as they are (receives nothing)
//   GET /_emu/tables                       every table: keys, indexes, item count
//   GET /_emu/tables/{name}/items?key=&sort=&limit=&start=   a page of items (Scan, or Query
//                                                            by key when `key` is given)
#pragma once

#include <functional>
#include "emulator/edge/router.h"
#include "emulator/system/instance.h"

namespace emu::app {

// `system` answers the instance served at the time of each request (a reset replaces it).
void add_dashboard_routes(edge::router& router, std::function<system::instance&()> system);

}  // namespace emu::app
