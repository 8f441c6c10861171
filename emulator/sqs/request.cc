#include "emulator/sqs/request.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "emulator/core/text.h"

namespace emu::sqs::request {

constexpr int max_batch = 10;

aws_error err(const char* type, std::string msg, const char* legacy, int status) {
  aws_error e(type, std::move(msg), status);
  if (legacy) e.legacy_code(legacy);
  return e;
}
aws_error no_queue() {
  return err("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");
}
aws_error invalid(std::string msg) { return err("InvalidParameterValue", std::move(msg), "InvalidParameterValue"); }
aws_error missing(const std::string& param) {
  return err("MissingParameter", "The request must contain the parameter " + param + ".", "MissingParameter");
}

std::string str(const json& req, const char* name) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  throw invalid("Value for parameter " + std::string(name) + " is invalid.");
}

std::string required(const json& req, const char* name) {
  std::string v = str(req, name);
  if (v.empty()) throw missing(name);
  return v;
}

// An integer member (JSON number or numeric string), range-checked with SQS's wording.
std::optional<long> int_member(const json& req, const char* name, long lo, long hi) {
  auto it = req.find(name);
  if (it == req.end() || it->is_null()) return std::nullopt;
  long v = 0;
  bool ok = false;
  if (it->is_number_integer())
    v = it->get<long>(), ok = true;
  else if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    ok = !s.empty() && s.size() < 12 && s.find_first_not_of("-0123456789") == std::string::npos;
    if (ok) v = std::stol(s);
  }
  if (!ok || v < lo || v > hi)
    throw invalid("Value " + (it->is_string() ? it->get<std::string>() : it->dump()) + " for parameter " + name +
                  " is invalid. Reason: Must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                  ", if provided.");
  return v;
}

// Characters SQS allows in bodies: #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF.
void check_contents(const std::string& body) {
  for (std::size_t i = 0; i < body.size();) {
    unsigned char c = body[i];
    std::uint32_t cp;
    int len;
    if (c < 0x80)
      cp = c, len = 1;
    else if ((c >> 5) == 6)
      cp = c & 0x1F, len = 2;
    else if ((c >> 4) == 14)
      cp = c & 0x0F, len = 3;
    else if ((c >> 3) == 30)
      cp = c & 0x07, len = 4;
    else
      cp = 0xFFFFFFFF, len = 1;
    for (int k = 1; k < len && i + std::size_t(k) < body.size(); ++k)
      cp = (cp << 6) | (body[i + std::size_t(k)] & 0x3F);
    bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
              (cp >= 0x10000 && cp <= 0x10FFFF);
    if (!ok) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "#x%X", cp);
      throw err(
          "InvalidMessageContents",
          std::string("Invalid binary character '") + hex +
              "' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | "
              "#xE000 to #xFFFD | #x10000 to #x10FFFF",
          "InvalidMessageContents");
    }
    i += std::size_t(len);
  }
}

// [+-]digits[.digits][e[+-]digits], as SQS reads a Number attribute.
bool is_decimal_number(const std::string& s) {
  std::size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < n && s[i] == '.')
    for (++i; i < n && std::isdigit(static_cast<unsigned char>(s[i])); ++i) ++digits;
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == n;
}

message_attributes read_attributes(const json& req) {
  message_attributes out;
  auto it = req.find("MessageAttributes");
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_object()) throw invalid("MessageAttributes must be a map.");
  if (it->size() > 10)
    throw invalid("Number of message attributes [" + std::to_string(it->size()) +
                  "] exceeds the allowed maximum [10].");
  for (const auto& [name, v] : it->items()) {
    if (name.empty() || name.size() > 256) throw invalid("Message attribute name '" + name + "' is invalid.");
    message_attribute a;
    a.data_type = v.value("DataType", "");
    if (a.data_type.empty())
      throw invalid("The message attribute '" + name + "' must contain non-empty message attribute type.");
    std::string base = a.data_type.substr(0, a.data_type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary")
      throw invalid("The type of message attribute '" + name +
                    "' is invalid. You must use only the following supported type "
                    "prefixes: Binary, Number, String.");
    if (base == "Binary") {
      std::string b64 = v.value("BinaryValue", "");
      auto raw = base64_decode(b64);
      if (b64.empty() || !raw)
        throw invalid("The message attribute '" + name + "' with type 'Binary' must use field 'Binary'.");
      a.binary_value = *raw;
    } else {
      a.string_value = v.value("StringValue", "");
      if (!v.contains("StringValue"))
        throw invalid("The message attribute '" + name + "' with type '" + base + "' must use field 'String'.");
      if (base == "Number" && !is_decimal_number(a.string_value))
        throw invalid("Can't cast the value of message (user) attribute '" + name + "' to a number.");
    }
    out[name] = a;
  }
  return out;
}

std::size_t attributes_size(const message_attributes& attrs) {
  std::size_t n = 0;
  for (const auto& [k, a] : attrs) n += k.size() + a.data_type.size() + a.string_value.size() + a.binary_value.size();
  return n;
}

