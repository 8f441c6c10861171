#include "emulator/observe/diagram.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "emulator/core/text.h"

namespace emu::observe {
namespace {

constexpr const char* api_gateway = "API Gateway";
constexpr const char* eventbridge = "EventBridge";
constexpr const char* sqs = "SQS";
constexpr const char* dynamodb = "DynamoDB";
constexpr const char* server_action = "Next.js Server Action";
constexpr const char* postgres = "PostgreSQL";
constexpr const char* outbox_processor = "Outbox Processor";
constexpr const char* logs = "CloudWatch Logs";

std::string str(const json& data, const char* key) {
  auto it = data.find(key);
  if (it == data.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_null()) return "";
  return it->dump();
}

std::uint64_t seq_of(const json& e) { return e.value("seq", std::uint64_t(0)); }

std::uint64_t cause_of(const json& e) {
  auto it = e.find("cause");
  return it != e.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

std::string trace_of(const json& e) {
  auto it = e.find("trace_id");
  return it != e.end() && it->is_string() ? it->get<std::string>() : "";
}

class builder {
 public:
  builder(const json& entries, const diagram_names& names) : names_(names) {
    for (const auto& e : entries)
      if (e.is_object() && e.contains("kind") && e["kind"].is_string()) by_seq_[seq_of(e)] = &e;
  }

  diagram build(const std::string& trace_id) {
    diagram d;
    d.trace_id = trace_id;
    std::set<std::uint64_t> in;
    for (const auto& [seq, e] : by_seq_) {
      if (trace_of(*e) != trace_id) continue;
      in.insert(seq);
      for (std::uint64_t c = cause_of(*e); c && !in.count(c) && by_seq_.count(c); c = cause_of(*by_seq_[c]))
        in.insert(c);
    }
    if (in.empty()) return d;
    // Entries without a trace id caused by the trace's own (seqs ascend, so one pass suffices).
    for (const auto& [seq, e] : by_seq_)
      if (!in.count(seq) && trace_of(*e).empty() && in.count(cause_of(*e))) in.insert(seq);
    for (std::uint64_t seq : in) draw(*by_seq_[seq], d);
    return d;
  }

 private:
  const json* entry(std::uint64_t seq) const {
    auto it = by_seq_.find(seq);
    return it == by_seq_.end() ? nullptr : it->second;
  }

  std::string function_title(const std::string& deployed) const {
    auto it = names_.functions.find(deployed);
    return it != names_.functions.end() ? it->second : title_of(deployed);
  }

  // The participant an entry stands for when it causes others, or "" when it only passes its
  // own cause on.
  std::string actor_of(const json& e) const {
    const std::string& kind = e["kind"].get_ref<const std::string&>();
    const json& data = e["data"];
    // Lambda's asynchronous machinery (queue, retries, destinations) acts for its function.
    if (kind == "invoke" || kind == "invoke.queued" || kind == "invoke.retry" || kind == "invoke.failed")
      return function_title(str(data, "function"));
    if (kind == "action.request") return server_action;
    if (kind == "gateway.request") return api_gateway;
    if (kind.rfind("outbox.", 0) == 0 && data.contains("relay")) return outbox_processor;
    if (kind == "schedule.fire" || kind == "event.replay") return eventbridge;
    return "";
  }

  std::string outside(const json& e) const {
    std::string component = str(e, "component");
    if (component == "gateway") return names_.gateway_client;
    if (component == "sqs") return names_.queue_client;
    if (component == "outbox") return names_.action_client;
    return "Client";
  }

  // Who did what `e` records: the nearest actor among its causes, else the outside caller.
  std::string doer(const json& e) const {
    for (const json* c = entry(cause_of(e)); c; c = entry(cause_of(*c)))
      if (std::string a = actor_of(*c); !a.empty()) return a;
    return outside(e);
  }

  std::string participant_of_arn(const std::string& arn) const {
    if (arn.rfind("arn:aws:lambda:", 0) == 0) {
      std::string name = arn.substr(arn.find(":function:") == std::string::npos ? 0 : arn.find(":function:") + 10);
      return function_title(name.substr(0, name.find(':')));
    }
    if (arn.rfind("arn:aws:sqs:", 0) == 0) return sqs;
    if (arn.rfind("arn:aws:events:", 0) == 0) return eventbridge;
    if (arn.rfind("arn:aws:logs:", 0) == 0) return logs;
    return arn;
  }

  void add(diagram& d, const std::string& from, const std::string& to, std::string text, std::uint64_t seq,
           diagram_message::style kind = diagram_message::style::call) {
    for (const auto& p : {from, to})
      if (std::find(d.participants.begin(), d.participants.end(), p) == d.participants.end())
        d.participants.push_back(p);
    d.messages.push_back({from, to, std::move(text), kind, seq});
  }
  void note(diagram& d, const std::string& over, std::string text, std::uint64_t seq) {
    add(d, over, over, std::move(text), seq, diagram_message::style::note);
  }

  static std::string dynamodb_operation(const std::string& kind, const json& data) {
    if (data.value("transaction", false)) return "TransactWriteItems";
    static const std::map<std::string, std::string> ops = {
        {"dynamodb.put", "PutItem"},          {"dynamodb.update", "UpdateItem"}, {"dynamodb.delete", "DeleteItem"},
        {"dynamodb.get", "GetItem"},          {"dynamodb.query", "Query"},       {"dynamodb.scan", "Scan"},
        {"dynamodb.ttl_delete", "TTL delete"}};
    auto it = ops.find(kind);
    return it == ops.end() ? kind : it->second + " " + str(data, "table");
  }

  void draw(const json& e, diagram& d) {
    const std::string& kind = e["kind"].get_ref<const std::string&>();
    const json& data = e["data"];
    std::uint64_t seq = seq_of(e);
    const json* cause = entry(cause_of(e));
    std::string cause_kind = cause ? str(*cause, "kind") : "";
    using style = diagram_message::style;
    if (kind == "gateway.request") {
      add(d, doer(e), api_gateway, str(data, "method") + " " + str(data, "path"), seq);
    } else if (kind == "gateway.response") {
      add(d, doer(e), names_.gateway_client, "HTTP " + str(data, "status"), seq);
    } else if (kind == "gateway.error") {
      note(d, api_gateway, "integration failed: " + str(data, "error"), seq);
    } else if (kind == "invoke") {
      // Drawn by what led to it: the queue's batch, the rule's routing, the queued invocation.
      if (cause_kind == "sqs.receive" || cause_kind == "dynamodb.stream.receive" || cause_kind == "invoke.queued" ||
          cause_kind == "invoke.retry")
        return;
      add(d, doer(e), function_title(str(data, "function")), cause_kind == "gateway.request" ? "proxy event" : "Invoke",
          seq);
    } else if (kind == "invoke.queued") {
      if (cause_kind == "delivery" || cause_kind == "rule.match") return;
      add(d, doer(e), function_title(str(data, "function")), "Invoke (Event)", seq);
    } else if (kind == "invoke.error") {
      note(d, doer(e), "error: " + str(data, "error"), seq);
    } else if (kind == "invoke.retry") {
      note(d, function_title(str(data, "function")),
           "retry" + (data.contains("delay_ms")
                          ? " in " + std::to_string(data["delay_ms"].get<long long>() / 1000) + " s"
                          : std::string()),
           seq);
    } else if (kind == "invoke.failed") {
      note(d, function_title(str(data, "function")), "failed: " + str(data, "condition"), seq);
    } else if (kind == "sqs.send") {
      add(d, doer(e), sqs, "SendMessage " + str(data, "queue"), seq);
    } else if (kind == "sqs.receive") {
      if (data.contains("function"))
        add(d, sqs, function_title(str(data, "function")),
            str(data, "count") + (data.value("count", 0) == 1 ? " message" : " messages"), seq);
      else
        add(d, doer(e), sqs, "ReceiveMessage " + str(data, "queue"), seq);
    } else if (kind == "sqs.deduplicated") {
      note(d, sqs, "duplicate dropped", seq);
    } else if (kind == "event.put") {
      add(d, doer(e), eventbridge,
          str(data, "detail-type") + " event" + (data.value("accepted", true) ? "" : " (no such bus)"), seq);
    } else if (kind == "rule.match") {
      if (data.contains("targets") && data["targets"].is_array())
        for (const auto& t : data["targets"])
          if (t.is_string())
            add(d, eventbridge, participant_of_arn(t.get<std::string>()), "rule " + str(data, "rule"), seq);
    } else if (kind == "rule.no_match") {
      note(d, eventbridge, "no rule matched", seq);
    } else if (kind == "delivery.failed") {
      note(d, eventbridge, "delivery to " + str(data, "target") + " failed: " + str(data, "error_code"), seq);
    } else if (kind == "delivery.dlq") {
      add(d, eventbridge, sqs, "dead-letter " + str(data, "target"), seq, style::failure);
    } else if (kind == "delivery.dropped") {
      note(d, eventbridge, "dropped: " + str(data, "reason"), seq);
    } else if (kind == "dynamodb.stream.receive") {
      add(d, dynamodb, function_title(str(data, "function")),
          str(data, "count") + (data.value("count", 0) == 1 ? " stream record" : " stream records"), seq);
    } else if (kind == "dynamodb.stream.batch") {
      if (data.value("failed", 0) > 0) note(d, function_title(str(data, "function")), "batch failed: retry", seq);
    } else if (kind == "dynamodb.stream.filtered") {
      note(d, dynamodb, str(data, "records") + " stream records filtered out", seq);
    } else if (kind == "dynamodb.stream.discarded") {
      note(d, dynamodb, "stream batch given up: " + str(data, "condition"), seq);
    } else if (kind.rfind("dynamodb.", 0) == 0 && kind != "dynamodb.create_table" && kind != "dynamodb.delete_table") {
      add(d, doer(e), dynamodb, dynamodb_operation(kind, data), seq);
    } else if (kind == "action.request") {
      add(d, doer(e), server_action, str(data, "action"), seq);
    } else if (kind == "action") {
      add(d, doer(e), names_.action_client, "response", seq);
    } else if (kind == "action.error") {
      add(d, doer(e), names_.action_client, "error: " + str(data, "error"), seq, style::failure);
    } else if (kind == "outbox.begin") {
      add(d, doer(e), postgres, "BEGIN", seq);
    } else if (kind == "outbox.write") {
      add(d, doer(e), postgres, (str(data, "op") == "update" ? "UPDATE " : "INSERT ") + str(data, "table"), seq);
    } else if (kind == "outbox.insert") {
      add(d, doer(e), postgres, "INSERT outbox event " + str(data, "event_type"), seq);
    } else if (kind == "outbox.commit") {
      add(d, doer(e), postgres, "COMMIT", seq);
    } else if (kind == "outbox.claim") {
      std::string n = str(data, "rows");
      add(d, outbox_processor, postgres, "poll pending events", seq);
      add(d, postgres, outbox_processor, n + " pending", seq);
      add(d, outbox_processor, postgres, "mark " + n + " processing", seq);
    } else if (kind == "outbox.processed") {
      add(d, outbox_processor, postgres, "mark " + str(data, "rows") + " processed", seq);
    } else if (kind == "outbox.retry" || kind == "outbox.failed" || kind == "outbox.crash") {
      note(d, outbox_processor, kind.substr(7) + (data.contains("error") ? ": " + str(data, "error") : ""), seq);
    } else if (kind == "log") {
      add(d, eventbridge, logs, str(data, "log_group"), seq);
    } else if (kind == "schedule.fire") {
      note(d, eventbridge, "schedule " + str(data, "rule"), seq);
    }
  }

  const diagram_names& names_;
  std::map<std::uint64_t, const json*> by_seq_;
};

// Runs of the same message (a transaction's items, a page of writes) become one, counted.
void merge_runs(diagram& d) {
  std::vector<diagram_message> out;
  std::vector<int> count;
  for (auto& m : d.messages) {
    if (!out.empty() && out.back().from == m.from && out.back().to == m.to && out.back().text == m.text &&
        out.back().kind == m.kind) {
      ++count.back();
      continue;
    }
    out.push_back(std::move(m));
    count.push_back(1);
  }
  // A transaction's items are one call.
  for (std::size_t i = 0; i < out.size(); ++i)
    if (count[i] > 1)
      out[i].text += out[i].text == "TransactWriteItems" ? " (" + std::to_string(count[i]) + " items)"
                                                         : " ×" + std::to_string(count[i]);
  d.messages = std::move(out);
}

std::string mermaid_id(const std::string& name, std::set<std::string>& used) {
  std::string id;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "P" + id;
  std::string base = id;
  for (int n = 2; used.count(id); ++n) id = base + std::to_string(n);
  used.insert(id);
  return id;
}

// Mermaid ends a statement at ';' and a line at '\n', and reads '#…;' as an entity.
std::string mermaid_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r')
      out += ' ';
    else if (c == ';')
      out += "#59;";
    else if (c == '#')
      out += "#35;";
    else
      out += c;
  }
  return out;
}

// Width of text in the SVG's 13 px sans-serif, estimated per character (UTF-8 continuation
// bytes take no room): close enough to lay labels out without a font.
int text_width(const std::string& s) {
  int n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n * 8 + 4;
}

}  // namespace

