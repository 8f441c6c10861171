#include "emulator/scenario/templates.h"

#include <stdexcept>

namespace emu::scenario {

namespace {

// Calls on_text / on_name for the pieces of `text`.
template <class T, class N>
void scan(const std::string& text, T on_text, N on_name) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t d = text.find('$', i);
    if (d == std::string::npos) {
      on_text(text.substr(i));
      return;
    }
    if (text.compare(d, 3, "$${") == 0) {
      on_text(text.substr(i, d - i) + "${");
      i = d + 3;
      continue;
    }
    if (text.compare(d, 2, "${") != 0) {
      on_text(text.substr(i, d - i + 1));
      i = d + 1;
      continue;
    }
    std::size_t close = text.find('}', d + 2);
    if (close == std::string::npos) throw std::invalid_argument("unclosed ${ in \"" + text + "\"");
    on_text(text.substr(i, d - i));
    on_name(text.substr(d + 2, close - d - 2));
    i = close + 1;
  }
}

}  // namespace

bool is_builtin_name(const std::string& n) {
  return n == "stage" || n == "now" || n == "uuid" || n == "api_key" || n.rfind("env:", 0) == 0;
}

std::vector<std::string> template_names(const std::string& text) {
  std::vector<std::string> out;
  scan(
      text, [](const std::string&) {}, [&](const std::string& n) { out.push_back(n); });
  return out;
}

void collect_template_names(const json& v, std::vector<std::string>& out) {
  if (v.is_string()) {
    for (auto& n : template_names(v.get<std::string>())) out.push_back(n);
  } else if (v.is_object()) {
    for (auto& [k, x] : v.items()) {
      for (auto& n : template_names(k)) out.push_back(n);
      collect_template_names(x, out);
    }
  } else if (v.is_array()) {
    for (const auto& x : v) collect_template_names(x, out);
  }
}

json expand(const std::string& text, const lookup_fn& lookup) {
  if (text.find('$') == std::string::npos) return text;
  if (text.size() > 3 && text.rfind("${", 0) == 0 && text.back() == '}' && text.find('}') == text.size() - 1 &&
      text.find("${", 2) == std::string::npos)
    return lookup(text.substr(2, text.size() - 3));
  std::string out;
  scan(
      text, [&](const std::string& t) { out += t; },
      [&](const std::string& n) {
        json v = lookup(n);
        out += v.is_string() ? v.get<std::string>() : v.dump();
      });
  return out;
}

json expand_all(const json& v, const lookup_fn& lookup) {
  if (v.is_string()) return expand(v.get<std::string>(), lookup);
  if (v.is_array()) {
    json out = json::array();
    for (const auto& x : v) out.push_back(expand_all(x, lookup));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();
    for (auto& [k, x] : v.items()) {
      json key = expand(k, lookup);
      out[key.is_string() ? key.get<std::string>() : key.dump()] = expand_all(x, lookup);
    }
    return out;
  }
  return v;
}

}  // namespace emu::scenario
