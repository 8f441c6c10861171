// Sequence diagrams of one trace, drawn as the seed draws its flows (Figures 1–3): who sent
// what to whom, in the order it happened, from the causal trace (core/trace.h). Rendered as
// Mermaid text (GitHub draws it) or as a self-contained SVG drawn here, byte-identical for
// identical traces.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/core/json.h"
#include "emulator/core/system_def.h"

namespace emu::observe {

// How participants are named. Functions by their deployed name (EventProcessor-dev); a
// function without one is named by its definition name split into words.
struct diagram_names {
  std::map<std::string, std::string> functions;  // deployed name → title
  std::string gateway_client = "Client";         // who sends requests to the API Gateway
  std::string queue_client = "Client";           // who sends messages from outside
  std::string action_client = "Client";          // who calls Server Actions
};

// The names a system definition gives: its functions' titles in each stage, its outside callers.
diagram_names names_for(const system_def& def, const std::vector<std::string>& stages);

struct diagram_message {
  enum class style { call, reply, failure, note };
  std::string from, to, text;  // a note is over `from` (`to` is the same)
  style kind = style::call;
  std::uint64_t seq = 0;  // the trace entry it shows
};

struct diagram {
  std::string trace_id;
  std::vector<std::string> participants;  // in order of first appearance
  std::vector<diagram_message> messages;
};

// The diagram of `trace_id` from trace entries in their JSON form (to_json(trace_entry), oldest
// first): the entries of the trace, what caused them (which may precede the trace: the message
// whose receipt started it) and the entries without a trace id that those caused (a relay
// marking its batch processed). Empty (no messages) when no entry has the trace id.
diagram build_diagram(const json& entries, const std::string& trace_id, const diagram_names& names);

std::string to_mermaid(const diagram& d);
std::string to_svg(const diagram& d);

// The words of a CamelCase name ("QueryHandler" → "Query Handler", "SQSReader" → "SQS Reader";
// "DynamoDBImport" becomes "Dynamo DB Import": a product name is what a `title:` is for).
std::string title_of(const std::string& name);

}  // namespace emu::observe
