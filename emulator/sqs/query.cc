#include "emulator/sqs/query.h"

#include <map>

#include "emulator/core/text.h"

namespace emu::sqs {
namespace {

using flat = std::map<std::string, std::string>;

// Splits "Prefix.N.rest" entries of `in` into N → {rest → value}, in N order.
std::map<long, flat> indexed(const flat& in, const std::string& prefix) {
  std::map<long, flat> out;
  for (const auto& [k, v] : in) {
    if (k.rfind(prefix + ".", 0) != 0) continue;
    std::string rest = k.substr(prefix.size() + 1);
    auto dot = rest.find('.');
    std::string n = rest.substr(0, dot);
    if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos) continue;
    out[std::stol(n)][dot == std::string::npos ? "" : rest.substr(dot + 1)] = v;
  }
  return out;
}

json attribute_values(const flat& in, const std::string& prefix) {
  json out = json::object();
  for (const auto& [n, f] : indexed(in, prefix)) {
    auto name = f.find("Name");
    if (name == f.end()) continue;
    json v = json::object();
    for (const char* k : {"DataType", "StringValue", "BinaryValue"})
      if (auto it = f.find(std::string("Value.") + k); it != f.end()) v[k] = it->second;
    out[name->second] = v;
  }
  return out;
}

json convert(const flat& in) {
  json out = json::object();
  for (const auto& [k, v] : in)
    if (k.find('.') == std::string::npos) out[k] = v;
  json attrs = json::object();
  for (const auto& [n, f] : indexed(in, "Attribute"))
    if (f.count("Name")) attrs[f.at("Name")] = f.count("Value") ? f.at("Value") : "";
  if (!attrs.empty()) out["Attributes"] = attrs;
  json tags = json::object();
  for (const auto& [n, f] : indexed(in, "Tag"))
    if (f.count("Key")) tags[f.at("Key")] = f.count("Value") ? f.at("Value") : "";
  if (!tags.empty()) out["tags"] = out["Tags"] = tags;
  for (const auto& [prefix, member] :
       std::map<std::string, std::string>{{"AttributeName", "AttributeNames"},
                                          {"MessageAttributeName", "MessageAttributeNames"},
                                          {"MessageSystemAttributeName", "MessageSystemAttributeNames"},
                                          {"TagKey", "TagKeys"}}) {
    json list = json::array();
    for (const auto& [n, f] : indexed(in, prefix))
      if (f.count("")) list.push_back(f.at(""));
    if (!list.empty()) out[member] = list;
  }
  if (json ma = attribute_values(in, "MessageAttribute"); !ma.empty()) out["MessageAttributes"] = ma;
  if (json sa = attribute_values(in, "MessageSystemAttribute"); !sa.empty()) out["MessageSystemAttributes"] = sa;
  for (const char* entry :
       {"SendMessageBatchRequestEntry", "DeleteMessageBatchRequestEntry", "ChangeMessageVisibilityBatchRequestEntry"}) {
    auto entries = indexed(in, entry);
    if (entries.empty()) continue;
    json list = json::array();
    for (const auto& [n, f] : entries) list.push_back(convert(f));
    out["Entries"] = list;
  }
  return out;
}

// SQS escapes '"' and carriage returns too, so a body's MD5 survives the XML parser.
std::string esc(const std::string& s) {
  std::string x = xml_escape(s), out;
  out.reserve(x.size());
  for (char c : x) {
    if (c == '\r')
      out += "&#xD;";
    else
      out += c;
  }
  return out;
}

std::string text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string element(const char* name, const json& v) {
  return std::string("<") + name + ">" + esc(text(v)) + "</" + name + ">";
}

std::string fields(const json& obj, std::initializer_list<const char*> names) {
  std::string out;
  for (const char* n : names)
    if (obj.contains(n)) out += element(n, obj[n]);
  return out;
}

std::string message_xml(const json& m) {
  std::string out = "<Message>" + fields(m, {"MessageId", "ReceiptHandle", "MD5OfBody", "Body"});
  if (m.contains("Attributes"))
    for (const auto& [k, v] : m["Attributes"].items())
      out += "<Attribute>" + element("Name", k) + element("Value", v) + "</Attribute>";
  out += fields(m, {"MD5OfMessageAttributes"});
  if (m.contains("MessageAttributes"))
    for (const auto& [k, v] : m["MessageAttributes"].items())
      out += "<MessageAttribute>" + element("Name", k) + "<Value>" +
             fields(v, {"StringValue", "BinaryValue", "DataType"}) + "</Value></MessageAttribute>";
  return out + "</Message>";
}

std::string batch_xml(const json& r, const char* entry_name, std::initializer_list<const char*> names) {
  std::string out;
  for (const auto& e : r.value("Successful", json::array()))
    out += std::string("<") + entry_name + ">" + fields(e, names) + "</" + entry_name + ">";
  for (const auto& e : r.value("Failed", json::array()))
    out += "<BatchResultErrorEntry>" + fields(e, {"Id", "SenderFault", "Code", "Message"}) + "</BatchResultErrorEntry>";
  return out;
}

}  // namespace

