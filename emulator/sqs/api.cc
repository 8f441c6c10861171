#include "emulator/sqs/api.h"

#include <algorithm>

#include "emulator/sqs/query.h"

namespace emu::sqs {

api describe_api(service& q, runtime& rt) {
  api a;
  a.name = "sqs";
  a.target_prefix = "AmazonSQS";
  a.protocol = json_protocol::v1_0;
  a.error_type_prefix = "com.amazonaws.sqs#";
  for (const auto& [name, op] : operations())
    a.operations[name] = [&q, op = op](json in, const api_call& c) {
      call sc;
      if (!c.host.empty()) sc.host = c.host;
      sc.poll_deadline = c.poll_deadline;
      try {
        return (q.*op)(in, sc);
      } catch (const nlohmann::json::exception& e) {
        // A member of an unexpected JSON type: InvalidParameterValue (a 400), not an internal error.
        aws_error x("InvalidParameterValue", std::string("A parameter has a value of the wrong type: ") + e.what());
        x.legacy_code("InvalidParameterValue");
        throw x;
      }
    };
  query_dialect d;
  d.xmlns = xml_namespace;
  d.decode = [](const form_params& p, const std::string& path, const api_call& c) {
    json in = from_query(p);
    // Older SDKs post to the queue's URL instead of passing QueueUrl.
    if (!in.contains("QueueUrl") && std::count(path.begin(), path.end(), '/') == 2 && path.size() > 3)
      in["QueueUrl"] = "http://" + c.host + path;
    return in;
  };
  d.encode = [&rt](const std::string& action, const json& out) { return to_xml(action, out, rt.ids().uuid()); };
  a.query = std::move(d);
  return a;
}

}  // namespace emu::sqs
