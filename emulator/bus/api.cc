#include "emulator/bus/api.h"

#include "emulator/core/error.h"

namespace emu::bus {

api describe_api(service& bus) {
  api a;
  a.name = "events";
  a.target_prefix = "AWSEvents";
  a.protocol = json_protocol::v1_1;
  for (const auto& [name, op] : operations())
    a.operations[name] = [&bus, op = op](json in, const api_call&) {
      try {
        return (bus.*op)(in);
      } catch (const nlohmann::json::exception& e) {
        throw aws_error::serialization(std::string("Unexpected value type in payload: ") + e.what());
      }
    };
  return a;
}

}  // namespace emu::bus
