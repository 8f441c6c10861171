// The project's JSON type. Ordered, because AWS documents have a key order clients see
// (EventBridge's envelope, error bodies) and because reports must be byte-identical run to run.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace emu {
using json = nlohmann::ordered_json;
// A document several owners read and none changes (an event on its way through the bus, a
// function's event and result as the trace keeps them): passed on without a copy.
using shared_json = std::shared_ptr<const json>;
inline shared_json share(json j) { return std::make_shared<const json>(std::move(j)); }

// JSON from a client nests at most this deep wherever it arrives: request bodies (the edge's own,
// lower limit), and JSON carried inside strings — PutEvents' Detail, TestEventPattern's Event,
// target inputs, SQS message bodies a handler parses, outbox payloads another writer stored.
// Every walker over a document (dump, copy, matching) recurses, so the depth is bounded before
// anything is parsed. EventBridge documents events nesting up to 1,000 levels.
inline constexpr int max_client_json_depth = 1000;

// Whether `text` opens more than `max_depth` arrays or objects at once (strings skipped). Linear,
// no allocation: cheap enough to run before every parse of client text.
inline bool json_nests_deeper(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// Serialises `j` for an answer or a log: bytes that are not UTF-8 (a client may send any, in a
// path, a parameter or a form field) become U+FFFD, so a stored value never makes an answer fail.
inline std::string dump_lossy(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Appends `s` as a JSON string, as dump_lossy would write it: for text that entries and answers
// assemble themselves, without a document. Plain printable ASCII is copied as it is.
inline void append_json_string(std::string& out, std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {  // bytes past 0x7f: one test or the other
      out += dump_lossy(json(std::string(s)));
      return;
    }
  out += '"';
  out += s;
  out += '"';
}

// Writes a JSON object's text member by member, as dump_lossy would write the document: for
// text that trace entries and envelopes assemble without one. Keys are written as they are
// given (plain ASCII: the callers' own names).
class object_text {
 public:
  explicit object_text(std::string& out) : out_(out) { out_ += '{'; }
  // Begins member `k`; its value is written next (by the caller, as JSON text).
  object_text& key(std::string_view k) {
    out_ += first_ ? "\"" : ",\"";
    first_ = false;
    out_ += k;
    out_ += "\":";
    return *this;
  }
  object_text& string(std::string_view k, std::string_view v) {
    key(k);
    append_json_string(out_, v);
    return *this;
  }
  object_text& raw(std::string_view k, std::string_view json_text) {
    key(k);
    out_ += json_text;
    return *this;
  }
  object_text& number(std::string_view k, long long v) { return raw(k, std::to_string(v)); }
  object_text& boolean(std::string_view k, bool v) { return raw(k, v ? "true" : "false"); }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

// Parses client text: the document, or a discarded value (`is_discarded()`) when the text is not
// JSON or nests deeper than `max_depth`. Never throws. It reads what json::parse reads, into
// the same document (json_scan.cc; the fuzz target json_scan_fuzz holds them to it), at a few
// times its speed.
json parse_client_json(std::string_view text, int max_depth = max_client_json_depth);

// A copy of `v` with every string value (not key) replaced by fn(string).
inline json transform_strings(const json& v, const std::function<json(const std::string&)>& fn) {
  if (v.is_string()) return fn(v.get_ref<const std::string&>());
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) out.push_back(transform_strings(x, fn));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (const auto& [k, x] : v.items()) out[k] = transform_strings(x, fn);
    return out;
  }
  return v;
}
}  // namespace emu
