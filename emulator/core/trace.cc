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

std::uint64_t trace_recorder::record(std::string_view kind, std::string_view component, const json& data,
                                     std::string_view trace_id, std::uint64_t cause) {
  return add(clock_.now(), kind, component, trace_id, cause, dump_lossy(data), {}, nullptr);
}

std::uint64_t trace_recorder::record_text(std::string_view kind, std::string_view component, std::string_view data_text,
                                          std::string_view trace_id, std::uint64_t cause) {
  return add(clock_.now(), kind, component, trace_id, cause, data_text, {}, nullptr);
}

std::uint64_t trace_recorder::record_text_at(instant at, std::string_view kind, std::string_view component,
                                             std::string_view data_text, std::string_view trace_id,
                                             std::uint64_t cause) {
  return add(at, kind, component, trace_id, cause, data_text, {}, nullptr);
}

std::uint64_t trace_recorder::record_with(std::string_view kind, std::string_view component, std::string_view data_text,
                                          std::string_view key, shared_json payload, std::string_view trace_id,
                                          std::uint64_t cause) {
  return add(clock_.now(), kind, component, trace_id, cause, data_text, key, std::move(payload));
}

// `n` bytes at the end of the newest chunk, opening a chunk (the spare, when it is large
// enough) when they do not fit.
char* trace_recorder::reserve(std::size_t n) {
  if (chunks_.empty() || chunks_.back().size - chunks_.back().used < n) {
    chunk c;
    if (spare_.bytes && spare_.size >= n) {
      c = std::move(spare_);
      spare_ = {};
    } else {
      c.size = std::max(chunk_bytes, n);
      c.bytes = std::make_unique<char[]>(c.size);
    }
    c.used = 0;
    chunks_.push_back(std::move(c));
  }
  chunk& c = chunks_.back();
  char* p = c.bytes.get() + c.used;
  c.used += n;
  return p;
}

// Drops the oldest entry, and the chunks no entry lies in any more (the newest always stays).
void trace_recorder::drop_front() {
  std::uint64_t seq = entries_.front().seq;
  entries_.pop_front();
  while (chunks_.size() > 1 && chunks_.front().last_seq <= seq) {
    if (!spare_.bytes && chunks_.front().size == chunk_bytes) spare_ = std::move(chunks_.front());
    chunks_.pop_front();
  }
}

std::uint64_t trace_recorder::add(instant at, std::string_view kind, std::string_view component,
                                  std::string_view trace_id, std::uint64_t cause, std::string_view data_text,
                                  std::string_view key, shared_json payload) {
  std::lock_guard lock(mu_);
  if (trace_id.empty()) trace_id = current_.trace_id;
  if (cause == 0) cause = current_.cause;
  // A long-running `serve` must not grow without bound: drop the oldest entry when full, one at a
  // time (dropping half at once stalled a request for milliseconds under the world lock).
  if (entries_.size() >= capacity_) drop_front();
  slot s;
  s.seq = next_seq_++;
  s.cause = cause;
  s.at = at;
  s.payload = std::move(payload);
  s.kind_len = std::uint32_t(kind.size());
  s.component_len = std::uint32_t(component.size());
  s.data_len = std::uint32_t(data_text.size());
  s.key_len = std::uint32_t(key.size());
  s.trace_len = std::uint32_t(trace_id.size());
  std::size_t n = kind.size() + component.size() + data_text.size() + key.size();
  // Entries of one piece of work follow each other: the previous entry's trace id is shared
  // when it is the same and its chunk has room for this entry too.
  const slot* prev = entries_.empty() ? nullptr : &entries_.back();
  bool share_trace = prev && prev->trace_id() == trace_id && !chunks_.empty() && chunks_.back().last_seq == prev->seq &&
                     chunks_.back().size - chunks_.back().used >= n;
  char* p = reserve(share_trace ? n : n + trace_id.size());
  s.text = p;
  for (std::string_view part : {kind, component, data_text, key}) p = std::copy(part.begin(), part.end(), p);
  if (share_trace) {
    s.trace = prev->trace;
  } else {
    s.trace = p;
    std::copy(trace_id.begin(), trace_id.end(), p);
  }
  chunks_.back().last_seq = s.seq;
  entries_.push_back(std::move(s));
  return entries_.back().seq;
}

void trace_recorder::fill(trace_entry& e, const slot& s) {
  const char* p = s.text;
  auto next = [&p](std::uint32_t n) {
    std::string_view v(p, n);
    p += n;
    return v;
  };
  e.seq = s.seq;
  e.at = s.at;
  e.kind = next(s.kind_len);
  e.component = next(s.component_len);
  e.data_text = next(s.data_len);
  e.payload_key = next(s.key_len);
  e.trace_id = s.trace_id();
  e.cause = s.cause;
  e.payload = s.payload;
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

// fn sees each entry through one trace_entry, refilled per entry (its strings keep their
// buffers, so a visit of the whole ring allocates little).
void trace_recorder::visit(std::uint64_t after, bool newest_first,
                           const std::function<bool(const trace_entry&)>& fn) const {
  std::lock_guard lock(mu_);
  auto first = std::upper_bound(entries_.begin(), entries_.end(), after,
                                [](std::uint64_t s, const slot& e) { return s < e.seq; });
  trace_entry e;
  if (newest_first) {
    for (auto it = entries_.end(); it != first;) {
      fill(e, *--it);
      if (!fn(e)) return;
    }
  } else {
    for (auto it = first; it != entries_.end(); ++it) {
      fill(e, *it);
      if (!fn(e)) return;
    }
  }
}

std::vector<trace_entry> trace_recorder::related(const std::string& trace_id) const {
  std::lock_guard lock(mu_);
  std::vector<trace_entry> out;
  if (entries_.empty() || trace_id.empty()) return out;
  const std::uint64_t first = entries_.front().seq;  // seqs are contiguous in the ring
  auto at = [&](std::uint64_t seq) -> const slot* {
    return seq >= first && seq - first < entries_.size() ? &entries_[seq - first] : nullptr;
  };
  std::set<std::uint64_t> in;
  for (const auto& e : entries_) {
    if (e.trace_id() != trace_id) continue;
    in.insert(e.seq);
    for (const slot* c = at(e.cause); c && in.insert(c->seq).second;) c = at(c->cause);
  }
  if (in.empty()) return out;
  for (auto it = entries_.begin() + std::ptrdiff_t(*in.begin() - first); it != entries_.end(); ++it)
    if (it->trace_len == 0 && in.count(it->cause)) in.insert(it->seq);
  for (std::uint64_t seq : in) fill(out.emplace_back(), *at(seq));
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
