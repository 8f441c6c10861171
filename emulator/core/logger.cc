#include "emulator/core/logger.h"

#include <stdexcept>

#include "emulator/core/time_format.h"

namespace emu {

std::optional<log_level> parse_log_level(std::string_view name) {
  if (name == "debug") return log_level::debug;
  if (name == "info") return log_level::info;
  if (name == "warn" || name == "warning") return log_level::warn;
  if (name == "error") return log_level::error;
  if (name == "off" || name == "none") return log_level::off;
  return std::nullopt;
}

namespace {
const char* level_name(log_level l) {
  switch (l) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
    case log_level::off:
      break;
  }
  return "off";
}
}  // namespace

logger::logger(const clock& c, log_level level, std::ostream* out) : clock_(c), level_(level), out_(out) {}

void logger::log_to_file(const std::string& path) {
  std::lock_guard lock(mu_);
  file_.open(path, std::ios::app);
  if (!file_) throw std::runtime_error("cannot open log file " + path);
  out_ = &file_;
}

void logger::keep_in_memory(bool on) {
  std::lock_guard lock(mu_);
  memory_ = on;
}

void logger::log(log_level level, std::string_view component, std::string_view msg, const json& fields,
                 std::string_view trace_id) {
  bool to_stream = enabled(level) && out_ != nullptr;
  if (!to_stream && !memory_) return;
  json line = {{"time", iso8601_ms(clock_.now())},
               {"level", level_name(level)},
               {"component", component},
               {"trace_id", trace_id.empty() ? json(nullptr) : json(trace_id)},
               {"msg", msg}};
  if (fields.is_object())
    for (auto& [k, v] : fields.items()) line[k] = v;
  std::string text = dump_lossy(line);
  std::lock_guard lock(mu_);
  if (to_stream) *out_ << text << '\n' << std::flush;
  if (memory_) kept_.push_back(std::move(line));
}

std::vector<json> logger::lines() const {
  std::lock_guard lock(mu_);
  return kept_;
}

}  // namespace emu
