// Structured logger: one JSON object per line with time (from the runtime clock), level,
// component, trace_id, msg and optional fields.
//
// The destination is a stream (stderr by default, a file with --log-file) and/or an in-memory
// buffer that scenarios read for `expect: {logs: …}`. Thread-safe.
#pragma once

#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"

namespace emu {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Returns nullopt for an unknown name; names are debug, info, warn, error, off.
std::optional<log_level> parse_log_level(std::string_view name);

class logger {
 public:
  // Logs at `level` and above to `out` (not owned; may be null for no stream output).
  logger(const clock& c, log_level level, std::ostream* out);
  // Opens `path` for appending; throws std::runtime_error if it cannot.
  void log_to_file(const std::string& path);
  // Also keep every line in memory (scenarios read it back with `lines()`).
  void keep_in_memory(bool on);
  void set_level(log_level level) { level_ = level; }
  bool enabled(log_level level) const { return level >= level_ && level_ != log_level::off; }

  void log(log_level level, std::string_view component, std::string_view msg, const json& fields = json::object(),
           std::string_view trace_id = {});
  void debug(std::string_view c, std::string_view m, const json& f = json::object()) { log(log_level::debug, c, m, f); }
  void info(std::string_view c, std::string_view m, const json& f = json::object()) { log(log_level::info, c, m, f); }
  void warn(std::string_view c, std::string_view m, const json& f = json::object()) { log(log_level::warn, c, m, f); }
  void error(std::string_view c, std::string_view m, const json& f = json::object()) { log(log_level::error, c, m, f); }

  std::vector<json> lines() const;

 private:
  const clock& clock_;
  log_level level_;
  std::ostream* out_;
  std::ofstream file_;
  bool memory_ = false;
  mutable std::mutex mu_;
  std::vector<json> kept_;
};

}  // namespace emu
