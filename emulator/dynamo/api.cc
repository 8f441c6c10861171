// DynamoDB's API descriptor (emulator/core/api.h): AWS JSON 1.0 under DynamoDB_20120810, errors
// prefixed as DynamoDB prefixes them, `x-amz-crc32` on every answer.
#include "emulator/dynamo/api.h"

#include "emulator/dynamo/internal.h"

namespace emu::dynamo {
namespace {

// DynamoDB and DynamoDB Streams share the protocol and the error prefixes.
api base(const char* name, const char* target_prefix) {
  api a;
  a.name = name;
  a.target_prefix = target_prefix;
  a.protocol = json_protocol::v1_0;
  a.error_type_prefix = "com.amazonaws.dynamodb.v20120810#";
  a.error_type_prefixes = {{"ValidationException", "com.amazon.coral.validate#"},
                           {"SerializationException", "com.amazon.coral.service#"},
                           {"UnknownOperationException", "com.amazon.coral.service#"},
                           {"InternalServerError", "com.amazon.coral.service#"}};
  return a;
}

}  // namespace

api describe_api(service& db) {
  api a = base("dynamodb", "DynamoDB_20120810");
  a.crc32_header = true;
  for (const auto& [name, op] : operations())
    a.operations[name] = [&db, op = op, name = std::string(name)](json in, const api_call&) {
      return serialization_guard([&] {
        // Checked before the operation runs: a bad value must not follow a write.
        detail::check_model(name, in);
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

api describe_streams_api(service& db) {
  api a = base("dynamodbstreams", "DynamoDBStreams_20120810");
  using op = json (stream_log::*)(json);
  for (auto [name, fn] : {std::pair<const char*, op>{"ListStreams", &stream_log::list_streams},
                          {"DescribeStream", &stream_log::describe_stream},
                          {"GetShardIterator", &stream_log::get_shard_iterator},
                          {"GetRecords", &stream_log::get_records}})
    a.operations[name] = [&db, fn = fn](json in, const api_call&) {
      return serialization_guard([&] { return (db.streams().*fn)(std::move(in)); });
    };
  return a;
}

}  // namespace emu::dynamo
