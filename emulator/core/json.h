// The project's JSON type. Ordered, because AWS documents have a key order clients see
// (EventBridge's envelope, error bodies) and because reports must be byte-identical run to run.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace emu {
using json = nlohmann::ordered_json;

// A copy of `v` with every string value (not key) replaced by fn(string).
inline json transform_strings(const json& v, const std::function<json(const std::string&)>& fn) {
  if (v.is_string()) return fn(v.get_ref<const std::string&>());
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) out.push_back(transform_strings(x, fn));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, x] : v.items()) out[k] = transform_strings(x, fn);
    return out;
  }
  return v;
}
}  // namespace emu
