// The AWS APIs of an instance: the one table that lists them. Adding a service is its own
// folder (its service and its describe_api) plus one line here (docs/ARCHITECTURE.md).
#include "emulator/bus/api.h"
#include "emulator/dynamo/api.h"
#include "emulator/sqs/api.h"
#include "emulator/system/instance.h"

namespace emu::system {

std::vector<api> instance::describe_apis() {
  std::vector<api> apis = {
      bus::describe_api(bus_),
      dynamo::describe_api(dynamo_),
      dynamo::describe_streams_api(dynamo_),
      sqs::describe_api(sqs_, rt_),
  };
  // Calls signed with a user-code function's credentials are held to its permissions; any
  // other caller (an SDK, the CLI, a test) may do anything, as with an administrator's keys.
  for (auto& a : apis)
    a.authorize = [this, service = a.name](const std::string& op, const json& input, const api_call& call) {
      if (call.access_key.empty()) return;
      auto it = callers_.find(call.access_key);
      if (it != callers_.end()) it->second.check(service, op, input);
    };
  return apis;
}

const api* instance::find_api(const std::string& name) const {
  for (const auto& a : apis_)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace emu::system
