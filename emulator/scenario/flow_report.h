// Reports that show the flows: `run --html` (one self-contained page, each trace drawn as an
// SVG sequence diagram) and `run --markdown` (```mermaid blocks, which GitHub renders in job
// summaries and pull requests). Like the other reports they hold no wall-clock time, so
// identical runs give identical files.
#pragma once

#include <string>
#include <vector>

#include "emulator/observe/diagram.h"
#include "emulator/scenario/runner.h"

namespace emu::scenario {

// Each scenario draws at most this many of its traces (in the order they began).
constexpr std::size_t max_diagrams_per_scenario = 12;

std::string html_report(const std::vector<scenario_outcome>& all, const observe::diagram_names& names);
std::string markdown_report(const std::vector<scenario_outcome>& all, const observe::diagram_names& names);

}  // namespace emu::scenario
