// The outbox in scenarios: the `action` step (a Server Action of the scenario's stage), and the
// expectations `outbox` (rows of outbox_events) and `rows` (rows of the business tables).
#include "emulator/bellyfed/business.h"
#include "emulator/core/error.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/steps.h"

namespace emu::scenario {
namespace {

struct rows_check {
  std::string table;  // empty: outbox_events
  json where;         // column → value, all must equal
  std::string status;
  std::shared_ptr<const expected> count, rows;
};

bool fits(const json& row, const json& where) {
  for (const auto& [k, v] : where.items()) {
    if (!row.contains(k)) return false;
    const json& have = row[k];
    if (have == v) continue;
    if (have.is_number() && v.is_string() && have.dump() == v.get<std::string>()) continue;
    return false;
  }
  return true;
}

std::shared_ptr<const void> compile_rows(const YAML::Node& spec, const std::string& file, const std::string& path,
                                         bool outbox) {
  if (outbox)
    require_keys(spec, file, path, {"where", "status", "count", "events"}, {});
  else
    require_keys(spec, file, path, {"table", "where", "count", "rows"}, {"table"});
  auto c = std::make_shared<rows_check>();
  if (!outbox) {
    c->table = spec["table"].Scalar();
    if (!bellyfed::is_business_table(c->table))
      throw load_error(file, spec["table"].Mark(), path + ".table", "must be restaurants, reviews or import_jobs");
  }
  if (spec["where"]) {
    c->where = yaml_to_json(spec["where"], file, path + ".where");
    if (!c->where.is_object())
      throw load_error(file, spec["where"].Mark(), path + ".where", "must be a map of columns to values");
  } else {
    c->where = json::object();
  }
  if (spec["status"]) {
    c->status = spec["status"].Scalar();
    if (c->status != "pending" && c->status != "processing" && c->status != "processed" && c->status != "failed")
      throw load_error(file, spec["status"].Mark(), path + ".status",
                       "must be pending, processing, processed or failed");
  }
  const char* list = outbox ? "events" : "rows";
  if (spec["count"]) c->count = compile_expected(spec["count"], file, path + ".count");
  if (spec[list]) c->rows = compile_expected(spec[list], file, path + "." + list);
  if (!c->count && !c->rows) throw load_error(file, spec.Mark(), path, std::string("give count or ") + list);
  return c;
}

std::vector<mismatch> check_rows(world& w, const void* compiled, const match_env& env) {
  const auto& c = *static_cast<const rows_check*>(compiled);
  if (!w.system->has_outbox(w.stage)) return {{"$", "the system definition has no outbox"}};
  auto& st = w.system->outbox_store(w.stage);
  json all = json::array();
  if (c.table.empty())
    for (const auto& e : st.events()) all.push_back(e.to_json());
  else
    all = st.rows(c.table);
  json where = expand_strings(c.where, env);
  json picked = json::array();
  for (const auto& r : all)
    if (fits(r, where) && (c.status.empty() || r.value("status", "") == c.status)) picked.push_back(r);
  std::vector<mismatch> out;
  json n = picked.size();
  if (c.count) match(*c.count, &n, "$.count", env, out);
  if (c.rows) match(*c.rows, &picked, c.table.empty() ? "$.events" : "$.rows", env, out);
  if (!out.empty()) {
    std::string seen = dump_lossy(picked);
    std::string query = (c.table.empty() ? std::string("outbox_events") : c.table) + " where " + dump_lossy(where) +
                        (c.status.empty() ? "" : " and status = " + c.status);
    out.push_back({"$", "rows of " + query + " (of " + std::to_string(all.size()) +
                            "): " + (seen.size() > 600 ? seen.substr(0, 600) + "…" : seen)});
  }
  return out;
}

}  // namespace

void add_outbox_steps(registry& reg) {
  reg.add_step({"action", "a Server Action of the stage: {name, input, trace_id}; the result is {data} or {error}",
                [](const YAML::Node& p, const std::string& file, const std::string& path) {
                  require_keys(p, file, path, {"name", "input", "trace_id"}, {"name"});
                },
                [](world& w, const json& p) -> json {
                  return w.system->action(w.stage, p["name"].get<std::string>(), p.value("input", json::object()),
                                          p.value("trace_id", ""));
                }});
  reg.add_expect({"outbox", "rows of outbox_events: {where: {column: value}, status, count | events}",
                  [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                    return compile_rows(spec, file, path, true);
                  },
                  check_rows});
  reg.add_expect({"rows", "rows of a business table of the outbox store: {table, where, count | rows}",
                  [](const YAML::Node& spec, const std::string& file, const std::string& path) {
                    return compile_rows(spec, file, path, false);
                  },
                  check_rows});
}

}  // namespace emu::scenario
