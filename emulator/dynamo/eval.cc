// Evaluation of parsed expressions against items (see expr.h for the grammar).
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "emulator/core/error.h"
#include "emulator/core/text.h"
#include "emulator/dynamo/expr.h"
#include "emulator/dynamo/number.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {
namespace {

// Values computed while evaluating (size(), arithmetic) live here for the evaluation's length.
using scratch = std::deque<json>;

const json* operand_value(const expr_node& n, const json& item, scratch& tmp) {
  switch (n.k) {
    case expr_node::kind::path:
      return find_path(item, n.path);
    case expr_node::kind::value:
      return n.value;
    case expr_node::kind::size: {
      const json* v = find_path(item, n.kids[0].path);
      if (!v) return nullptr;
      const std::string& t = type_of(*v);
      const json& x = v->begin().value();
      std::size_t sz;
      if (t == "S")
        sz = x.get_ref<const std::string&>().size();
      else if (t == "B")
        sz = base64_decode(x.get_ref<const std::string&>()).value_or("").size();
      else if (t == "M" || t == "L" || t == "SS" || t == "NS" || t == "BS")
        sz = x.size();
      else
        return nullptr;  // size() of a number, boolean or null is not defined: the condition is false
      tmp.push_back(json{{"N", std::to_string(sz)}});
      return &tmp.back();
    }
    default:
      return nullptr;
  }
}

bool set_contains(const json& set, const std::string& set_type, const json& elem) {
  std::string elem_type = set_type.substr(0, 1);
  if (type_of(elem) != elem_type) return false;
  for (const auto& e : set.begin().value())
    if (equal(json{{elem_type, e}}, elem)) return true;
  return false;
}

}  // namespace

const json* find_path(const json& item, const doc_path& p) {
  if (p.empty() || !item.is_object()) return nullptr;
  auto it = item.find(p[0].name);
  if (it == item.end()) return nullptr;
  const json* cur = &*it;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const std::string& t = type_of(*cur);
    const json& inner = cur->begin().value();
    if (p[i].index >= 0) {
      if (t != "L" || std::size_t(p[i].index) >= inner.size()) return nullptr;
      cur = &inner[std::size_t(p[i].index)];
    } else {
      if (t != "M") return nullptr;
      auto f = inner.find(p[i].name);
      if (f == inner.end()) return nullptr;
      cur = &*f;
    }
  }
  return cur;
}

bool evaluate(const expr_node& n, const json& item) {
  scratch tmp;
  switch (n.k) {
    case expr_node::kind::and_:
      return evaluate(n.kids[0], item) && evaluate(n.kids[1], item);
    case expr_node::kind::or_:
      return evaluate(n.kids[0], item) || evaluate(n.kids[1], item);
    case expr_node::kind::not_:
      return !evaluate(n.kids[0], item);
    case expr_node::kind::attribute_exists:
      return find_path(item, n.kids[0].path) != nullptr;
    case expr_node::kind::attribute_not_exists:
      return find_path(item, n.kids[0].path) == nullptr;
    case expr_node::kind::attribute_type: {
      const json* v = find_path(item, n.kids[0].path);
      const json* t = operand_value(n.kids[1], item, tmp);
      return v && t && type_of(*t) == "S" && type_of(*v) == (*t)["S"].get<std::string>();
    }
    case expr_node::kind::begins_with: {
      const json* a = operand_value(n.kids[0], item, tmp);
      const json* b = operand_value(n.kids[1], item, tmp);
      if (!a || !b) return false;
      const std::string& t = type_of(*a);
      if ((t != "S" && t != "B") || type_of(*b) != t) return false;
      std::string x = a->begin().value().get<std::string>(), y = b->begin().value().get<std::string>();
      if (t == "B") x = base64_decode(x).value_or(""), y = base64_decode(y).value_or("");
      return x.compare(0, y.size(), y) == 0;
    }
    case expr_node::kind::contains: {
      const json* a = operand_value(n.kids[0], item, tmp);
      const json* b = operand_value(n.kids[1], item, tmp);
      if (!a || !b) return false;
      const std::string& t = type_of(*a);
      if (t == "S" && type_of(*b) == "S")
        return a->begin().value().get_ref<const std::string&>().find(
                   b->begin().value().get_ref<const std::string&>()) != std::string::npos;
      if (t == "B" && type_of(*b) == "B")
        return base64_decode(a->begin().value().get<std::string>())
                   .value_or("")
                   .find(base64_decode(b->begin().value().get<std::string>()).value_or("")) != std::string::npos;
      if (t == "SS" || t == "NS" || t == "BS") return set_contains(*a, t, *b);
      if (t == "L") {
        for (const auto& e : a->begin().value())
          if (equal(e, *b)) return true;
      }
      return false;
    }
    case expr_node::kind::compare: {
      const json* a = operand_value(n.kids[0], item, tmp);
      const json* b = operand_value(n.kids[1], item, tmp);
      // A missing operand is unequal to anything (as DynamoDB: `a <> :v` holds when a is absent).
      if (n.op == "<>") return !(a && b && equal(*a, *b));
      if (!a || !b) return false;
      if (n.op == "=") return equal(*a, *b);
      auto c = compare(*a, *b);
      if (!c) return false;
      if (n.op == "<") return *c < 0;
      if (n.op == "<=") return *c <= 0;
      if (n.op == ">") return *c > 0;
      return *c >= 0;
    }
    case expr_node::kind::between: {
      const json* a = operand_value(n.kids[0], item, tmp);
      const json* lo = operand_value(n.kids[1], item, tmp);
      const json* hi = operand_value(n.kids[2], item, tmp);
      if (!a || !lo || !hi) return false;
      auto c1 = compare(*a, *lo), c2 = compare(*a, *hi);
      return c1 && c2 && *c1 >= 0 && *c2 <= 0;
    }
    case expr_node::kind::in: {
      const json* a = operand_value(n.kids[0], item, tmp);
      if (!a) return false;
      for (std::size_t i = 1; i < n.kids.size(); ++i) {
        const json* b = operand_value(n.kids[i], item, tmp);
        if (b && equal(*a, *b)) return true;
      }
      return false;
    }
    default:
      return false;  // an operand used as a condition never parses
  }
}

