#include "emulator/core/trace.h"

#include <algorithm>
#include <set>

#include "emulator/core/time_format.h"

namespace emu {

json trace_entry::data() const {
  json d = json::parse(data_text);
  if (payload) d[payload_key] = *payload;
  return d;
}

json to_json(const trace_entry& e) {
  json j = {{"seq", e.seq}, {"at", iso8601_ms(e.at)}, {"kind", e.kind}, {"component", e.component}};
  j["trace_id"] = e.trace_id.empty() ? json(nullptr) : json(e.trace_id);
  j["cause"] = e.cause == 0 ? json(nullptr) : json(e.cause);
  j["data"] = e.data();
  return j;
}

void append_json(std::string& out, const trace_entry& e) {
  object_text entry(out);
  entry.raw("seq", std::to_string(e.seq)).string("at", iso8601_ms(e.at)).string("kind", e.kind);
  entry.string("component", e.component);
  if (e.trace_id.empty())
    entry.raw("trace_id", "null");
  else
    entry.string("trace_id", e.trace_id);
  entry.raw("cause", e.cause == 0 ? "null" : std::to_string(e.cause)).key("data");
  if (!e.payload) {
    out += e.data_text;
  } else {
    out.append(e.data_text, 0, e.data_text.size() - 1);  // without its closing brace
    if (e.data_text.size() > 2) out += ',';
    append_json_string(out, e.payload_key);
    out += ':';
    out += dump_lossy(*e.payload);
    out += '}';
  }
  entry.close();
}

std::uint64_t trace_recorder::record(std::string kind, std::string component, const json& data, std::string trace_id,
                                     std::uint64_t cause) {
  trace_entry e{0, {}, std::move(kind), std::move(component), std::move(trace_id), cause, dump_lossy(data), {}, {}};
  return add(std::move(e));
}

std::uint64_t trace_recorder::record_text(std::string kind, std::string component, std::string data_text,
                                          std::string trace_id, std::uint64_t cause) {
  trace_entry e{0, {}, std::move(kind), std::move(component), std::move(trace_id), cause, std::move(data_text), {}, {}};
  return add(std::move(e));
}

std::uint64_t trace_recorder::record_with(std::string kind, std::string component, const json& data, std::string key,
                                          shared_json payload, std::string trace_id, std::uint64_t cause) {
  trace_entry e{0,
                {},
                std::move(kind),
                std::move(component),
                std::move(trace_id),
                cause,
                data.is_object() ? dump_lossy(data) : "{}",
                std::move(key),
                std::move(payload)};
  return add(std::move(e));
}

std::uint64_t trace_recorder::add(trace_entry e) {
  std::lock_guard lock(mu_);
  if (e.trace_id.empty()) e.trace_id = current_.trace_id;
  if (e.cause == 0) e.cause = current_.cause;
  e.seq = next_seq_++;
  e.at = clock_.now();
  // A long-running `serve` must not grow without bound: drop the oldest entry when full, one at a
  // time (dropping half at once stalled a request for milliseconds under the world lock).
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(std::move(e));
  return entries_.back().seq;
}

trace_context trace_recorder::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void trace_recorder::set_current(trace_context c) {
  std::lock_guard lock(mu_);
  current_ = std::move(c);
}

std::vector<trace_entry> trace_recorder::since(std::uint64_t after) const {
  std::vector<trace_entry> out;
  visit(after, false, [&](const trace_entry& e) {
    out.push_back(e);
    return true;
  });
  return out;
}

void trace_recorder::visit(std::uint64_t after, bool newest_first,
                           const std::function<bool(const trace_entry&)>& fn) const {
  std::lock_guard lock(mu_);
  auto first = std::upper_bound(entries_.begin(), entries_.end(), after,
                                [](std::uint64_t s, const trace_entry& e) { return s < e.seq; });
  if (newest_first) {
    for (auto it = entries_.end(); it != first;)
      if (!fn(*--it)) return;
  } else {
    for (auto it = first; it != entries_.end(); ++it)
      if (!fn(*it)) return;
  }
}

std::vector<trace_entry> trace_recorder::related(const std::string& trace_id) const {
  std::lock_guard lock(mu_);
  std::vector<trace_entry> out;
  if (entries_.empty() || trace_id.empty()) return out;
  const std::uint64_t first = entries_.front().seq;  // seqs are contiguous in the ring
  auto at = [&](std::uint64_t seq) -> const trace_entry* {
    return seq >= first && seq - first < entries_.size() ? &entries_[seq - first] : nullptr;
  };
  std::set<std::uint64_t> in;
  for (const auto& e : entries_) {
    if (e.trace_id != trace_id) continue;
    in.insert(e.seq);
    for (const trace_entry* c = at(e.cause); c && in.insert(c->seq).second;) c = at(c->cause);
  }
  if (in.empty()) return out;
  for (auto it = entries_.begin() + std::ptrdiff_t(*in.begin() - first); it != entries_.end(); ++it)
    if (it->trace_id.empty() && in.count(it->cause)) in.insert(it->seq);
  for (std::uint64_t seq : in) out.push_back(*at(seq));
  return out;
}

std::uint64_t trace_recorder::dropped() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1 - entries_.size();  // seqs run from 1 without gaps; only the oldest are dropped
}

std::uint64_t trace_recorder::last_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_ - 1;
}

}  // namespace emu
