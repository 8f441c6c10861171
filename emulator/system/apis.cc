// The AWS APIs of an instance: the one table that lists them. Adding a service is its own
// folder (its service and its describe_api) plus one line here (docs/ARCHITECTURE.md).
#include "emulator/bus/api.h"
#include "emulator/dynamo/api.h"
#include "emulator/sqs/api.h"
#include "emulator/system/instance.h"

namespace emu::system {

std::vector<api> instance::describe_apis() {
  return {
      bus::describe_api(bus_),
      dynamo::describe_api(dynamo_),
      sqs::describe_api(sqs_, rt_),
  };
}

const api* instance::find_api(const std::string& name) const {
  for (const auto& a : apis_)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace emu::system
