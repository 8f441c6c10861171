#include "emulator/core/jsonpath.h"

#include <charconv>
#include <variant>
#include <vector>

namespace emu {
namespace {

struct wildcard {};
struct length_fn {};
using segment = std::variant<std::string, long long, wildcard, length_fn>;

// Returns the segments, or an error message.
std::variant<std::vector<segment>, std::string> parse(const std::string& p) {
  std::vector<segment> out;
  if (p.empty() || p[0] != '$') return std::string("a JSONPath starts with $");
  std::size_t i = 1;
  while (i < p.size()) {
    if (p[i] == '.') {
      std::size_t j = i + 1;
      while (j < p.size() && p[j] != '.' && p[j] != '[') ++j;
      std::string name = p.substr(i + 1, j - i - 1);
      if (name.empty()) return "empty name at position " + std::to_string(i);
      if (name == "length()") {
        if (j != p.size()) return std::string(".length() must come last");
        out.emplace_back(length_fn{});
      } else if (name == "*") {
        out.emplace_back(wildcard{});
      } else {
        out.emplace_back(name);
      }
      i = j;
    } else if (p[i] == '[') {
      std::size_t close = p.find(']', i);
      if (close == std::string::npos) return "unclosed [ at position " + std::to_string(i);
      std::string inner = p.substr(i + 1, close - i - 1);
      if (inner == "*") {
        out.emplace_back(wildcard{});
      } else if (inner.size() >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner.back() == inner[0]) {
        out.emplace_back(inner.substr(1, inner.size() - 2));
      } else {
        long long n = 0;
        auto [ptr, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), n);
        if (ec != std::errc() || ptr != inner.data() + inner.size())
          return "'[" + inner + "]' is not an index, '*' or a quoted name";
        out.emplace_back(n);
      }
      i = close + 1;
    } else {
      return "unexpected '" + std::string(1, p[i]) + "' at position " + std::to_string(i);
    }
  }
  return out;
}

void eval(const json& node, const std::vector<segment>& segs, std::size_t i, std::vector<json>& out, bool& multi) {
  if (i == segs.size()) {
    out.push_back(node);
    return;
  }
  const segment& s = segs[i];
  if (auto* name = std::get_if<std::string>(&s)) {
    if (node.is_object()) {
      auto it = node.find(*name);
      if (it != node.end()) eval(*it, segs, i + 1, out, multi);
    }
  } else if (auto* idx = std::get_if<long long>(&s)) {
    if (node.is_array()) {
      long long n = *idx < 0 ? (long long)node.size() + *idx : *idx;
      if (n >= 0 && n < (long long)node.size()) eval(node[std::size_t(n)], segs, i + 1, out, multi);
    }
  } else if (std::holds_alternative<wildcard>(s)) {
    multi = true;
    if (node.is_array() || node.is_object())
      for (const auto& child : node) eval(child, segs, i + 1, out, multi);
  } else {
    if (node.is_array() || node.is_object())
      out.push_back(node.size());
    else if (node.is_string())
      out.push_back(node.get_ref<const std::string&>().size());
  }
}

}  // namespace

std::optional<std::string> check_jsonpath(const std::string& path) {
  auto r = parse(path);
  if (auto* err = std::get_if<std::string>(&r)) return "invalid JSONPath '" + path + "': " + *err;
  return std::nullopt;
}

std::optional<json> eval_jsonpath(const json& root, const std::string& path) {
  auto r = parse(path);
  auto* segs = std::get_if<std::vector<segment>>(&r);
  if (!segs) return std::nullopt;
  std::vector<json> out;
  bool multi = false;
  eval(root, *segs, 0, out, multi);
  if (multi) {
    if (!segs->empty() && std::holds_alternative<length_fn>(segs->back())) {
      // `$.items[*].length()` is unusual; `$.items.length()` is the common form.
      return json(out);
    }
    return json(out);
  }
  if (out.empty()) return std::nullopt;
  return out.front();
}

}  // namespace emu