std::string title_of(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    bool after_lower = i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]));
    // The last capital of a run that starts a word: "DBImport" → "DB Import".
    bool ends_run = i > 0 && std::isupper(static_cast<unsigned char>(name[i - 1])) && i + 1 < name.size() &&
                    std::islower(static_cast<unsigned char>(name[i + 1]));
    if (upper && (after_lower || ends_run)) out += ' ';
    out += c;
  }
  return out;
}

diagram_names names_for(const system_def& def, const std::vector<std::string>& stages) {
  diagram_names n;
  for (const auto& f : def.functions) {
    std::string title = f.title.empty() ? title_of(f.name) : f.title;
    n.functions[f.name] = title;
    for (const auto& s : stages) n.functions[resource_name(f.name, s)] = title;
  }
  n.gateway_client = def.gateway_client;
  n.queue_client = def.queue_client;
  n.action_client = def.action_client;
  return n;
}

diagram build_diagram(const json& entries, const std::string& trace_id, const diagram_names& names) {
  diagram d = builder(entries, names).build(trace_id);
  merge_runs(d);
  return d;
}

std::string to_mermaid(const diagram& d) {
  std::set<std::string> used;
  std::map<std::string, std::string> ids;
  std::string out = "sequenceDiagram\n";
  for (const auto& p : d.participants) {
    ids[p] = mermaid_id(p, used);
    out += "    participant " + ids[p] + " as " + mermaid_text(p) + "\n";
  }
  for (const auto& m : d.messages) {
    if (m.kind == diagram_message::style::note) {
      out += "    Note over " + ids[m.from] + ": " + mermaid_text(m.text) + "\n";
      continue;
    }
    const char* arrow = m.kind == diagram_message::style::failure ? "-x" : "->>";
    out += "    " + ids[m.from] + arrow + ids[m.to] + ": " + mermaid_text(m.text) + "\n";
  }
  return out;
}

