#include "emulator/scenario/matcher.h"

#include <cmath>

#include "emulator/core/time_format.h"
#include "emulator/core/yaml_json.h"

namespace emu::scenario {
namespace {

using kind = expected::kind;
using ptr = std::shared_ptr<const expected>;

json scalar_arg(const YAML::Node& n, const std::string& file, const std::string& path, const std::string& tag) {
  if (!n.IsScalar()) throw load_error(file, n.Mark(), path, tag + " takes a single value");
  return n.Tag() == "!" ? json(n.Scalar()) : plain_scalar(n.Scalar());
}

double number_arg(const YAML::Node& n, const std::string& file, const std::string& path, const std::string& tag) {
  json v = scalar_arg(n, file, path, tag);
  if (!v.is_number()) throw load_error(file, n.Mark(), path, tag + " needs a number, got '" + n.Scalar() + "'");
  return v.get<double>();
}

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "binary";
  }
}

bool numbers_equal(const json& a, const json& b) {
  if (a.is_number_integer() && b.is_number_integer()) return a.get<long long>() == b.get<long long>();
  return a.get<double>() == b.get<double>();
}

bool is_uuid(const std::string& s) {
  static const std::regex re("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  return std::regex_match(s, re);
}

}  // namespace

std::string describe(const json* v) {
  if (!v) return "nothing (missing)";
  std::string t = type_name(*v);
  if (v->is_object())
    return "object with keys " + [&] {
      std::string keys;
      for (auto& [k, x] : v->items()) {
        (void)x;
        keys += (keys.empty() ? "" : ", ") + k;
      }
      return "{" + keys + "}";
    }();
  std::string text = v->dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 200) text = text.substr(0, 200) + "…";
  return t + " " + text;
}

ptr compile_expected(const YAML::Node& n, const std::string& file, const std::string& path) {
  auto e = std::make_shared<expected>();
  e->line = n.Mark().line + 1;
  const std::string& tag = n.Tag();
  auto args_list = [&](const char* t) {
    if (!n.IsSequence()) throw load_error(file, n.Mark(), path, std::string(t) + " takes a list");
    for (std::size_t i = 0; i < n.size(); ++i)
      e->items.push_back(compile_expected(n[i], file, path + "[" + std::to_string(i) + "]"));
  };
  if (tag.empty() || tag == "?" || tag == "!" || tag == "!exact") {
    if (n.IsMap()) {
      e->k = tag == "!exact" ? kind::exact_map : kind::map;
      for (const auto& kv : n) {
        std::string key = kv.first.Scalar();
        for (const auto& [k, v] : e->fields)
          if (k == key) throw load_error(file, kv.first.Mark(), path, "duplicate key '" + key + "'");
        e->fields.emplace_back(key, compile_expected(kv.second, file, path + "." + key));
      }
    } else if (tag == "!exact") {
      throw load_error(file, n.Mark(), path, "!exact takes a map");
    } else if (n.IsSequence()) {
      e->k = kind::list;
      args_list("a list");
    } else {
      e->k = kind::scalar;
      e->value = (n.IsNull() || !n.IsDefined()) ? json(nullptr)
                 : tag == "!"                   ? json(n.Scalar())
                                                : plain_scalar(n.Scalar());
    }
  } else if (tag == "!unordered") {
    e->k = kind::unordered;
    args_list("!unordered");
  } else if (tag == "!contains") {
    e->k = kind::contains;
    args_list("!contains");
  } else if (tag == "!any") {
    e->k = kind::any;
  } else if (tag == "!absent") {
    e->k = kind::absent;
  } else if (tag == "!uuid") {
    e->k = kind::uuid;
  } else if (tag == "!iso8601") {
    e->k = kind::iso8601;
  } else if (tag == "!type") {
    e->k = kind::type;
    if (!n.IsScalar()) throw load_error(file, n.Mark(), path, "!type takes a type name");
    e->value = n.Scalar();
    static const char* names[] = {"string", "number", "boolean", "null", "object", "array"};
    bool ok = false;
    for (auto* nm : names) ok = ok || e->value == nm;
    if (!ok) throw load_error(file, n.Mark(), path, "!type must be string, number, boolean, null, object or array");
  } else if (tag == "!regex") {
    e->k = kind::regex;
    e->value = n.IsScalar() ? n.Scalar() : "";
    try {
      e->re = std::regex(e->value.get<std::string>(), std::regex::ECMAScript);
    } catch (const std::regex_error& err) {
      throw load_error(file, n.Mark(), path, "!regex: invalid regular expression: " + std::string(err.what()));
    }
  } else if (tag == "!len" || tag == "!gt" || tag == "!lt") {
    e->k = tag == "!len" ? kind::len : tag == "!gt" ? kind::gt : kind::lt;
    e->value = number_arg(n, file, path, tag);
    if (tag == "!len" && (e->value.get<double>() < 0 || std::floor(e->value.get<double>()) != e->value.get<double>()))
      throw load_error(file, n.Mark(), path, "!len needs a whole number");
  } else if (tag == "!between") {
    e->k = kind::between;
    if (!n.IsSequence() || n.size() != 2) throw load_error(file, n.Mark(), path, "!between takes [low, high]");
    double lo = number_arg(n[0], file, path, tag), hi = number_arg(n[1], file, path, tag);
    if (lo > hi) throw load_error(file, n.Mark(), path, "!between: low is greater than high");
    e->value = json::array({lo, hi});
  } else if (tag == "!pattern") {
    e->k = kind::pattern;
    if (!n.IsMap()) throw load_error(file, n.Mark(), path, "!pattern takes an EventBridge pattern (a map)");
    e->value = json::object();  // the pattern's own keys; the !pattern tag is ours, not the pattern's
    for (const auto& kv : n)
      e->value[kv.first.Scalar()] = yaml_to_json(kv.second, file, path + "." + kv.first.Scalar());
  } else {
    throw load_error(file, n.Mark(), path,
                     "unknown tag " + tag +
                         " (known: !exact !unordered !contains !any !absent !type !regex !uuid "
                         "!iso8601 !len !gt !lt !between !pattern)");
  }
  return e;
}

