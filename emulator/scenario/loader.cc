#include "emulator/scenario/loader.h"

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <stdexcept>

#include "emulator/bellyfed/business.h"
#include "emulator/core/jsonpath.h"
#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"
#include "emulator/scenario/templates.h"

namespace emu::scenario {
namespace fs = std::filesystem;

namespace {

// Checks every ${name} in the scalars under `n` against the names defined so far.
void check_names(const YAML::Node& n, const std::string& file, const std::string& path,
                 const std::set<std::string>& known) {
  if (n.IsScalar()) {
    std::vector<std::string> names;
    try {
      names = template_names(n.Scalar());
    } catch (const std::invalid_argument& e) {
      throw load_error(file, n.Mark(), path, e.what());
    }
    for (const auto& name : names) {
      if (name.rfind("env:", 0) == 0 && name.size() > 4) continue;
      if (!is_builtin_name(name) && !known.count(name))
        throw load_error(file, n.Mark(), path,
                         "${" + name + "} is not defined here (define it in vars or capture it in an earlier step)");
    }
  } else if (n.IsSequence() || n.IsMap()) {
    for (const auto& child : n) {
      if (n.IsMap()) {
        check_names(child.first, file, path, known);
        check_names(child.second, file, path + "." + child.first.Scalar(), known);
      } else {
        check_names(child, file, path, known);
      }
    }
  }
}

std::string list_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

check compile_check(const std::string& name, const YAML::Node& spec, const registry& reg, const std::string& file,
                    const std::string& path) {
  const expect_kind* k = reg.expectation(name);
  if (!k) {
    throw load_error(file, spec.Mark(), path,
                     "unknown expectation '" + name + "' (known: " + list_names(reg.expect_names()) + ")");
  }
  check c;
  c.kind = k;
  c.line = spec.Mark().line + 1;
  YAML::Node body = spec;  // shares the loaded document; within/absent are taken out of it
  if (spec.IsMap()) {
    if (auto w = spec["within"]) {
      auto d = w.IsScalar() ? parse_duration(w.Scalar()) : std::nullopt;
      if (!d) throw load_error(file, w.Mark(), path + ".within", "must be a duration such as 30s");
      c.within = *d;
      body.remove("within");
    }
    if (auto ab = spec["absent"]) {
      json v = ab.IsScalar() ? plain_scalar(ab.Scalar()) : json();
      if (!v.is_boolean()) throw load_error(file, ab.Mark(), path + ".absent", "must be true or false");
      c.absent = v.get<bool>();
      body.remove("absent");
    }
  }
  c.compiled = k->compile(body, file, path);
  c.name = name;
  c.source = body;
  return c;
}

// Where a scenario's fixture paths may point: its own folder, each folder above it up to its
// project's root (the nearest one holding .git, else the one holding the scenarios/ folder it is
// in; none above the scenario's folder if neither exists), and the working directory. So a
// shipped scenario's `fixtures/…` is found from any working directory.
std::vector<fs::path> fixture_bases(const fs::path& folder) {
  std::error_code ec;
  fs::path here = fs::weakly_canonical(folder, ec);
  if (ec) here = folder;
  std::vector<fs::path> chain = {here};
  for (fs::path p = here; p.has_parent_path() && p.parent_path() != p; p = p.parent_path())
    chain.push_back(p.parent_path());
  std::size_t root = 0;  // index in chain of the project root; 0: the scenario's folder only
  bool found = false;
  for (std::size_t i = 0; i < chain.size() && !found; ++i)
    if (fs::exists(chain[i] / ".git", ec)) root = i, found = true;
  for (std::size_t i = 0; i + 1 < chain.size() && !found; ++i)
    if (chain[i].filename() == "scenarios") root = i + 1, found = true;
  std::vector<fs::path> out(chain.begin(), chain.begin() + std::ptrdiff_t(root) + 1);
  out.push_back(fs::path("."));
  return out;
}

}  // namespace

std::string locate_beside(const std::string& scenario_file, const std::string& rel_path, bool* outside) {
  fs::path rel(rel_path);
  if (rel.is_absolute()) return "";
  // Read from those folders only, never from elsewhere (`../../etc/…`, or a symbolic link out):
  // a scenario cannot read foreign files.
  auto inside = [](const fs::path& p, const fs::path& base) {
    std::error_code ec;
    fs::path a = fs::weakly_canonical(p, ec), b = fs::weakly_canonical(base, ec);
    auto [end, _] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
    return end == b.end();
  };
  fs::path folder =
      fs::path(scenario_file).parent_path().empty() ? fs::path(".") : fs::path(scenario_file).parent_path();
  for (const auto& base : fixture_bases(folder)) {
    fs::path candidate = base / rel;
    std::error_code ec;
    if (!fs::exists(candidate, ec)) continue;
    if (inside(candidate, base) || inside(candidate, fs::path("."))) return candidate.string();
    if (outside) *outside = true;
  }
  return "";
}

namespace {

// A fixture file: `tables: {TABLE: [item, …]}` with plain JSON items, TABLE as the system
// definition names it (the scenario's stage is added). Paths are relative to the scenario
// file's folder, else to the working directory (the repository root).
void read_fixture(const YAML::Node& ref, const std::string& file, const std::string& path, const system_def& sys,
                  std::vector<fixture_items>& out) {
  if (!ref.IsScalar() || ref.Scalar().empty()) throw load_error(file, ref.Mark(), path, "is a fixture file's path");
  namespace fs = std::filesystem;
  fs::path rel(ref.Scalar());
  if (rel.is_absolute())
    throw load_error(file, ref.Mark(), path,
                     "fixture file '" + ref.Scalar() +
                         "' must be a relative path (beside the scenario or under the working directory)");
  bool outside = false;
  std::string fx = locate_beside(file, ref.Scalar(), &outside);
  if (fx.empty())
    throw load_error(file, ref.Mark(), path,
                     "fixture file '" + ref.Scalar() +
                         (outside ? "' is outside the scenario's project and the working directory"
                                  : "' not found (looked beside the scenario, in the folders above it up to its "
                                    "project's root, and in the working directory)"));
  YAML::Node root = load_yaml_file(fx);
  auto items = read_fixture_document(root, fx, sys);
  out.insert(out.end(), items.begin(), items.end());
}

}  // namespace

std::vector<fixture_items> read_fixture_document(const YAML::Node& root, const std::string& fx, const system_def& sys) {
  std::vector<fixture_items> out;
  if (!root.IsMap()) throw load_error(fx, root.Mark(), "", "a fixture file is a map with tables: and rows:");
  for (const auto& kv : root) {
    std::string k = kv.first.Scalar();
    if (k != "tables" && k != "rows") throw load_error(fx, kv.first.Mark(), k, "unknown key (expected: tables, rows)");
  }
  if (YAML::Node rows = root["rows"]) {
    if (!rows.IsMap()) throw load_error(fx, rows.Mark(), "rows", "is a map of outbox store tables to lists of rows");
    for (const auto& kv : rows) {
      std::string table = kv.first.Scalar();
      if (!bellyfed::is_business_table(table))
        throw load_error(fx, kv.first.Mark(), "rows." + table, "must be restaurants, reviews or import_jobs");
      fixture_items f;
      f.file = fx;
      f.line = kv.first.Mark().line + 1;
      f.table = table;
      f.outbox_rows = true;
      f.items = yaml_to_json(kv.second, fx, "rows." + table);
      if (!f.items.is_array())
        throw load_error(fx, kv.second.Mark(), "rows." + table, "is a list of rows (maps of columns to values)");
      out.push_back(std::move(f));
    }
  }
  YAML::Node tables = root["tables"];
  if (!tables) return out;
  if (!tables.IsMap()) throw load_error(fx, root.Mark(), "tables", "is a map of table names to lists of items");
  for (const auto& kv : tables) {
    std::string table = kv.first.Scalar();
    bool defined = false;
    for (const auto& t : sys.tables) defined |= t.name == table;
    if (!defined) {
      std::string names;
      for (const auto& t : sys.tables) names += (names.empty() ? "" : ", ") + t.name;
      throw load_error(fx, kv.first.Mark(), "tables." + table,
                       "no such table in the system definition (it has: " + names + ")");
    }
    fixture_items f;
    f.file = fx;
    f.line = kv.first.Mark().line + 1;
    f.table = table;
    f.items = yaml_to_json(kv.second, fx, "tables." + table);
    if (!f.items.is_array())
      throw load_error(fx, kv.second.Mark(), "tables." + table, "is a list of items (maps of plain values)");
    for (const auto& it : f.items)
      if (!it.is_object())
        throw load_error(fx, kv.second.Mark(), "tables." + table,
                         "each item is a map of attribute names to plain values");
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<check> compile_checks(const YAML::Node& e, const registry& reg, const std::string& file,
                                  const std::string& path) {
  if (!e.IsMap() || e.size() == 0)
    throw load_error(file, e.Mark(), path, "a standalone expect is a map such as {trace: [...]}");
  // `within` and `absent` beside the checks apply to every check of the step.
  std::optional<duration> within;
  bool absent = false;
  for (const auto& kv : e) {
    std::string key = kv.first.Scalar();
    if (key == "within") {
      within = kv.second.IsScalar() ? parse_duration(kv.second.Scalar()) : std::nullopt;
      if (!within) throw load_error(file, kv.second.Mark(), path + ".within", "must be a duration such as 30s");
    } else if (key == "absent") {
      json v = kv.second.IsScalar() ? plain_scalar(kv.second.Scalar()) : json();
      if (!v.is_boolean()) throw load_error(file, kv.second.Mark(), path + ".absent", "must be true or false");
      absent = v.get<bool>();
    }
  }
  std::vector<check> out;
  for (const auto& kv : e) {
    std::string key = kv.first.Scalar();
    if (key == "within" || key == "absent") continue;
    check c = compile_check(key, kv.second, reg, file, path + "." + key);
    if (!c.within) c.within = within;
    c.absent = c.absent || absent;
    out.push_back(std::move(c));
  }
  if (out.empty()) throw load_error(file, e.Mark(), path, "names no check (such as trace:)");
  return out;
}

scenario load_scenario(const std::string& file, const registry& reg, const system_def& sys) {
  YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) throw load_error(file, root.Mark(), "", "a scenario file is a map with scenario: and steps:");
  // Every problem the file has is reported in one run: each part is checked on its own, and a
  // part that fails does not stop the others.
  std::vector<load_error> problems;
  auto attempt = [&](auto&& part) {
    try {
      part();
    } catch (const load_error& e) {
      problems.push_back(e);
    }
  };
  static const std::set<std::string> top = {"scenario", "description", "tags", "stage", "clock",
                                            "seed",     "fixtures",    "vars", "steps"};
  for (const auto& kv : root)
    if (!top.count(kv.first.Scalar()))
      problems.emplace_back(
          file, kv.first.Mark(), kv.first.Scalar(),
          "unknown key (expected one of: scenario, description, tags, stage, clock, seed, fixtures, vars, steps)");
  scenario s;
  s.file = file;
  s.start = default_start();
  if (!root["scenario"] || !root["scenario"].IsScalar() || root["scenario"].Scalar().empty())
    problems.emplace_back(file, root.Mark(), "scenario", "is required: the scenario's name");
  else
    s.name = root["scenario"].Scalar();
  if (auto d = root["description"]) {
    if (d.IsScalar())
      s.description = d.Scalar();
    else
      problems.emplace_back(file, d.Mark(), "description", "must be text");
  }
  attempt([&] {
    auto t = root["tags"];
    if (!t) return;
    if (!t.IsSequence()) throw load_error(file, t.Mark(), "tags", "must be a list such as [import, smoke]");
    for (const auto& x : t) {
      if (!x.IsScalar()) throw load_error(file, x.Mark(), "tags", "each tag is a word");
      s.tags.push_back(x.Scalar());
    }
  });
  attempt([&] {
    if (auto st = root["stage"]) {
      if (!st.IsScalar()) throw load_error(file, st.Mark(), "stage", "must be a stage name");
      s.stage = st.Scalar();
    }
    if (std::find(sys.stages.begin(), sys.stages.end(), s.stage) == sys.stages.end())
      throw load_error(file, root["stage"] ? root["stage"].Mark() : root.Mark(), "stage",
                       "unknown stage '" + s.stage + "' (the system defines: " + list_names(sys.stages) + ")");
  });
  attempt([&] {
    if (auto c = root["clock"]) {
      auto t = c.IsScalar() ? parse_iso8601(c.Scalar()) : std::nullopt;
      if (!t) throw load_error(file, c.Mark(), "clock", "must be an ISO 8601 time such as 2024-12-01T12:00:00Z");
      s.start = *t;
    }
  });
  attempt([&] {
    if (auto sd = root["seed"]) {
      json v = sd.IsScalar() ? plain_scalar(sd.Scalar()) : json();
      if (!v.is_number_integer() || v.get<long long>() < 0)
        throw load_error(file, sd.Mark(), "seed", "must be a whole number ≥ 0");
      s.seed = std::uint64_t(v.get<long long>());
    }
  });
  if (auto fx = root["fixtures"]) {
    if (!fx.IsSequence()) problems.emplace_back(file, fx.Mark(), "fixtures", "must be a list of fixture files");
    for (std::size_t i = 0; fx.IsSequence() && i < fx.size(); ++i)
      attempt([&] { read_fixture(fx[i], file, "fixtures[" + std::to_string(i) + "]", sys, s.fixtures); });
  }
  attempt([&] {
    if (auto v = root["vars"]) {
      s.vars = yaml_to_json(v, file, "vars");
      if (!s.vars.is_object()) {
        s.vars = json::object();
        throw load_error(file, v.Mark(), "vars", "must be a map of names to values");
      }
    }
  });
  std::set<std::string> known;
  for (auto& [k, v] : s.vars.items()) (void)v, known.insert(k);

  YAML::Node steps = root["steps"];
  if (!steps || !steps.IsSequence() || steps.size() == 0) {
    problems.emplace_back(file, steps ? steps.Mark() : root.Mark(), "steps",
                          "is required: a list of at least one step");
    throw load_error::several(problems);
  }
  static const std::regex ident("[A-Za-z_][A-Za-z0-9_]*");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const YAML::Node& n = steps[i];
    try {
      std::string path = "steps[" + std::to_string(i) + "]";
      if (!n.IsMap()) throw load_error(file, n.Mark(), path, "a step is a map with one kind key, such as advance: 30s");
      step st;
      st.index = int(i) + 1;
      st.line = n.Mark().line + 1;
      std::vector<std::string> kinds;
      for (const auto& kv : n) {
        std::string k = kv.first.Scalar();
        if (k != "name" && k != "expect" && k != "capture") kinds.push_back(k);
      }
      if (kinds.size() > 1)
        throw load_error(file, n.Mark(), path, "a step has exactly one kind key, found: " + list_names(kinds));
      if (kinds.empty() && !n["expect"])
        throw load_error(file, n.Mark(), path,
                         "a step needs a kind key (one of: " + list_names(reg.step_names()) + ")");
      if (auto nm = n["name"])
        st.name = nm.IsScalar() ? nm.Scalar() : throw load_error(file, nm.Mark(), path + ".name", "must be text");

      if (kinds.empty()) {
        st.kind = "expect";
        YAML::Node e = n["expect"];
        check_names(e, file, path + ".expect", known);
        st.checks = compile_checks(e, reg, file, path + ".expect");

      } else {
        st.kind = kinds[0];
        const step_kind* k = reg.step(st.kind);
        if (!k) {
          throw load_error(file, n.Mark(), path + "." + st.kind,
                           "unknown step kind '" + st.kind + "' (known: " + list_names(reg.step_names()) + ")");
        }
        st.params = n[st.kind];
        k->validate(st.params, file, path + "." + st.kind);
        check_names(st.params, file, path + "." + st.kind, known);
        if (auto e = n["expect"]) {
          check_names(e, file, path + ".expect", known);
          st.expectation = compile_expected(e, file, path + ".expect");
        }
      }
      if (st.name.empty()) st.name = st.kind;
      if (auto c = n["capture"]) {
        if (!c.IsMap()) throw load_error(file, c.Mark(), path + ".capture", "must be a map of name: JSONPath");
        for (const auto& kv : c) {
          std::string name = kv.first.Scalar();
          if (!std::regex_match(name, ident) || is_builtin_name(name))
            throw load_error(file, kv.first.Mark(), path + ".capture." + name,
                             "capture names are identifiers and not stage, now or uuid");
          if (!kv.second.IsScalar())
            throw load_error(file, kv.second.Mark(), path + ".capture." + name, "must be a JSONPath such as $.body.id");
          if (auto err = check_jsonpath(kv.second.Scalar()))
            throw load_error(file, kv.second.Mark(), path + ".capture." + name, *err);
          st.captures.emplace_back(name, kv.second.Scalar());
          known.insert(name);
        }
      }
      s.steps.push_back(std::move(st));
    } catch (const load_error& e) {
      problems.push_back(e);
      // Later steps may use what this one captures: its names stay known, so one mistake is
      // reported once.
      if (n.IsMap() && n["capture"] && n["capture"].IsMap())
        for (const auto& kv : n["capture"]) known.insert(kv.first.Scalar());
    }
  }
  if (!problems.empty()) throw load_error::several(problems);
  return s;
}

std::vector<std::string> find_scenario_files(const std::vector<std::string>& paths) {
  std::set<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec); it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (ec) break;
        auto ext = it->path().extension().string();
        if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml"))
          out.insert(it->path().lexically_normal().string());
      }
    } else if (fs::is_regular_file(p, ec)) {
      out.insert(fs::path(p).lexically_normal().string());
    } else if (fs::exists(p, ec)) {
      throw std::invalid_argument("not a regular file or folder: " + p);
    } else {
      throw std::invalid_argument("no such file or folder: " + p);
    }
  }
  return {out.begin(), out.end()};
}

}  // namespace emu::scenario
