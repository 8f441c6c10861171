// serve's GET /metrics: the running system's counters, gauges and latency histograms in the
// Prometheus text format (docs/METRICS.md lists every metric).
#pragma once

#include <functional>

#include "emulator/edge/router.h"
#include "emulator/system/instance.h"

namespace emu::app {

void add_prometheus_route(edge::router& router, std::function<system::instance&()> system);

// The page itself, for the system as it is now (under the world lock).
std::string prometheus_page(system::instance& system);

}  // namespace emu::app
