#include "emulator/bus/api.h"

namespace emu::bus {

api describe_api(service& bus) {
  api a;
  a.name = "events";
  a.target_prefix = "AWSEvents";
  a.protocol = json_protocol::v1_1;
  for (const auto& [name, op] : operations())
    a.operations[name] = [&bus, op = op, name = name, changes = service::changes_configuration(name)](json in,
                                                                                                      const api_call&) {
      json out = serialization_guard([&] { return (bus.*op)(in); });
      if (changes) bus.record_change(name, in);  // made again on the next start (--data-dir)
      return out;
    };
  return a;
}

}  // namespace emu::bus
