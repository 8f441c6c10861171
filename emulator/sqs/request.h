// Internal to SQS: reading and checking request members with SQS's error names, legacy query
// codes and wording (research/sqs-apigw.md). service.cc answers with what these return.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "emulator/core/error.h"
#include "emulator/core/json.h"
#include "emulator/sqs/service.h"

namespace emu::sqs::request {

// An aws_error of `type` with its legacy query-protocol code.
aws_error err(const char* type, std::string msg, const char* legacy = nullptr, int status = 400);
aws_error no_queue();
aws_error invalid(std::string msg);
aws_error missing(const std::string& param);

// A string member ("" when absent or null); a required one (MissingParameter); an integer one
// in [lo, hi] (InvalidParameterValue), given as a number or a numeric string.
std::string str(const json& req, const char* name);
std::string required(const json& req, const char* name);
std::optional<long> int_member(const json& req, const char* name, long lo, long hi);

// A message body of the characters SQS allows (InvalidMessageContents otherwise).
void check_contents(const std::string& body);
// [+-]digits[.digits][e[+-]digits], as SQS reads a Number attribute.
bool is_decimal_number(const std::string& s);
// MessageAttributes, checked (at most 10, names, types, values).
message_attributes read_attributes(const json& req);
// What the attributes count towards the message size.
std::size_t attributes_size(const message_attributes& attrs);
// Attributes of CreateQueue (`creating`) or SetQueueAttributes, checked against their ranges.
std::map<std::string, std::string> read_queue_attributes(const json& req, bool creating);
// The queue name at the end of a queue URL.
std::string queue_name_of_url(const std::string& url);

// Batch requests: entry ids, the entries (1–10, distinct ids), one failure entry, and each
// entry run with its own success or failure.
bool valid_entry_id(const std::string& id);
const json& batch_entries(const json& req, const char* member_name, const char* entry_name);
json failure(const std::string& id, const aws_error& e);
json each_entry(const json& entries, const std::function<json(const json& entry)>& one);

}  // namespace emu::sqs::request