void match(const expected& e, const json* a, const std::string& path, const match_env& env,
           std::vector<mismatch>& out) {
  auto fail = [&](const std::string& msg) { out.push_back({path, msg}); };
  auto want = [&](const std::string& what) { fail("expected " + what + ", got " + describe(a)); };
  if (e.k == kind::absent) {
    if (a) want("the key to be absent");
    return;
  }
  if (!a) {
    if (e.k == kind::scalar)
      want(describe(&e.value));
    else
      want(e.k == kind::any ? "any value" : "a value");
    return;
  }
  switch (e.k) {
    case kind::absent:
    case kind::any:
      return;
    case kind::scalar: {
      json v = e.value;
      if (v.is_string() && env.resolve) v = env.resolve(v.get<std::string>());
      bool eq = (v.is_number() && a->is_number()) ? numbers_equal(v, *a) : v == *a;
      if (!eq) want(describe(&v));
      return;
    }
    case kind::map:
    case kind::exact_map: {
      if (!a->is_object()) return want("an object");
      for (const auto& [k, sub] : e.fields) {
        auto it = a->find(k);
        match(*sub, it == a->end() ? nullptr : &*it, path + "." + k, env, out);
      }
      if (e.k == kind::exact_map)
        for (auto& [k, v] : a->items()) {
          (void)v;
          bool known = false;
          for (const auto& f : e.fields) known = known || f.first == k;
          if (!known)
            out.push_back({path + "." + k, "unexpected key (the expectation is !exact), value " + describe(&v)});
        }
      return;
    }
    case kind::list: {
      if (!a->is_array()) return want("an array of " + std::to_string(e.items.size()));
      if (a->size() != e.items.size())
        fail("expected an array of " + std::to_string(e.items.size()) + " elements, got " + std::to_string(a->size()) +
             ": " + describe(a));
      for (std::size_t i = 0; i < e.items.size() && i < a->size(); ++i)
        match(*e.items[i], &(*a)[i], path + "[" + std::to_string(i) + "]", env, out);
      return;
    }
    case kind::unordered:
    case kind::contains: {
      if (!a->is_array()) return want("an array");
      if (e.k == kind::unordered && a->size() != e.items.size())
        return fail("expected an array of " + std::to_string(e.items.size()) + " elements in any order, got " +
                    std::to_string(a->size()) + ": " + describe(a));
      // Each expected element takes a distinct actual element (backtracking; lists are small).
      std::vector<std::vector<bool>> ok(e.items.size(), std::vector<bool>(a->size()));
      for (std::size_t i = 0; i < e.items.size(); ++i)
        for (std::size_t j = 0; j < a->size(); ++j) {
          std::vector<mismatch> tmp;
          match(*e.items[i], &(*a)[j], path, env, tmp);
          ok[i][j] = tmp.empty();
        }
      std::vector<int> owner(a->size(), -1);
      std::function<bool(std::size_t, std::vector<bool>&)> place = [&](std::size_t i, std::vector<bool>& seen) {
        for (std::size_t j = 0; j < a->size(); ++j) {
          if (!ok[i][j] || seen[j]) continue;
          seen[j] = true;
          if (owner[j] < 0 || place(std::size_t(owner[j]), seen)) {
            owner[j] = int(i);
            return true;
          }
        }
        return false;
      };
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        std::vector<bool> seen(a->size());
        if (!place(i, seen)) {
          std::string exp =
              e.items[i]->k == kind::scalar ? describe(&e.items[i]->value) : "expected element " + std::to_string(i);
          fail("no element matches " + exp + " (line " + std::to_string(e.items[i]->line) + "); got " + describe(a));
        }
      }
      return;
    }
    case kind::type:
      if (type_name(*a) != e.value.get<std::string>()) want("a " + e.value.get<std::string>());
      return;
    case kind::regex:
      if (!a->is_string() || !std::regex_search(a->get_ref<const std::string&>(), e.re))
        want("a string matching /" + e.value.get<std::string>() + "/");
      return;
    case kind::uuid:
      if (!a->is_string() || !is_uuid(a->get_ref<const std::string&>())) want("a UUID");
      return;
    case kind::iso8601:
      if (!a->is_string() || !parse_iso8601(a->get_ref<const std::string&>())) want("an ISO 8601 time");
      return;
    case kind::len: {
      std::size_t n = e.value.get<std::size_t>();
      std::size_t got = a->is_string()                    ? a->get_ref<const std::string&>().size()
                        : a->is_array() || a->is_object() ? a->size()
                                                          : std::size_t(-1);
      if (got != n) want("length " + std::to_string(n));
      return;
    }
    case kind::gt:
      if (!a->is_number() || !(a->get<double>() > e.value.get<double>())) want("a number > " + dump_lossy(e.value));
      return;
    case kind::lt:
      if (!a->is_number() || !(a->get<double>() < e.value.get<double>())) want("a number < " + dump_lossy(e.value));
      return;
    case kind::between:
      if (!a->is_number() || a->get<double>() < e.value[0].get<double>() || a->get<double>() > e.value[1].get<double>())
        want("a number between " + dump_lossy(e.value[0]) + " and " + dump_lossy(e.value[1]));
      return;
    case kind::pattern: {
      std::string err;
      if (!env.pattern) return fail("!pattern: no EventBridge pattern matcher in this build");
      if (!env.pattern(e.value, *a, err))
        want(err.empty() ? "a value matching the pattern " + dump_lossy(e.value) : err);
      return;
    }
  }
}

json expand_strings(const json& v, const match_env& env) {
  if (!env.resolve) return v;
  return transform_strings(v, [&](const std::string& s) -> json { return env.resolve(s); });
}

}  // namespace emu::scenario
