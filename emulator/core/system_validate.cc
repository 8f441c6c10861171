// Validation of a parsed system definition: names (AWS's character rules, uniqueness) and
// cross-references between sections. Messages name the file, line and key path.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "emulator/core/system_def.h"
#include "emulator/core/yaml_json.h"

namespace emu {
namespace {

class checker {
 public:
  explicit checker(const system_def& d) : def_(d) {}

  [[noreturn]] void fail(int line, const std::string& path, const std::string& msg) const {
    throw load_error(def_.file, line, path + ": " + msg);
  }

  // `pattern` is the AWS character class; `max` leaves room for the longest stage suffix.
  void name(int line, const std::string& path, const std::string& n, const char* pattern, std::size_t max,
            const char* rule) const {
    std::regex re(pattern);
    if (n.empty() || n.size() > max || !std::regex_match(n, re))
      fail(line, path, "'" + n + "' is not a valid name (" + rule + ")");
  }

  template <class T>
  std::map<std::string, int> unique(const std::vector<T>& items, const std::string& section) const {
    std::map<std::string, int> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto [it, fresh] = seen.emplace(items[i].name, items[i].line);
      if (!fresh)
        fail(items[i].line, section + "[" + std::to_string(i) + "].name",
             "duplicate name '" + items[i].name + "' (first defined on line " + std::to_string(it->second) + ")");
    }
    return seen;
  }

 private:
  const system_def& def_;
};

// One edge of a graph of names (a rule's bus target, a queue's dead-letter queue), with where
// it is written.
struct edge {
  std::string to;
  int line;
  std::string path;
};
using graph = std::map<std::string, std::vector<edge>>;

struct cycle {
  std::string names;  // "a → b → a"
  int line;           // of the edge that closes it
  std::string path;
};

// A cycle of `g`, if it has one: depth-first, in name order, so the answer is the same each time.
std::optional<cycle> find_cycle(const graph& g) {
  std::map<std::string, int> state;  // 1 on the current path, 2 done
  std::vector<std::string> path;
  std::optional<cycle> found;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    path.push_back(n);
    if (auto it = g.find(n); it != g.end())
      for (const auto& e : it->second) {
        if (found) break;
        if (state[e.to] == 1) {
          std::string names;
          for (auto k = std::find(path.begin(), path.end(), e.to); k != path.end(); ++k) names += *k + " → ";
          found = cycle{names + e.to, e.line, e.path};
        } else if (state[e.to] == 0) {
          visit(e.to);
        }
      }
    path.pop_back();
    state[n] = 2;
  };
  for (const auto& [n, edges] : g)
    if (!found && state[n] == 0) visit(n);
  return found;
}

}  // namespace

