// Trace recorder: the ordered record of everything that happened (requests, events put, rule
// matches, deliveries, invocations, store writes, errors), each with its virtual time,
// trace_id and causation. Scenarios assert on it; `serve` shows it at /_emu/traces.
// Thread-safe; entries are numbered from 1 in the order they were recorded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"

namespace emu {

struct trace_entry {
  std::uint64_t seq = 0;
  instant at{};
  std::string kind;         // "invoke", "request", "event.put", …
  std::string component;    // "functions", "edge", …
  std::string trace_id;     // empty when the work has none
  std::uint64_t cause = 0;  // seq of the entry that caused this one; 0 for outside input
  // What happened, as compact JSON text (one buffer, where a document is an allocation per
  // value to build and as many frees when the ring drops it), and its last member `payload_key`
  // (an event, a result) by reference: the document the work itself passed on, never copied or
  // serialised unless the entry is read.
  std::string data_text = "{}";
  std::string payload_key;
  shared_json payload;
  json data() const;
};

json to_json(const trace_entry& e);
// The same as JSON text (to_json(e), dumped), written from the entry's text without a document.
void append_json(std::string& out, const trace_entry& e);

// What the work being done now belongs to: its trace id and the entry that caused it. An entry
// recorded without its own trace id or cause takes them from here, so a DynamoDB write made by a
// handler names the invocation that made it without the handler passing anything along.
struct trace_context {
  std::string trace_id;
  std::uint64_t cause = 0;
};

class trace_recorder {
 public:
  explicit trace_recorder(const clock& c, std::size_t capacity = 100'000)
      : clock_(c), capacity_(capacity ? capacity : 1) {}
  // Records an entry at the clock's current time and returns its seq.
  // An empty trace_id or a zero cause is taken from the current context.
  std::uint64_t record(std::string_view kind, std::string_view component, const json& data,
                       std::string_view trace_id = {}, std::uint64_t cause = 0);
  // The same with the data already written: `data_text` must be a JSON object's text (compact,
  // as dump_lossy writes it). For entries recorded many times per request.
  std::uint64_t record_text(std::string_view kind, std::string_view component, std::string_view data_text,
                            std::string_view trace_id = {}, std::uint64_t cause = 0);
  // The same at `at` (the clock's time a moment ago): for many entries of one moment, such as an
  // event's rule matches, which would otherwise read the clock each.
  std::uint64_t record_text_at(instant at, std::string_view kind, std::string_view component,
                               std::string_view data_text, std::string_view trace_id = {}, std::uint64_t cause = 0);
  // The same, with one more member `key` (last) holding `payload`, kept by reference.
  std::uint64_t record_with(std::string_view kind, std::string_view component, std::string_view data_text,
                            std::string_view key, shared_json payload, std::string_view trace_id = {},
                            std::uint64_t cause = 0);
  // The context of the work being done now. The world lock orders the work, so there is one
  // current context; code that releases the world lock (user code) saves it and puts it back.
  trace_context current() const;
  void set_current(trace_context c);
  // Entries with seq > after, oldest first. The recorder keeps the newest `capacity` entries.
  std::vector<trace_entry> since(std::uint64_t after = 0) const;
  // Calls fn for the entries with seq > after, oldest first (newest first when asked), under
  // the recorder's lock and without copying them, until fn returns false.
  void visit(std::uint64_t after, bool newest_first, const std::function<bool(const trace_entry&)>& fn) const;
  // The entries of one trace, oldest first: those with the trace id, what caused them (following
  // causes back as far as the ring keeps them), and the entries without a trace id that those
  // caused. Copies only these.
  std::vector<trace_entry> related(const std::string& trace_id) const;
  std::uint64_t last_seq() const;
  std::size_t capacity() const { return capacity_; }
  // Entries dropped from the front to keep at most `capacity`.
  std::uint64_t dropped() const;

 private:
  // One entry in the ring. Its texts are kept in the recorder's arena, back to back (kind,
  // component, data, payload key), and its trace id there too, or shared with an earlier entry
  // of the same chunk: recording an entry copies into a chunk, and dropping one frees nothing
  // but its payload (a ring of separately allocated strings spent a fifth of PutEvents freeing
  // them cold as they fell out).
  struct slot {
    std::uint64_t seq = 0, cause = 0;
    instant at{};
    shared_json payload;
    const char* text = nullptr;
    const char* trace = nullptr;
    std::uint32_t kind_len = 0, component_len = 0, data_len = 0, key_len = 0, trace_len = 0;
    std::string_view trace_id() const { return {trace, trace_len}; }
  };
  // A block of the arena; freed (or kept as the spare) once its last entry has left the ring.
  struct chunk {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0, used = 0;
    std::uint64_t last_seq = 0;
  };
  static constexpr std::size_t chunk_bytes = 64 * 1024;
  std::uint64_t add(instant at, std::string_view kind, std::string_view component, std::string_view trace_id,
                    std::uint64_t cause, std::string_view data_text, std::string_view key, shared_json payload);
  char* reserve(std::size_t n);
  void drop_front();
  static void fill(trace_entry& e, const slot& s);
  const clock& clock_;
  std::size_t capacity_;
  mutable std::mutex mu_;
  std::deque<slot> entries_;
  std::deque<chunk> chunks_;
  chunk spare_;
  std::uint64_t next_seq_ = 1;
  trace_context current_;
};

// Makes `c` the current context for the scope's life, then puts back the one before.
class trace_scope {
 public:
  trace_scope(trace_recorder& r, trace_context c) : r_(r), saved_(r.current()) { r_.set_current(std::move(c)); }
  ~trace_scope() { r_.set_current(std::move(saved_)); }
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;

 private:
  trace_recorder& r_;
  trace_context saved_;
};

}  // namespace emu
