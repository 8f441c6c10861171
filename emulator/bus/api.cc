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
  // Its Details are scanned before the world lock: the scan is most of an event's cost.
  a.prepare["PutEvents"] = &service::prepare_put_events;
  a.operations["PutEvents"] = [&bus](json in, const api_call& call) {
    auto prepared = static_cast<const service::prepared_details*>(call.prepared.get());
    return serialization_guard([&] { return bus.put_events(in, prepared); });
  };
  return a;
}

}  // namespace emu::bus