namespace {

// The requested paths as a tree: a node is wanted whole, or by some of its keys or elements.
struct path_tree {
  bool whole = false;
  std::map<std::string, path_tree> keys;
  std::map<long, path_tree> elems;
};

std::optional<json> extract(const json& av, const path_tree& t) {
  if (t.whole) return av;
  const std::string& ty = type_of(av);
  const json& inner = av.begin().value();
  if (ty == "M" && !t.keys.empty()) {
    json m = json::object();
    for (const auto& [k, sub] : t.keys)
      if (auto it = inner.find(k); it != inner.end())
        if (auto v = extract(*it, sub)) m[k] = std::move(*v);
    if (m.empty()) return std::nullopt;
    return json{{"M", std::move(m)}};
  }
  if (ty == "L" && !t.elems.empty()) {
    // Chosen elements keep their order and are compacted: l[3] alone gives a one-element list.
    json l = json::array();
    for (const auto& [i, sub] : t.elems)
      if (std::size_t(i) < inner.size())
        if (auto v = extract(inner[std::size_t(i)], sub)) l.push_back(std::move(*v));
    if (l.empty()) return std::nullopt;
    return json{{"L", std::move(l)}};
  }
  return std::nullopt;
}

}  // namespace

json project(const json& item, const std::vector<doc_path>& paths) {
  path_tree root;
  for (const auto& p : paths) {
    path_tree* node = &root;
    for (const auto& step : p) {
      if (node->whole) break;
      node = step.index >= 0 ? &node->elems[step.index] : &node->keys[step.name];
    }
    node->whole = true;
  }
  json out = json::object();
  for (const auto& [name, sub] : root.keys)
    if (auto it = item.find(name); it != item.end())
      if (auto v = extract(*it, sub)) out[name] = std::move(*v);
  return out;
}

namespace {

[[noreturn]] void bad_operand(const std::string& op, const std::string& type) {
  throw aws_error::validation(
      "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: " + op +
      ", operand type: " + type);
}

json update_value(const expr_node& n, const json& item) {
  scratch tmp;
  switch (n.k) {
    case expr_node::kind::path: {
      const json* v = find_path(item, n.path);
      if (!v)
        throw aws_error::validation("The provided expression refers to an attribute that does not exist in the item");
      return *v;
    }
    case expr_node::kind::value:
      return *n.value;
    case expr_node::kind::if_not_exists: {
      const json* v = find_path(item, n.kids[0].path);
      return v ? *v : update_value(n.kids[1], item);
    }
    case expr_node::kind::list_append: {
      json a = update_value(n.kids[0], item), b = update_value(n.kids[1], item);
      if (type_of(a) != "L") bad_operand("list_append", type_of(a));
      if (type_of(b) != "L") bad_operand("list_append", type_of(b));
      for (auto& e : b["L"]) a["L"].push_back(std::move(e));
      return a;
    }
    case expr_node::kind::plus:
    case expr_node::kind::minus: {
      const char* op = n.k == expr_node::kind::plus ? "+" : "-";
      json a = update_value(n.kids[0], item), b = update_value(n.kids[1], item);
      if (type_of(a) != "N") bad_operand(op, type_of(a));
      if (type_of(b) != "N") bad_operand(op, type_of(b));
      number x = number::parse(a["N"].get<std::string>()), y = number::parse(b["N"].get<std::string>());
      return json{{"N", (n.k == expr_node::kind::plus ? x + y : x - y).to_string()}};
    }
    default:
      throw aws_error::validation("Invalid UpdateExpression: unsupported operand");
  }
}

[[noreturn]] void invalid_path() {
  throw aws_error::validation("The document path provided in the update expression is invalid for update");
}

// The container that holds the last step of `p`, creating nothing; null when a parent is
// missing (for REMOVE) — SET/ADD on a missing parent is an error.
json* parent_of(json& item, const doc_path& p) {
  if (p.size() == 1) return &item;
  json* cur = &item[p[0].name];
  if (cur->is_null()) return nullptr;
  for (std::size_t i = 1; i + 1 < p.size(); ++i) {
    const std::string& t = type_of(*cur);
    json& inner = cur->begin().value();
    if (p[i].index >= 0) {
      if (t != "L" || std::size_t(p[i].index) >= inner.size()) return nullptr;
      cur = &inner[std::size_t(p[i].index)];
    } else {
      if (t != "M" || !inner.contains(p[i].name)) return nullptr;
      cur = &inner[p[i].name];
    }
  }
  return cur;
}

void assign(json& item, const doc_path& p, json value) {
  if (p.size() == 1) {
    item[p[0].name] = std::move(value);
    return;
  }
  if (!item.contains(p[0].name)) invalid_path();
  json* parent = parent_of(item, p);
  if (!parent) invalid_path();
  const std::string& t = type_of(*parent);
  json& inner = parent->begin().value();
  const path_step& last = p.back();
  if (last.index >= 0) {
    if (t != "L") invalid_path();
    if (std::size_t(last.index) >= inner.size())
      inner.push_back(std::move(value));
    else
      inner[std::size_t(last.index)] = std::move(value);
  } else {
    if (t != "M") invalid_path();
    inner[last.name] = std::move(value);
  }
}

}  // namespace

