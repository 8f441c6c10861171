// serve's outbox endpoints (ARCHITECTURE.md, "Wire surfaces"): Server Actions at
// POST /_emu/{stage}/actions/{name} (JSON, urlencoded or multipart/form-data bodies, as the
// seed's FormData sends), and GET /_emu/outbox?stage=S (row counts, relays, the newest events).
#pragma once

#include <string>
#include <vector>

#include "emulator/bellyfed/instance.h"
#include "emulator/edge/router.h"

namespace emu {

void add_outbox_endpoints(edge::router& router, bellyfed::instance& system, const std::vector<std::string>& stages);

}  // namespace emu