void validate_system_def(const system_def& def) {
  checker c(def);
  if (def.stages.empty()) c.fail(1, "stages", "at least one stage is required");
  std::set<std::string> stages;
  std::size_t longest_stage = 0;
  for (const auto& s : def.stages) {
    c.name(1, "stages", s, "[A-Za-z0-9_]+", 128, "letters, digits and _");
    if (!stages.insert(s).second) c.fail(1, "stages", "duplicate stage '" + s + "'");
    longest_stage = std::max(longest_stage, s.size() + 1);
  }
  if (!std::regex_match(def.account, std::regex("[0-9]{12}")))
    c.fail(1, "account", "must be 12 digits, got '" + def.account + "'");

  auto tables = c.unique(def.tables, "tables");
  auto queues = c.unique(def.queues, "queues");
  auto buses = c.unique(def.buses, "buses");
  auto functions = c.unique(def.functions, "functions");
  c.unique(def.rules, "rules");
  c.unique(def.actions, "actions");

  for (std::size_t i = 0; i < def.tables.size(); ++i) {
    const auto& t = def.tables[i];
    std::string p = "tables[" + std::to_string(i) + "]";
    c.name(t.line, p + ".name", t.name, "[A-Za-z0-9_.-]+", 255 - longest_stage,
           "3-255 characters of letters, digits, _ . - with the stage suffix");
    std::set<std::string> idx;
    for (std::size_t k = 0; k < t.indexes.size(); ++k) {
      const auto& x = t.indexes[k];
      std::string ip = p + ".indexes[" + std::to_string(k) + "]";
      c.name(x.line, ip + ".name", x.name, "[A-Za-z0-9_.-]{3,255}", 255, "3-255 characters of letters, digits, _ . -");
      if (!idx.insert(x.name).second) c.fail(x.line, ip + ".name", "duplicate index '" + x.name + "'");
    }
    if (std::count_if(t.indexes.begin(), t.indexes.end(), [](auto& x) { return x.global; }) > 20)
      c.fail(t.line, p + ".indexes", "at most 20 global secondary indexes per table");
    if (std::count_if(t.indexes.begin(), t.indexes.end(), [](auto& x) { return !x.global; }) > 5)
      c.fail(t.line, p + ".indexes", "at most 5 local secondary indexes per table");
  }
  for (std::size_t i = 0; i < def.queues.size(); ++i) {
    const auto& q = def.queues[i];
    std::string p = "queues[" + std::to_string(i) + "]";
    std::string base = q.fifo ? q.name.substr(0, q.name.size() - std::min<std::size_t>(5, q.name.size())) : q.name;
    if (q.fifo && !q.name.ends_with(".fifo")) c.fail(q.line, p + ".name", "a FIFO queue's name must end in .fifo");
    if (!q.fifo && q.name.ends_with(".fifo")) c.fail(q.line, p + ".fifo", "a queue named *.fifo must be fifo: true");
    c.name(q.line, p + ".name", base, "[A-Za-z0-9_-]+", 80 - longest_stage - (q.fifo ? 5 : 0),
           "up to 80 characters of letters, digits, _ and - with the stage suffix");
    if (q.dlq) {
      if (!queues.count(*q.dlq)) c.fail(q.line, p + ".dead_letter.queue", "unknown queue '" + *q.dlq + "'");
      if (*q.dlq == q.name) c.fail(q.line, p + ".dead_letter.queue", "a queue cannot be its own dead-letter queue");
      for (const auto& other : def.queues)
        if (other.name == *q.dlq && other.fifo != q.fifo)
          c.fail(q.line, p + ".dead_letter.queue",
                 "the dead-letter queue of a " + std::string(q.fifo ? "FIFO" : "standard") + " queue must also be " +
                     (q.fifo ? "FIFO" : "standard"));
    }
  }
  for (std::size_t i = 0; i < def.buses.size(); ++i)
    c.name(def.buses[i].line, "buses[" + std::to_string(i) + "].name", def.buses[i].name, "[/.\\-_A-Za-z0-9]+",
           256 - longest_stage, "letters, digits and / . - _");
  for (std::size_t i = 0; i < def.functions.size(); ++i) {
    const auto& f = def.functions[i];
    std::string p = "functions[" + std::to_string(i) + "]";
    c.name(f.line, p + ".name", f.name, "[A-Za-z0-9_-]+", 64 - longest_stage, "letters, digits, - and _");
    for (const auto& t : f.tables)
      if (!tables.count(t)) c.fail(f.line, p + ".permissions.tables", "unknown table '" + t + "'");
    for (const auto& q : f.queues)
      if (!queues.count(q)) c.fail(f.line, p + ".permissions.queues", "unknown queue '" + q + "'");
    for (const auto& b : f.buses)
      if (!buses.count(b)) c.fail(f.line, p + ".permissions.buses", "unknown bus '" + b + "'");
    if (f.dead_letter_queue && !queues.count(*f.dead_letter_queue))
      c.fail(f.line, p + ".dead_letter_queue", "unknown queue '" + *f.dead_letter_queue + "'");
    for (const auto& [key, d] : {std::pair{"on_success", f.on_success}, std::pair{"on_failure", f.on_failure}}) {
      if (!d) continue;
      const auto& known = d->kind == "queue" ? queues : d->kind == "bus" ? buses : functions;
      if (!known.count(d->ref))
        c.fail(f.line, p + ".async." + key + "." + d->kind, "unknown " + d->kind + " '" + d->ref + "'");
      if (d->kind == "function" && d->ref == f.name)
        c.fail(f.line, p + ".async." + key + ".function", "a function cannot be its own destination");
    }
  }
  for (std::size_t i = 0; i < def.rules.size(); ++i) {
    const auto& r = def.rules[i];
    std::string p = "rules[" + std::to_string(i) + "]";
    c.name(r.line, p + ".name", r.name, "[.\\-_A-Za-z0-9]+", 64, "1-64 letters, digits and . - _");
    if (!buses.count(r.bus)) c.fail(r.line, p + ".bus", "unknown bus '" + r.bus + "'");
    std::set<std::string> ids;
    for (std::size_t k = 0; k < r.targets.size(); ++k) {
      const auto& t = r.targets[k];
      std::string tp = p + ".targets[" + std::to_string(k) + "]";
      c.name(t.line, tp + ".id", t.id, "[.\\-_A-Za-z0-9]+", 64, "1-64 letters, digits and . - _");
      if (!ids.insert(t.id).second) c.fail(t.line, tp + ".id", "duplicate target id '" + t.id + "'");
      if (t.kind == "function" && !functions.count(t.ref))
        c.fail(t.line, tp + ".function", "unknown function '" + t.ref + "'");
      if (t.kind == "queue" && !queues.count(t.ref)) c.fail(t.line, tp + ".queue", "unknown queue '" + t.ref + "'");
      if (t.kind == "bus" && !buses.count(t.ref)) c.fail(t.line, tp + ".bus", "unknown bus '" + t.ref + "'");
      if (t.kind == "bus" && t.ref == r.bus) c.fail(t.line, tp + ".bus", "a rule cannot target its own bus");
      if (t.dlq && !queues.count(*t.dlq)) c.fail(t.line, tp + ".dead_letter_queue", "unknown queue '" + *t.dlq + "'");
    }
  }
  for (std::size_t i = 0; i < def.mappings.size(); ++i) {
    const auto& m = def.mappings[i];
    std::string p = "mappings[" + std::to_string(i) + "]";
    if (!m.queue.empty() && !queues.count(m.queue)) c.fail(m.line, p + ".queue", "unknown queue '" + m.queue + "'");
    if (!m.table.empty()) {
      auto t =
          std::find_if(def.tables.begin(), def.tables.end(), [&](const table_def& x) { return x.name == m.table; });
      if (t == def.tables.end())
        c.fail(m.line, p + ".table", "unknown table '" + m.table + "'");
      else if (!t->stream)
        c.fail(m.line, p + ".table", "table '" + m.table + "' has no stream (give it `stream: NEW_AND_OLD_IMAGES`)");
      if (m.on_failure && !queues.count(*m.on_failure))
        c.fail(m.line, p + ".on_failure.queue", "unknown queue '" + *m.on_failure + "'");
    }
    if (!functions.count(m.function)) c.fail(m.line, p + ".function", "unknown function '" + m.function + "'");
    for (const auto& q : def.queues)
      if (q.name == m.queue && q.fifo && m.batching_window.count() > 0)
        c.fail(m.line, p + ".batching_window", "FIFO queues do not support a batching window");
  }
  const auto& g = def.gateway;
  std::set<std::string> plans;
  for (const auto& u : g.usage_plans) {
    if (!plans.insert(u.name).second) c.fail(u.line, "gateway.usage_plans", "duplicate plan '" + u.name + "'");
    for (const auto& s : u.stages)
      if (!stages.count(s)) c.fail(u.line, "gateway.usage_plans.stages", "unknown stage '" + s + "'");
  }
  std::set<std::string> key_values, routes;
  for (const auto& k : g.api_keys) {
    if (!plans.count(k.plan)) c.fail(k.line, "gateway.api_keys.plan", "unknown usage plan '" + k.plan + "'");
    if (!key_values.insert(k.value).second) c.fail(k.line, "gateway.api_keys.value", "duplicate key value");
  }
  for (const auto& r : g.routes) {
    if (!functions.count(r.function))
      c.fail(r.line, "gateway.routes.function", "unknown function '" + r.function + "'");
    if (!routes.insert(r.method + " " + r.path).second)
      c.fail(r.line, "gateway.routes", "duplicate route " + r.method + " " + r.path);
    if (!std::regex_match(r.path, std::regex("(/([A-Za-z0-9._~-]+|\\{[A-Za-z_][A-Za-z0-9_]*\\+?\\}))+|/")))
      c.fail(r.line, "gateway.routes.path", "'" + r.path + "' is not a resource path such as /restaurants/{id}");
  }
  if (def.outbox.defined && !buses.count(def.outbox.bus))
    c.fail(1, "outbox.bus", "unknown bus '" + def.outbox.bus + "'");
  if (!def.actions.empty() && !def.outbox.defined)
    c.fail(def.actions[0].line, "actions", "server actions need an outbox section");
  // What would go round for ever: a bus that reaches itself through rules' bus targets (every
  // event put on it), a queue that reaches itself through dead-letter queues.
  graph bus_graph, dlq_graph;
  for (std::size_t i = 0; i < def.rules.size(); ++i)
    for (std::size_t k = 0; k < def.rules[i].targets.size(); ++k)
      if (const auto& t = def.rules[i].targets[k]; t.kind == "bus")
        bus_graph[def.rules[i].bus].push_back(
            {t.ref, t.line, "rules[" + std::to_string(i) + "].targets[" + std::to_string(k) + "].bus"});
  for (std::size_t i = 0; i < def.queues.size(); ++i)
    if (def.queues[i].dlq)
      dlq_graph[def.queues[i].name].push_back(
          {*def.queues[i].dlq, def.queues[i].line, "queues[" + std::to_string(i) + "].dead_letter.queue"});
  if (auto cyc = find_cycle(bus_graph))
    c.fail(cyc->line, cyc->path,
           "buses form a cycle: " + cyc->names + " (its events would be delivered round it for ever)");
  if (auto cyc = find_cycle(dlq_graph)) c.fail(cyc->line, cyc->path, "dead-letter queues form a cycle: " + cyc->names);
}

}  // namespace emu