json from_query(const std::vector<std::pair<std::string, std::string>>& params) {
  flat in;
  for (const auto& [k, v] : params) in[k] = v;
  return convert(in);
}

std::string to_xml(const std::string& action, const json& r, const std::string& request_id) {
  std::string body;
  if (action == "CreateQueue" || action == "GetQueueUrl")
    body = fields(r, {"QueueUrl"});
  else if (action == "ListQueues") {
    for (const auto& u : r.value("QueueUrls", json::array())) body += element("QueueUrl", u);
    body += fields(r, {"NextToken"});
  } else if (action == "ListDeadLetterSourceQueues") {
    for (const auto& u : r.value("queueUrls", json::array())) body += element("QueueUrl", u);
  } else if (action == "SendMessage")
    body = fields(r, {"MD5OfMessageBody", "MD5OfMessageAttributes", "MessageId", "SequenceNumber"});
  else if (action == "SendMessageBatch")
    body = batch_xml(r, "SendMessageBatchResultEntry",
                     {"Id", "MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes", "SequenceNumber"});
  else if (action == "DeleteMessageBatch")
    body = batch_xml(r, "DeleteMessageBatchResultEntry", {"Id"});
  else if (action == "ChangeMessageVisibilityBatch")
    body = batch_xml(r, "ChangeMessageVisibilityBatchResultEntry", {"Id"});
  else if (action == "ReceiveMessage") {
    for (const auto& m : r.value("Messages", json::array())) body += message_xml(m);
  } else if (action == "GetQueueAttributes") {
    json attrs = r.value("Attributes", json::object());  // items() must not outlive its object
    for (const auto& [k, v] : attrs.items())
      body += "<Attribute>" + element("Name", k) + element("Value", v) + "</Attribute>";
  } else if (action == "ListQueueTags") {
    json tags = r.value("Tags", json::object());
    for (const auto& [k, v] : tags.items()) body += "<Tag>" + element("Key", k) + element("Value", v) + "</Tag>";
  }
  std::string out = "<?xml version=\"1.0\"?><" + action + "Response xmlns=\"" + xml_namespace + "\">";
  static const char* no_result[] = {"DeleteQueue", "DeleteMessage",      "ChangeMessageVisibility",
                                    "PurgeQueue",  "SetQueueAttributes", "TagQueue",
                                    "UntagQueue"};
  bool has_result = true;
  for (const char* a : no_result) has_result &= action != a;
  if (has_result)
    out += body.empty() ? "<" + action + "Result/>" : "<" + action + "Result>" + body + "</" + action + "Result>";
  return out + "<ResponseMetadata><RequestId>" + request_id + "</RequestId></ResponseMetadata></" + action +
         "Response>";
}

}  // namespace emu::sqs
