// What a function may touch: the `permissions` of its definition (tables, queues, buses),
// checked as IAM would answer a call outside them — AccessDeniedException with IAM's message.
// Built-in handlers are checked through it (bellyfed::function_env), and so are the AWS calls
// user code signs with its function's own credentials (system::instance).
#pragma once

#include <string>

#include "emulator/core/json.h"
#include "emulator/core/system_def.h"

namespace emu {

class permissions {
 public:
  permissions(const function_def& fn, std::string stage, std::string account, std::string region);

  // Throws AccessDeniedException unless every resource `input` names is granted. `service` is
  // an API's name ("dynamodb", "sqs", "events"); operations that name no resource (ListTables)
  // pass.
  void check(const std::string& service, const std::string& action, const json& input) const;
  // The DynamoDB tables a request names (TableName, RequestItems, TransactItems).
  void check_tables(const std::string& action, const json& input) const;
  // A stage-qualified queue or bus name.
  void check_queue(const std::string& action, const std::string& queue) const;
  void check_bus(const std::string& action, const std::string& bus) const;
  [[noreturn]] void deny(const std::string& action, const std::string& resource_arn) const;

 private:
  bool granted(const std::vector<std::string>& names, const std::string& qualified) const;
  const function_def& fn_;
  std::string stage_, qualified_, account_, region_;
};

}  // namespace emu