std::string to_svg(const diagram& d) {
  const int box_h = 32, row_h = 34, top = 16, margin = 16;
  std::map<std::string, int> col;
  for (std::size_t i = 0; i < d.participants.size(); ++i) col[d.participants[i]] = int(i);
  std::size_t n = d.participants.size();
  std::vector<int> box_w(n);
  for (std::size_t i = 0; i < n; ++i) box_w[i] = std::max(90, text_width(d.participants[i]) + 20);
  // The gap between neighbouring lifelines fits their boxes and every label drawn across it.
  std::vector<int> gap(n ? n - 1 : 0);
  for (std::size_t i = 0; i + 1 < n; ++i) gap[i] = (box_w[i] + box_w[i + 1]) / 2 + 24;
  for (const auto& m : d.messages) {
    int a = col[m.from], b = col[m.to];
    if (a > b) std::swap(a, b);
    int need = text_width(m.text) + 24;
    if (a == b) {  // a note over one lifeline takes half its width on either side
      if (a > 0) gap[a - 1] = std::max(gap[a - 1], need / 2 + box_w[a - 1] / 2 + 8);
      if (std::size_t(a) + 1 < n) gap[a] = std::max(gap[a], need / 2 + box_w[a + 1] / 2 + 8);
      continue;
    }
    int have = 0;
    for (int k = a; k < b; ++k) have += gap[k];
    if (have < need) gap[b - 1] += need - have;
  }
  // The first lifeline leaves room for its box and for notes over it; each next one is a gap on.
  std::vector<int> x(n);
  if (n) x[0] = margin + box_w[0] / 2;
  for (const auto& m : d.messages)
    if (n && m.kind == diagram_message::style::note && col[m.from] == 0)
      x[0] = std::max(x[0], margin + text_width(m.text) / 2 + 12);
  for (std::size_t i = 1; i < n; ++i) x[i] = x[i - 1] + gap[i - 1];
  int width = n ? x[n - 1] + box_w[n - 1] / 2 + margin : 2 * margin;
  for (const auto& m : d.messages)
    if (m.kind == diagram_message::style::note) width = std::max(width, x[col[m.from]] + text_width(m.text) / 2 + 24);
  int rows_top = top + box_h + 20;
  int bottom = rows_top + int(d.messages.size()) * row_h + 8;
  int height = bottom + box_h + margin;

  std::string out;
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
         std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
         "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  out += "<title>trace " + xml_escape(d.trace_id) + "</title>\n";
  out +=
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" "
      "orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  auto box = [&](std::size_t i, int y) {
    out += "<rect x=\"" + std::to_string(x[i] - box_w[i] / 2) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
           std::to_string(box_w[i]) + "\" height=\"" + std::to_string(box_h) +
           "\" rx=\"3\" fill=\"#eaeaff\" stroke=\"#9370db\"/>\n";
    out += "<text x=\"" + std::to_string(x[i]) + "\" y=\"" + std::to_string(y + 21) + "\" text-anchor=\"middle\">" +
           xml_escape(d.participants[i]) + "</text>\n";
  };
  for (std::size_t i = 0; i < n; ++i) {
    out += "<line class=\"lifeline\" x1=\"" + std::to_string(x[i]) + "\" y1=\"" + std::to_string(top + box_h) +
           "\" x2=\"" + std::to_string(x[i]) + "\" y2=\"" + std::to_string(bottom) +
           "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
    box(i, top);
    box(i, bottom);
  }
  int y = rows_top;
  for (const auto& m : d.messages) {
    int a = x[col[m.from]], b = x[col[m.to]];
    std::string seq = " data-seq=\"" + std::to_string(m.seq) + "\"";
    if (m.kind == diagram_message::style::note) {
      int w = text_width(m.text) + 16;
      out += "<rect class=\"note\"" + seq + " x=\"" + std::to_string(a - w / 2) + "\" y=\"" + std::to_string(y) +
             "\" width=\"" + std::to_string(w) + "\" height=\"24\" fill=\"#fff5ad\" stroke=\"#aaaa33\"/>\n";
      out += "<text x=\"" + std::to_string(a) + "\" y=\"" + std::to_string(y + 16) + "\" text-anchor=\"middle\">" +
             xml_escape(m.text) + "</text>\n";
    } else if (a == b) {  // to itself: a small loop
      int ly = y + 18;
      out += "<path class=\"message\"" + seq + " d=\"M" + std::to_string(a) + "," + std::to_string(ly) +
             " h30 v10 h-30\"" + " fill=\"none\" stroke=\"#333\" marker-end=\"url(#arrow)\"/>\n";
      out += "<text x=\"" + std::to_string(a + 36) + "\" y=\"" + std::to_string(ly + 4) + "\">" + xml_escape(m.text) +
             "</text>\n";
    } else {
      int ly = y + 22;
      bool fail = m.kind == diagram_message::style::failure;
      out += "<line class=\"message\"" + seq + " x1=\"" + std::to_string(a) + "\" y1=\"" + std::to_string(ly) +
             "\" x2=\"" + std::to_string(b) + "\" y2=\"" + std::to_string(ly) + "\" stroke=\"" +
             (fail ? "#c00" : "#333") + "\"" + (fail ? "" : " marker-end=\"url(#arrow)\"") + "/>\n";
      if (fail) {  // a cross at the receiving end, as Mermaid's -x
        out += "<path d=\"M" + std::to_string(b - 5) + "," + std::to_string(ly - 5) + " l10,10 m0,-10 l-10,10\" " +
               "stroke=\"#c00\" stroke-width=\"2\"/>\n";
      }
      out += "<text x=\"" + std::to_string((a + b) / 2) + "\" y=\"" + std::to_string(ly - 6) +
             "\" text-anchor=\"middle\">" + xml_escape(m.text) + "</text>\n";
    }
    y += row_h;
  }
  out += "</svg>\n";
  return out;
}

}  // namespace emu::observe
