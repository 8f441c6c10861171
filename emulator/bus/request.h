// Internal to the bus: reading EventBridge request members with AWS's validation wording.
#pragma once

#include <optional>
#include <string>

#include "emulator/core/clock.h"
#include "emulator/core/error.h"
#include "emulator/core/json.h"

namespace emu::bus::request {

// The member, or null when absent or JSON null. Throws SerializationException for a body that
// is not an object.
inline const json* member(const json& req, const char* name) {
  if (!req.is_object()) throw aws_error::serialization("The request body must be a JSON object");
  auto it = req.find(name);
  return it == req.end() || it->is_null() ? nullptr : &*it;
}

// `wire_name` is the member's name as AWS's validation messages spell it ("name", "rule", …).
inline std::string required_string(const json& req, const char* name, const char* wire_name) {
  const json* v = member(req, name);
  if (!v)
    throw aws_error::validation("1 validation error detected: Value null at '" + std::string(wire_name) +
                                "' failed to satisfy constraint: Member must not be null");
  if (!v->is_string()) throw aws_error::serialization(std::string("Value for ") + name + " must be a string");
  return v->get<std::string>();
}

inline std::optional<std::string> optional_string(const json& req, const char* name) {
  const json* v = member(req, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw aws_error::serialization(std::string("Value for ") + name + " must be a string");
  return v->get<std::string>();
}

// The bus name in "arn:aws:events:…:event-bus/NAME"; anything else is returned as it is.
inline std::string bus_name_in(const std::string& name_or_arn) {
  auto at = name_or_arn.find(":event-bus/");
  return name_or_arn.rfind("arn:", 0) == 0 && at != std::string::npos ? name_or_arn.substr(at + 11) : name_or_arn;
}

// Timestamps in JSON 1.1 are epoch seconds.
inline double epoch_seconds(instant t) { return double(t.time_since_epoch().count()) / 1000.0; }

}  // namespace emu::bus::request
