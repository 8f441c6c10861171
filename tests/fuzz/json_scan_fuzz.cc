// parse_client_json and the object scan (json_scan.cc) against nlohmann's own parser: both
// must accept exactly what it accepts (at a small depth, so depth is exercised too), the
// parse must give the very document it gives (the same text when dumped: key order, number
// forms), and what the scan reports of plain keys and a top-level member must hold in it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "emulator/core/json.h"
#include "emulator/core/json_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr int depth = 6;
  emu::json doc = emu::json_nests_deeper(text, depth) ? emu::json(emu::json::value_t::discarded)
                                                      : emu::json::parse(text, nullptr, false);
  emu::json fast = emu::parse_client_json(text, depth);
  if (fast.is_discarded() != doc.is_discarded()) std::abort();
  if (!doc.is_discarded() && fast.dump() != doc.dump()) std::abort();
  emu::json_object_scan scan = emu::scan_json_object(text, depth, "k");
  if (scan.valid != doc.is_object()) std::abort();
  if (!scan.valid) return 0;
  if (emu::parse_client_json(scan.object, depth) != doc) std::abort();
  if (!scan.member.empty()) {
    emu::json member = emu::parse_client_json(scan.member, depth);
    if (member.is_discarded() || !doc.contains("k") || doc["k"] != member) std::abort();
  } else if (scan.plain_keys && doc.contains("k")) {
    std::abort();
  }
  return 0;
}
