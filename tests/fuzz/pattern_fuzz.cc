// The EventBridge pattern compiler and matcher. Input: a pattern, a NUL byte, an event (both
// JSON text). The pattern must compile or throw pattern_error; a compiled pattern must give the
// same answer through the document and the text route, and through the rule index.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/bus/pattern.h"
#include "emulator/bus/rule_index.h"
#include "emulator/core/error.h"
#include "emulator/core/json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto cut = in.find('\0');
  std::string pattern_text = in.substr(0, cut), event_text = cut == std::string::npos ? "{}" : in.substr(cut + 1);
  std::optional<emu::bus::pattern> p;
  try {
    p = emu::bus::pattern::parse(pattern_text);
  } catch (const emu::bus::pattern_error&) {
    return 0;
  }
  emu::json event;
  try {
    event = emu::parse_client_json(event_text);
  } catch (const std::exception&) {
    return 0;
  }
  if (!event.is_object()) return 0;
  bool by_document = p->matches(event);
  bool by_text = p->matches(emu::bus::flatten_text(event.dump()));
  if (by_document != by_text) std::abort();
  emu::bus::rule_index index;
  index.add(1, *p);
  std::vector<std::uint32_t> ids;
  index.match(event, ids);
  if (by_document != (ids.size() == 1)) std::abort();
  return 0;
}
