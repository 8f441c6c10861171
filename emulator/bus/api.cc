#include "emulator/bus/api.h"

namespace emu::bus {

api describe_api(service& bus) {
  api a;
  a.name = "events";
  a.target_prefix = "AWSEvents";
  a.protocol = json_protocol::v1_1;
  for (const auto& [name, op] : operations())
    a.operations[name] = [&bus, op = op](json in, const api_call&) {
      return serialization_guard([&] { return (bus.*op)(in); });
    };
  return a;
}

}  // namespace emu::bus