// The configurable queue attributes with their ranges (research §1.5).
struct attr_rule {
  const char* name;
  long lo, hi;
};
const attr_rule numeric_attrs[] = {{"VisibilityTimeout", 0, 43200},
                                   {"MessageRetentionPeriod", 60, 1209600},
                                   {"DelaySeconds", 0, 900},
                                   {"ReceiveMessageWaitTimeSeconds", 0, 20},
                                   {"MaximumMessageSize", 1024, 1048576}};
const char* const other_attrs[] = {"RedrivePolicy",
                                   "RedriveAllowPolicy",
                                   "Policy",
                                   "FifoQueue",
                                   "ContentBasedDeduplication",
                                   "DeduplicationScope",
                                   "FifoThroughputLimit",
                                   "KmsMasterKeyId",
                                   "KmsDataKeyReusePeriodSeconds",
                                   "SqsManagedSseEnabled"};

std::map<std::string, std::string> read_queue_attributes(const json& req, bool creating) {
  std::map<std::string, std::string> out;
  auto it = req.find("Attributes");
  if (it == req.end() || it->is_null()) return out;
  if (!it->is_object()) throw invalid("Attributes must be a map.");
  for (const auto& [k, v] : it->items()) {
    std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    bool known = false;
    for (const auto& r : numeric_attrs) {
      if (k != r.name) continue;
      known = true;
      bool digits = !value.empty() && value.size() < 10 && value.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stol(value) < r.lo || std::stol(value) > r.hi)
        throw err("InvalidAttributeValue", "Invalid value for the parameter " + k + ".", "InvalidAttributeValue");
    }
    for (const char* o : other_attrs) known |= k == o;
    if (!known) throw err("InvalidAttributeName", "Unknown Attribute " + k + ".", "InvalidAttributeName");
    if (k == "FifoQueue" && !creating)
      throw err("InvalidAttributeName", "Unknown Attribute FifoQueue.", "InvalidAttributeName");
    if (k == "RedrivePolicy" && !value.empty()) {
      json rp = parse_client_json(value);
      if (!rp.is_object() || !rp.contains("deadLetterTargetArn") || !rp.contains("maxReceiveCount"))
        throw err("InvalidAttributeValue",
                  "Value " + value +
                      " for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a "
                      "valid JSON map or it lacks deadLetterTargetArn or maxReceiveCount.",
                  "InvalidAttributeValue");
      std::string count =
          rp["maxReceiveCount"].is_string() ? rp["maxReceiveCount"].get<std::string>() : rp["maxReceiveCount"].dump();
      if (count.empty() || count.find_first_not_of("0123456789") != std::string::npos || std::stol(count) < 1 ||
          std::stol(count) > 1000)
        throw err("InvalidAttributeValue",
                  "Value " + value +
                      " for parameter RedrivePolicy is invalid. Reason: Invalid value for "
                      "maxReceiveCount: " +
                      count + ", valid values are from 1 to 1000 both inclusive.",
                  "InvalidAttributeValue");
    }
    out[k] = value;
  }
  return out;
}

std::string queue_name_of_url(const std::string& url) {
  // http://host/ACCOUNT/NAME, or just a name.
  auto slash = url.find_last_of('/');
  return slash == std::string::npos ? url : url.substr(slash + 1);
}

bool valid_entry_id(const std::string& id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id)
    if (!(std::isalnum((unsigned char)c) || c == '-' || c == '_')) return false;
  return true;
}

// Checks a batch's entries (count, ids) and returns them.
const json& batch_entries(const json& req, const char* member_name, const char* entry_name) {
  auto it = req.find(member_name);
  if (it == req.end() || it->is_null() || (it->is_array() && it->empty()))
    throw err("EmptyBatchRequest", std::string("There should be at least one ") + entry_name + " in the request.",
              "AWS.SimpleQueueService.EmptyBatchRequest");
  if (!it->is_array()) throw invalid(std::string(member_name) + " must be a list.");
  if (it->size() > max_batch)
    throw err("TooManyEntriesInBatchRequest",
              "Maximum number of entries per request are 10. You have sent " + std::to_string(it->size()) + ".",
              "AWS.SimpleQueueService.TooManyEntriesInBatchRequest");
  std::set<std::string> ids;
  for (const auto& e : *it) {
    std::string id = e.value("Id", "");
    if (!valid_entry_id(id))
      throw err("InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be "
                "at most 80 letters long.",
                "AWS.SimpleQueueService.InvalidBatchEntryId");
    if (!ids.insert(id).second)
      throw err("BatchEntryIdsNotDistinct", "Id " + id + " repeated.",
                "AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
  }
  return *it;
}

json failure(const std::string& id, const aws_error& e) {
  return {{"Id", id}, {"SenderFault", e.http_status() < 500}, {"Code", e.query_code()}, {"Message", e.message()}};
}

// Runs `one` for every entry of a batch: each succeeds or fails on its own, as SQS answers
// batches (HTTP 200 with Successful and Failed).
json each_entry(const json& entries, const std::function<json(const json& entry)>& one) {
  json ok = json::array(), failed = json::array();
  for (const auto& e : entries) {
    try {
      json r = one(e);
      r["Id"] = e["Id"];
      ok.push_back(std::move(r));
    } catch (const aws_error& x) {
      failed.push_back(failure(e["Id"], x));
    }
  }
  return {{"Successful", ok}, {"Failed", failed}};
}

}  // namespace emu::sqs::request