json apply_update(const json& item, const std::vector<update_action>& actions) {
  json out = item.is_object() ? item : json::object();
  // Every operand is evaluated against the item as it was before the update.
  std::vector<std::pair<const update_action*, json>> sets;
  for (const auto& a : actions)
    if (a.k == update_action::kind::set) sets.emplace_back(&a, update_value(a.value, item));
  for (auto& [a, v] : sets) assign(out, a->path, std::move(v));

  // REMOVE: list elements go in descending index order so earlier removals do not shift later
  // ones (indexes refer to the item before the update).
  std::vector<const update_action*> removes;
  for (const auto& a : actions)
    if (a.k == update_action::kind::remove) removes.push_back(&a);
  std::stable_sort(removes.begin(), removes.end(), [](const update_action* x, const update_action* y) {
    return x->path.back().index > y->path.back().index;
  });
  for (const auto* a : removes) {
    const doc_path& p = a->path;
    if (p.size() == 1) {
      out.erase(p[0].name);
      continue;
    }
    if (!out.contains(p[0].name)) continue;
    json* parent = parent_of(out, p);
    if (!parent) continue;
    json& inner = parent->begin().value();
    if (p.back().index >= 0) {
      if (type_of(*parent) == "L" && std::size_t(p.back().index) < inner.size())
        inner.erase(std::size_t(p.back().index));
    } else if (type_of(*parent) == "M") {
      inner.erase(p.back().name);
    }
  }

  for (const auto& a : actions) {
    if (a.k != update_action::kind::add && a.k != update_action::kind::del) continue;
    const json& v = *a.value.value;
    const std::string& vt = type_of(v);
    const char* op = a.k == update_action::kind::add ? "ADD" : "DELETE";
    bool is_set = vt == "SS" || vt == "NS" || vt == "BS";
    if (a.k == update_action::kind::add ? !(is_set || vt == "N") : !is_set) bad_operand(op, vt);
    const json* cur = find_path(out, a.path);
    if (!cur) {
      if (a.k == update_action::kind::add) assign(out, a.path, v);
      continue;
    }
    // The operand is of a type ADD/DELETE takes, but not the attribute's (AWS's documented words).
    if (type_of(*cur) != vt)
      throw aws_error::validation(
          "Invalid UpdateExpression: An operand in the update expression has an incorrect data type");
    json next = *cur;
    if (vt == "N") {
      next["N"] =
          (number::parse((*cur)["N"].get<std::string>()) + number::parse(v["N"].get<std::string>())).to_string();
    } else {
      json& elems = next[vt];
      for (const auto& e : v.begin().value()) {
        json probe = json{{vt.substr(0, 1), e}};
        auto it = std::find_if(elems.begin(), elems.end(), [&](const json& x) {
          return equal(json{{vt.substr(0, 1), x}}, probe);
        });
        if (a.k == update_action::kind::add && it == elems.end()) elems.push_back(e);
        if (a.k == update_action::kind::del && it != elems.end()) elems.erase(it);
      }
      if (elems.empty()) {
        // A set may not be empty: deleting its last element removes the attribute.
        if (a.path.size() == 1)
          out.erase(a.path[0].name);
        else if (json* parent = parent_of(out, a.path); parent && type_of(*parent) == "M")
          parent->begin().value().erase(a.path.back().name);
        continue;
      }
    }
    assign(out, a.path, std::move(next));
  }
  return out;
}

}  // namespace emu::dynamo
