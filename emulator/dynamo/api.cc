// DynamoDB's API descriptor (emulator/core/api.h): AWS JSON 1.0 under DynamoDB_20120810, errors
// prefixed as DynamoDB prefixes them, `x-amz-crc32` on every answer.
#include "emulator/dynamo/api.h"

namespace emu::dynamo {
namespace {

// A member of the wrong JSON type anywhere in the request (which the operation's own checks may
// miss deep inside) becomes AWS's SerializationException instead of escaping as an internal error.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const nlohmann::json::exception& e) {
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + e.what());
  }
}

}  // namespace

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
      return guarded([&] { return (db.*op)(std::move(in)); });
    };
  // Reads answer text so stored items go out verbatim (no parse and re-serialise per item).
  using wire_op = std::string (service::*)(json);
  for (auto [name, op] : {std::pair<const char*, wire_op>{"GetItem", &service::get_item_wire},
                          {"Query", &service::query_wire},
                          {"Scan", &service::scan_wire}})
    a.text_operations[name] = [&db, op = op](json in, const api_call&) {
      return guarded([&] { return (db.*op)(std::move(in)); });
    };
  return a;
}

}  // namespace emu::dynamo
