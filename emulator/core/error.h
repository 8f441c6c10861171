// The one client-visible error type: an AWS error name, an HTTP status and a message.
// Each wire protocol (in `edge`) renders it in its own dialect; components only throw it.
// Factories spell each AWS name once.
#pragma once

#include <stdexcept>
#include <string>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"

namespace emu {

class aws_error : public std::runtime_error {
 public:
  aws_error(std::string type, std::string message, int http_status = 400)
      : std::runtime_error(message), type_(std::move(type)), http_status_(http_status) {}

  const std::string& type() const { return type_; }
  std::string message() const { return what(); }
  int http_status() const { return http_status_; }
  // Extra members of the error body some errors carry (DynamoDB's CancellationReasons, Item).
  const json& details() const { return details_; }
  aws_error& with(const std::string& member, json value) {
    details_[member] = std::move(value);
    return *this;
  }
  // The code the query protocol uses when it differs from the JSON type (SQS:
  // QueueDoesNotExist → AWS.SimpleQueueService.NonExistentQueue). JSON answers carry it in
  // `x-amzn-query-error`, as SQS does for query-compatible clients.
  const std::string& query_code() const { return legacy_code_.empty() ? type_ : legacy_code_; }
  bool has_query_code() const { return !legacy_code_.empty(); }
  aws_error& legacy_code(std::string code) {
    legacy_code_ = std::move(code);
    return *this;
  }

  static aws_error validation(std::string msg) { return {"ValidationException", std::move(msg)}; }
  static aws_error serialization(std::string msg) { return {"SerializationException", std::move(msg)}; }
  static aws_error resource_not_found(std::string msg) { return {"ResourceNotFoundException", std::move(msg)}; }
  static aws_error resource_in_use(std::string msg) { return {"ResourceInUseException", std::move(msg)}; }
  static aws_error conditional_check_failed(std::string msg = "The conditional request failed") {
    return {"ConditionalCheckFailedException", std::move(msg)};
  }
  static aws_error invalid_event_pattern(std::string msg) { return {"InvalidEventPatternException", std::move(msg)}; }
  static aws_error access_denied(std::string msg) { return {"AccessDeniedException", std::move(msg)}; }
  static aws_error unknown_operation(std::string msg) { return {"UnknownOperationException", std::move(msg)}; }
  static aws_error request_too_large(std::string msg) { return {"RequestEntityTooLarge", std::move(msg), 413}; }
  static aws_error transaction_canceled(std::string msg) { return {"TransactionCanceledException", std::move(msg)}; }
  static aws_error internal(std::string msg) { return {"InternalServerError", std::move(msg), 500}; }

 private:
  std::string type_;
  int http_status_;
  json details_ = json::object();
  std::string legacy_code_;
};

// Thrown by an operation with nothing to answer yet that may wait for it (SQS long polling):
// `serve` retries the request, without the world lock, whenever something changes, until
// `until`; then the operation is called with the deadline passed and answers what it has.
struct poll_later {
  instant until;
};

}  // namespace emu
