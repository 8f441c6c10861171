// Instants and durations as text: ISO 8601 (UTC, `Z`) and the scenario format's durations
// (`250ms`, `30s`, `5m`, `1h`, `2d`, and sums such as `1m30s`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.h"

namespace emu {

// "2024-12-01T12:00:00.000Z" (JavaScript's Date.toISOString shape).
std::string iso8601_ms(instant t);
// "2024-12-01T12:00:00Z" (EventBridge's `time` shape).
std::string iso8601_seconds(instant t);
// Accepts YYYY-MM-DDThh:mm:ss[.fff…](Z|±hh:mm). Returns nullopt for anything else.
std::optional<instant> parse_iso8601(std::string_view text);
// Returns nullopt for malformed text, negative or overflowing values.
std::optional<duration> parse_duration(std::string_view text);
// The shortest exact text for `d`: "1500ms", "30s", "5m", "1h30m".
std::string format_duration(duration d);

}  // namespace emu
