// DynamoDB's API descriptor (emulator/core/api.h): AWS JSON 1.0 under DynamoDB_20120810, errors
// prefixed as DynamoDB prefixes them, `x-amz-crc32` on every answer.
#include "emulator/dynamo/api.h"

#include "emulator/dynamo/internal.h"

namespace emu::dynamo {

api describe_api(service& db) {
  api a;
  a.name = "dynamodb";
  a.target_prefix = "DynamoDB_20120810";
  a.protocol = json_protocol::v1_0;
  a.error_type_prefix = "com.amazonaws.dynamodb.v20120810#";
  a.error_type_prefixes = {{"ValidationException", "com.amazon.coral.validate#"},
                           {"SerializationException", "com.amazon.coral.service#"},
                           {"UnknownOperationException", "com.amazon.coral.service#"},
                           {"InternalServerError", "com.amazon.coral.service#"}};
  a.crc32_header = true;
  for (const auto& [name, op] : operations())
    a.operations[name] = [&db, op = op](json in, const api_call&) {
      return serialization_guard([&] {
        // Checked before the operation runs: a bad value must not follow a write.
        if (in.is_object()) detail::capacity_mode(in);
        return (db.*op)(std::move(in));
      });
    };
  // Reads answer text so stored items go out verbatim (no parse and re-serialise per item).
  using wire_op = std::string (service::*)(json);
  for (auto [name, op] : {std::pair<const char*, wire_op>{"GetItem", &service::get_item_wire},
                          {"Query", &service::query_wire},
                          {"Scan", &service::scan_wire}})
    a.text_operations[name] = [&db, op = op](json in, const api_call&) {
      return serialization_guard([&] {
        if (in.is_object()) detail::capacity_mode(in);
        return (db.*op)(std::move(in));
      });
    };
  return a;
}

}  // namespace emu::dynamo
