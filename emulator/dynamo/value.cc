#include "emulator/dynamo/value.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "emulator/core/error.h"
#include "emulator/core/text.h"
#include "emulator/dynamo/number.h"

namespace emu::dynamo {
namespace {

const std::string k_types[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};

[[noreturn]] void invalid(const std::string& msg) {
  throw aws_error::validation("One or more parameter values were invalid: " + msg);
}

void require_string(const json& v, const char* type) {
  if (!v.is_string())
    throw aws_error::serialization(std::string("Unexpected value type in payload: ") + type + " must be a string");
}

std::string set_name(const std::string& t) {
  return t == "SS" ? "string set " : t == "NS" ? "number set " : "binary set ";
}

std::string decoded_blob(const json& v) {
  require_string(v, "B");
  auto b = base64_decode(v.get_ref<const std::string&>());
  if (!b) throw aws_error::serialization("Base64 encoded value of B could not be decoded");
  return *b;
}

}  // namespace

const std::string& type_of(const json& av) {
  static const std::string none;
  if (!av.is_object() || av.size() != 1) return none;
  const std::string& k = av.begin().key();
  for (const auto& t : k_types)
    if (t == k) return t;
  return none;
}

namespace {

// The message of a duplicate set member, in the layer's words. The current layer sorts the
// members in byte order until the first repeat, then lists the repeat and the rest as sent,
// quoted (the binary form with no space after the comma); it names no members of a number set.
[[noreturn]] void duplicates(const std::string& t, const json& v, std::size_t repeat,
                             const std::vector<std::string>& canon, dialect d) {
  const char* of_type = t == "BS" ? "of type BS" : "";  // no space before it, as AWS writes it
  if (d == dialect::older) {
    if (t == "NS") throw aws_error::validation("Input collection contains duplicates");
    std::string listed;
    for (const auto& e : v) listed += (listed.empty() ? "" : ", ") + e.get<std::string>();
    invalid("Input collection [" + listed + "]" + of_type + " contains duplicates.");
  }
  if (t == "NS") invalid("Input collection contains duplicates.");
  std::vector<std::size_t> order(repeat);
  for (std::size_t i = 0; i < repeat; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return canon[a] < canon[b]; });
  // (The first `repeat` members are distinct: the sorted set built until the repeat.)
  for (std::size_t i = repeat; i < v.size(); ++i) order.push_back(i);
  std::string listed;
  for (std::size_t i : order)
    listed += (listed.empty() ? "\"" : t == "BS" ? ",\"" : ", \"") + v[i].get<std::string>() + "\"";
  invalid("Input collection [" + listed + "]" + of_type + " contains duplicates.");
}

void check_value(json& av, int depth, dialect d) {
  if (!av.is_object())
    throw aws_error::serialization("Unexpected value type in payload: an AttributeValue must be an object");
  if (av.empty())
    throw aws_error::validation(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  if (av.size() > 1)
    throw aws_error::validation(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
  if (depth > max_document_depth)
    throw aws_error::validation(
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported "
        "limit");
  const std::string& t = type_of(av);
  if (t.empty()) throw aws_error::serialization("Unknown AttributeValue type: " + av.begin().key());
  json& v = av.begin().value();
  auto reader = d == dialect::older ? number::reader::older : number::reader::current;
  if (t == "S") {
    require_string(v, "S");
  } else if (t == "N") {
    require_string(v, "N");
    v = number::parse(v.get_ref<const std::string&>(), reader).to_string();
  } else if (t == "B") {
    decoded_blob(v);
  } else if (t == "BOOL") {
    if (!v.is_boolean()) throw aws_error::serialization("Unexpected value type in payload: BOOL must be a boolean");
  } else if (t == "NULL") {
    if (!v.is_boolean()) throw aws_error::serialization("Unexpected value type in payload: NULL must be a boolean");
    if (!v.get<bool>()) invalid("Null attribute value types must have the value of true");
  } else if (t == "M") {
    if (!v.is_object()) throw aws_error::serialization("Unexpected value type in payload: M must be an object");
    for (auto& [k, e] : v.items()) check_value(e, depth + 1, d);
  } else if (t == "L") {
    if (!v.is_array()) throw aws_error::serialization("Unexpected value type in payload: L must be a list");
    for (auto& e : v) check_value(e, depth + 1, d);
  } else {  // SS, NS, BS
    if (!v.is_array()) throw aws_error::serialization("Unexpected value type in payload: " + t + " must be a list");
    if (v.empty()) invalid(t == "BS" ? "Binary sets should not be empty" : "An " + set_name(t) + " may not be empty");
    std::vector<std::string> canon;
    std::set<std::string> seen;
    std::size_t repeat = v.size();
    canon.reserve(v.size());
    for (auto& e : v) {
      require_string(e, t.c_str());
      if (t == "NS") {
        e = number::parse(e.get_ref<const std::string&>(), reader).to_string();
        canon.push_back(e.get<std::string>());
      } else if (t == "BS") {
        canon.push_back(decoded_blob(e));
      } else {
        canon.push_back(e.get<std::string>());
      }
      if (!seen.insert(canon.back()).second && repeat == v.size()) repeat = canon.size() - 1;
    }
    if (repeat != v.size()) duplicates(t, v, repeat, canon, d);
  }
}

}  // namespace

void normalise_value(json& av, int depth, dialect d) {
  if (d != dialect::enveloped) return check_value(av, depth, d);
  try {
    check_value(av, depth, d);
  } catch (const aws_error& e) {
    if (e.type() != "ValidationException") throw;
    throw aws_error::validation("1 validation error detected: " + e.message());
  }
}

void normalise_item(json& item, dialect d) {
  if (!item.is_object())
    throw aws_error::serialization("Unexpected value type in payload: an item must be a map of attribute values");
  for (auto& [k, v] : item.items()) {
    // The older layer words a bad name bare; the current one as an invalid parameter value.
    auto refuse_name = [d](const char* older, const char* current) {
      if (d == dialect::older) throw aws_error::validation(older);
      throw aws_error::validation(std::string(d == dialect::enveloped ? "1 validation error detected: " : "") +
                                  "One or more parameter values were invalid: " + current);
    };
    if (k.empty()) refuse_name("Empty attribute name", "An AttributeValue may not contain an empty attribute name");
    if (k.size() > max_attribute_name_bytes)
      refuse_name("Attribute name is too large, must be less than 65536 bytes",
                  "Attribute name is too large, must be less than 65536 bytes");
    normalise_value(v, 1, d);
  }
}

std::size_t value_size(const json& av) {
  const std::string& t = type_of(av);
  const json& v = av.begin().value();
  if (t == "S") return v.get_ref<const std::string&>().size();
  if (t == "N") return number::parse(v.get_ref<const std::string&>()).size_bytes();
  if (t == "B") return base64_decode(v.get_ref<const std::string&>()).value_or("").size();
  if (t == "BOOL" || t == "NULL") return 1;
  std::size_t n = 0;
  if (t == "M") {
    n = 3;
    for (const auto& [k, e] : v.items()) n += 1 + k.size() + value_size(e);
  } else if (t == "L") {
    n = 3;
    for (const auto& e : v) n += 1 + value_size(e);
  } else if (t == "SS") {
    for (const auto& e : v) n += e.get_ref<const std::string&>().size();
  } else if (t == "NS") {
    for (const auto& e : v) n += number::parse(e.get_ref<const std::string&>()).size_bytes();
  } else if (t == "BS") {
    for (const auto& e : v) n += base64_decode(e.get_ref<const std::string&>()).value_or("").size();
  }
  return n;
}

std::size_t item_size(const json& item) {
  std::size_t n = 0;
  for (const auto& [k, v] : item.items()) n += k.size() + value_size(v);
  return n;
}

bool equal(const json& a, const json& b) {
  const std::string& ta = type_of(a);
  if (ta.empty() || ta != type_of(b)) return false;
  const json& va = a.begin().value();
  const json& vb = b.begin().value();
  if (ta == "N")
    return number::parse(va.get_ref<const std::string&>()) == number::parse(vb.get_ref<const std::string&>());
  if (ta == "M") {
    if (va.size() != vb.size()) return false;
    for (const auto& [k, e] : va.items()) {
      auto it = vb.find(k);
      if (it == vb.end() || !equal(e, *it)) return false;
    }
    return true;
  }
  if (ta == "L") {
    if (va.size() != vb.size()) return false;
    for (std::size_t i = 0; i < va.size(); ++i)
      if (!equal(va[i], vb[i])) return false;
    return true;
  }
  if (ta == "SS" || ta == "NS" || ta == "BS") {
    if (va.size() != vb.size()) return false;
    for (const auto& e : va) {
      bool found = false;
      for (const auto& f : vb) {
        found = ta == "NS"
                    ? number::parse(e.get_ref<const std::string&>()) == number::parse(f.get_ref<const std::string&>())
                    : e == f;
        if (found) break;
      }
      if (!found) return false;
    }
    return true;
  }
  return va == vb;
}

std::optional<int> compare(const json& a, const json& b) {
  const std::string& ta = type_of(a);
  if (ta != type_of(b)) return std::nullopt;
  const json& va = a.begin().value();
  const json& vb = b.begin().value();
  if (ta == "N") {
    auto c = number::parse(va.get_ref<const std::string&>()) <=> number::parse(vb.get_ref<const std::string&>());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (ta == "S" || ta == "B") {
    std::string x = ta == "S" ? va.get<std::string>() : *base64_decode(va.get_ref<const std::string&>());
    std::string y = ta == "S" ? vb.get<std::string>() : *base64_decode(vb.get_ref<const std::string&>());
    int c = x.compare(y);  // std::string compares as unsigned char: UTF-8 byte order
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return std::nullopt;
}

std::string key_bytes(const json& av) {
  const std::string& t = type_of(av);
  const std::string& v = av.begin().value().get_ref<const std::string&>();
  if (t == "S") return v;
  if (t == "N") return number::parse(v).key_bytes();
  return base64_decode(v).value_or("");
}

json to_plain(const json& av) {
  const std::string& t = type_of(av);
  const json& v = av.begin().value();
  if (t == "N") {
    const std::string& s = v.get_ref<const std::string&>();
    // Integers that fit exactly come back as JSON numbers, anything else as its decimal text.
    if (s.find_first_of(".eE") == std::string::npos && s.size() < 16) return std::stoll(s);
    if (s.size() < 16) return std::stod(s);
    return s;
  }
  if (t == "NULL") return nullptr;
  if (t == "M") return item_to_plain(v);
  if (t == "L" || t == "SS" || t == "NS" || t == "BS") {
    json out = json::array();
    for (const auto& e : v) out.push_back(t == "L" ? to_plain(e) : t == "NS" ? to_plain(json{{"N", e}}) : e);
    return out;
  }
  return v;  // S, B (base64 text), BOOL
}

json item_to_plain(const json& item) {
  json out = json::object();
  for (const auto& [k, v] : item.items()) out[k] = to_plain(v);
  return out;
}

std::string item_to_plain_text(const json& item) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : item.items()) {
    if (!std::exchange(first, false)) out += ',';
    append_json_string(out, k);
    out += ':';
    const json* s = v.is_object() && v.size() == 1 && v.begin().key() == "S" ? &v.begin().value() : nullptr;
    if (s && s->is_string())
      append_json_string(out, s->get_ref<const std::string&>());
    else
      out += dump_lossy(to_plain(v));
  }
  out += '}';
  return out;
}

json from_plain(const json& v) {
  if (v.is_string()) return {{"S", v}};
  if (v.is_boolean()) return {{"BOOL", v}};
  if (v.is_null()) return {{"NULL", true}};
  if (v.is_number()) return {{"N", number::parse(v.dump()).to_string()}};
  if (v.is_array()) {
    json l = json::array();
    for (const auto& e : v) l.push_back(from_plain(e));
    return {{"L", l}};
  }
  return {{"M", item_from_plain(v)}};
}

json item_from_plain(const json& v) {
  json out = json::object();
  for (const auto& [k, e] : v.items()) out[k] = from_plain(e);
  return out;
}

}  // namespace emu::dynamo
