// Compiling and matching EventBridge event patterns. Messages are aws/event-ruler's texts as
// EventBridge returns them (the AWS-validated cases in tests/data/eventbridge check them).
#include "emulator/bus/pattern_impl.h"
#include "emulator/core/text.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace emu::bus {

// ---------------------------------------------------------------------------------------------
// Case folding and small helpers

namespace {

std::uint32_t fold(std::uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)) return cp + 32;   // Latin-1
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 32;  // Greek
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;                 // Cyrillic
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

}  // namespace

std::string fold_case(std::string_view s) {
  auto cont = [&](std::size_t k) { return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80; };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    std::uint32_t cp = 0;
    int len = 1;
    if ((c >> 5) == 6 && cont(i + 1))
      cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F), len = 2;
    else if ((c >> 4) == 14 && cont(i + 1) && cont(i + 2))
      cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), len = 3;
    if (c < 0x80) {
      out += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
    } else if (len == 1 || cp < (len == 2 ? 0x80u : 0x800u)) {  // 4-byte, overlong or not UTF-8: kept
      out.append(s.data() + i, std::size_t(len));
    } else {
      append_utf8(out, fold(cp));  // fold keeps 2-byte characters 2 bytes long
    }
    i += std::size_t(len);
  }
  return out;
}

namespace {

enum class part { whole, head, tail };

// Whether `s`, case-folded, equals / starts with / ends with `folded`. Folding keeps every
// character's length and ASCII bytes are never inside another character, so an ASCII window is
// compared in place without folding (or allocating); other text is folded whole.
bool ic_match(std::string_view s, std::string_view folded, part where) {
  if (s.size() < folded.size() || (where == part::whole && s.size() != folded.size())) return false;
  std::size_t off = where == part::tail ? s.size() - folded.size() : 0;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    unsigned char c = s[off + i];
    if (c >= 0x80) {
      std::string f = fold_case(s);
      return where == part::whole ? f == folded : where == part::head ? f.starts_with(folded) : f.ends_with(folded);
    }
    if (char(c >= 'A' && c <= 'Z' ? c + 32 : c) != folded[i]) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Matchers

namespace {

std::optional<ip_addr> parse_ipv4(std::string_view s) {
  ip_addr a;
  a.v4 = true;
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || !std::isdigit((unsigned char)s[i])) return std::nullopt;
    int v = 0, digits = 0;
    while (i < s.size() && std::isdigit((unsigned char)s[i])) {
      v = v * 10 + (s[i] - '0');
      if (++digits > 3 || v > 255) return std::nullopt;
      ++i;
    }
    a.b[12 + part] = std::uint8_t(v);
    ++part;
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return a;
}

std::optional<ip_addr> parse_ipv6(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::vector<int> head, tail;
  bool gap = false;
  std::size_t i = 0;
  if (s.compare(0, 2, "::") == 0) gap = true, i = 2;
  while (i < s.size()) {
    int v = 0, digits = 0;
    while (i < s.size() && std::isxdigit((unsigned char)s[i])) {
      v = v * 16 + (std::isdigit((unsigned char)s[i]) ? s[i] - '0' : (std::tolower(s[i]) - 'a' + 10));
      if (++digits > 4) return std::nullopt;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    (gap ? tail : head).push_back(v);
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap) return std::nullopt;
      gap = true;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;
    }
  }
  std::size_t groups = head.size() + tail.size();
  if (groups > 8 || (!gap && groups != 8) || (gap && groups == 8)) return std::nullopt;
  ip_addr a;
  std::vector<int> all = head;
  all.resize(8 - tail.size(), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  for (int g = 0; g < 8; ++g) a.b[g * 2] = std::uint8_t(all[g] >> 8), a.b[g * 2 + 1] = std::uint8_t(all[g] & 0xFF);
  return a;
}

std::optional<ip_addr> parse_ip(std::string_view s) {
  if (s.find(':') != std::string::npos) return parse_ipv6(s);
  return parse_ipv4(s);
}

bool in_block(const ip_addr& ip, const ip_addr& net, int bits) {
  if (ip.v4 != net.v4) return false;
  int start = ip.v4 ? 12 * 8 : 0, total = ip.v4 ? 32 : 128;
  for (int k = 0; k < bits && k < total; ++k) {
    int bit = start + k;
    if (((ip.b[bit / 8] >> (7 - bit % 8)) & 1) != ((net.b[bit / 8] >> (7 - bit % 8)) & 1)) return false;
  }
  return true;
}

// `*` is any run of characters; `\*` and `\\` are literal.
bool wildcard_match(const std::vector<std::string>& parts, std::string_view s) {
  // parts: literal segments between stars; a pattern with no star has one part.
  if (parts.size() == 1) return s == parts[0];
  const std::string& first = parts.front();
  const std::string& last = parts.back();
  if (s.size() < first.size() + last.size()) return false;
  if (s.compare(0, first.size(), first) != 0) return false;
  if (s.compare(s.size() - last.size(), last.size(), last) != 0) return false;
  std::size_t pos = first.size(), end = s.size() - last.size();
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    auto at = s.find(parts[i], pos);
    if (at == std::string::npos || at + parts[i].size() > end) return false;
    pos = at + parts[i].size();
  }
  return true;
}

}  // namespace

bool matcher::test(const scalar& v) const {
  switch (kind) {
    case op::exact:
      if (v.t != exact_type) return false;
      switch (exact_type) {
        case scalar::type::null:
          return true;
        case scalar::type::boolean:
          return v.b == boolean;
        case scalar::type::number:
          return v.compare(number) == 0;
        case scalar::type::string:
          return v.s == text;
      }
      return false;
    case op::prefix:
      return v.is_string() && v.s.starts_with(text);
    case op::suffix:
      return v.is_string() && v.s.ends_with(text);
    case op::equals_ic:
      return v.is_string() && ic_match(v.s, text, part::whole);
    case op::prefix_ic:
      return v.is_string() && ic_match(v.s, text, part::head);
    case op::suffix_ic:
      return v.is_string() && ic_match(v.s, text, part::tail);
    case op::anything_but:
      for (const auto& m : inner)
        if (m.test(v)) return false;
      return true;
    case op::numeric: {
      if (!v.is_number()) return false;
      if (eq) return v.compare(*eq) == 0;
      if (lo && v.compare(*lo) < (lo_incl ? 0 : 1)) return false;  // below, or on an exclusive bound
      if (hi && v.compare(*hi) > (hi_incl ? 0 : -1)) return false;
      return true;
    }
    case op::exists:
      return exists;  // a present leaf; absence is handled by the field
    case op::cidr: {
      if (!v.is_string()) return false;
      auto ip = parse_ip(v.s);
      return ip && in_block(*ip, net, bits);
    }
    case op::wildcard:
      return v.is_string() && wildcard_match(wild, v.s);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Compiling

namespace {

[[noreturn]] void fail(const std::string& reason) { throw pattern_error(reason); }

constexpr std::size_t max_or_combinations = 1000;
constexpr int max_wildcards = 5;  // event-ruler rejects `*:*:*:*:*:event-bus/*` as too complex

std::vector<std::string> parse_wildcard(const std::string& s) {
  std::vector<std::string> parts(1);
  int stars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      if (i + 1 < s.size() && (s[i + 1] == '*' || s[i + 1] == '\\')) {
        parts.back() += s[++i];
        continue;
      }
      fail("Invalid escape character at pos " + std::to_string(i));
    }
    if (c == '*') {
      if (i > 0 && s[i - 1] == '*') fail("Consecutive wildcard characters at pos " + std::to_string(i));
      ++stars;
      parts.emplace_back();
      continue;
    }
    parts.back() += c;
  }
  if (stars > max_wildcards)
    fail(
        "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a "
        "wildcard character");
  return parts;
}

matcher string_op(op kind, const std::string& text) {
  matcher m;
  m.kind = kind;
  m.text = (kind == op::equals_ic || kind == op::prefix_ic || kind == op::suffix_ic) ? fold_case(text) : text;
  return m;
}

matcher compile_prefix_suffix(const json& v, bool prefix) {
  const char* name = prefix ? "prefix" : "suffix";
  if (v.is_string()) return string_op(prefix ? op::prefix : op::suffix, v.get<std::string>());
  if (v.is_object() && v.size() == 1 && v.contains("equals-ignore-case")) {
    const json& s = v["equals-ignore-case"];
    if (!s.is_string()) fail(std::string(name) + " match pattern must be a string");
    return string_op(prefix ? op::prefix_ic : op::suffix_ic, s.get<std::string>());
  }
  fail(std::string(name) + " match pattern must be a string");
}

matcher compile_numeric(const json& v) {
  if (!v.is_array()) fail("Value of numeric must be an array.");
  if (v.empty()) fail("Empty arrays are not allowed");
  matcher m;
  m.kind = op::numeric;
  std::size_t i = 0;
  auto operand = [&](const std::string& o) -> double {
    if (i >= v.size() || !v[i].is_number()) fail("Value of " + o + " must be numeric");
    double d = v[i++].get<double>();
    if (!std::isfinite(d)) fail("Value of " + o + " must be numeric");
    return d;
  };
  bool have_lower = false, have_upper = false;
  while (i < v.size()) {
    if (!v[i].is_string()) fail("Value of numeric must be an array.");
    std::string o = v[i++].get<std::string>();
    if (o == "=") {
      if (have_lower || have_upper || m.eq) fail("Bad numeric range operator: =");
      m.eq = operand(o);
    } else if (o == ">" || o == ">=") {
      if (have_lower || have_upper || m.eq) fail("Bad numeric range operator: " + o);
      m.lo = operand(o), m.lo_incl = o == ">=", have_lower = true;
    } else if (o == "<" || o == "<=") {
      if (have_upper || m.eq) fail("Bad numeric range operator: " + o);
      m.hi = operand(o), m.hi_incl = o == "<=", have_upper = true;
    } else {
      fail("Unrecognized numeric range operator: " + o);
    }
  }
  if (m.eq && v.size() > 2) fail("Too many elements in numeric expression");
  if (m.lo && m.hi && !(*m.lo < *m.hi)) fail("Bottom must be less than top");
  return m;
}

matcher compile_cidr(const json& v) {
  if (!v.is_string()) fail("prefix match pattern must be a string");  // sic: AWS's text
  const std::string& s = v.get_ref<const std::string&>();
  auto slash = s.find('/');
  if (slash == std::string::npos || s.find('/', slash + 1) != std::string::npos)
    fail("Malformed CIDR, one '/' required");
  std::string ip = s.substr(0, slash), mask = s.substr(slash + 1);
  if (mask.empty() || mask.size() > 3 ||
      !std::all_of(mask.begin(), mask.end(), [](char c) { return std::isdigit((unsigned char)c); }))
    fail("Malformed CIDR, mask bits must be an integer");
  auto net = parse_ip(ip);
  if (!net) fail("Nonstandard IP address: " + ip);
  int bits = std::stoi(mask);
  if (bits > (net->v4 ? 32 : 128)) fail("Malformed CIDR, mask bits must be an integer");
  matcher m;
  m.kind = op::cidr;
  m.net = *net;
  m.bits = bits;
  return m;
}

// An exact value (string, number, boolean or null).
matcher exact(const json& x) {
  matcher e;
  e.kind = op::exact;
  if (x.is_string())
    e.exact_type = scalar::type::string, e.text = x.get<std::string>();
  else if (x.is_number())
    e.exact_type = scalar::type::number, e.number = x.get<double>();
  else if (x.is_boolean())
    e.exact_type = scalar::type::boolean, e.boolean = x.get<bool>();
  return e;
}

matcher compile_anything_but(const json& v) {
  matcher m;
  m.kind = op::anything_but;
  if (v.is_string() || v.is_number()) {
    m.inner.push_back(exact(v));
  } else if (v.is_array()) {
    if (v.empty()) fail("Empty arrays are not allowed");
    bool strings = v[0].is_string();
    for (const auto& x : v) {
      if (!(x.is_string() || x.is_number()) || x.is_string() != strings)
        fail("Inside anything but list, start|null|boolean is not supported.");
      m.inner.push_back(exact(x));
    }
  } else if (v.is_object() && v.size() == 1) {
    const std::string key = v.begin().key();
    const json& arg = v.begin().value();
    auto each = [&](auto&& one) {
      if (arg.is_array()) {
        if (arg.empty()) fail("Empty arrays are not allowed");
        for (const auto& x : arg) one(x);
      } else {
        one(arg);
      }
    };
    if (key == "prefix" || key == "suffix") {
      if (arg.is_object()) fail("Value of anything-but must be an array or single string/number value.");
      each([&](const json& x) {
        if (!x.is_string()) fail("prefix/suffix match pattern must be a string");
        if (x.get_ref<const std::string&>().empty()) fail("Null prefix/suffix not allowed");
        m.inner.push_back(string_op(key == "prefix" ? op::prefix : op::suffix, x.get<std::string>()));
      });
    } else if (key == "equals-ignore-case") {
      each([&](const json& x) {
        if (!x.is_string())
          fail("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.");
        m.inner.push_back(string_op(op::equals_ic, x.get<std::string>()));
      });
    } else if (key == "wildcard") {
      each([&](const json& x) {
        if (!x.is_string()) fail("wildcard match pattern must be a string");
        matcher w;
        w.kind = op::wildcard;
        w.wild = parse_wildcard(x.get<std::string>());
        m.inner.push_back(std::move(w));
      });
    } else {
      fail("Unsupported anything-but pattern: " + key);
    }
  } else {
    fail("Value of anything-but must be an array or single string/number value.");
  }
  return m;
}

matcher compile_operator(const json& obj) {
  if (obj.empty()) fail("Empty objects are not allowed");
  if (obj.size() > 1) fail("Only one key allowed in match expression");
  const std::string key = obj.begin().key();
  const json& v = obj.begin().value();
  if (key == "prefix") return compile_prefix_suffix(v, true);
  if (key == "suffix") return compile_prefix_suffix(v, false);
  if (key == "equals-ignore-case") {
    if (!v.is_string()) fail("equals-ignore-case match pattern must be a string");
    return string_op(op::equals_ic, v.get<std::string>());
  }
  if (key == "anything-but") return compile_anything_but(v);
  if (key == "numeric") return compile_numeric(v);
  if (key == "exists") {
    if (!v.is_boolean()) fail("exists match pattern must be either true or false.");
    matcher m;
    m.kind = op::exists;
    m.exists = v.get<bool>();
    return m;
  }
  if (key == "cidr") return compile_cidr(v);
  if (key == "wildcard") {
    if (!v.is_string()) fail("wildcard match pattern must be a string");
    matcher m;
    m.kind = op::wildcard;
    m.wild = parse_wildcard(v.get<std::string>());
    return m;
  }
  fail("Unrecognized match type " + key);
}

pattern::field compile_leaf(const std::string& path, const json& arr) {
  if (arr.empty()) fail("Empty arrays are not allowed");
  pattern::field f;
  f.path = path;
  for (const auto& el : arr) {
    if (el.is_object()) {
      matcher m = compile_operator(el);
      if (m.kind == op::exists && !m.exists)
        f.matches_absent = true;
      else
        f.any.push_back(std::move(m));
    } else if (el.is_array()) {
      fail("Match value must be String, number, true, false, or null");
    } else {
      f.any.push_back(exact(el));
    }
  }
  return f;
}

using conj_list = std::vector<pattern::conjunction>;

// Cartesian product of two alternative lists (AND of two ORs).
conj_list product(const conj_list& a, const conj_list& b) {
  if (a.size() * b.size() > max_or_combinations)
    fail("Rule is too complex - $or expands to more than " + std::to_string(max_or_combinations) + " combinations");
  conj_list out;
  for (const auto& x : a)
    for (const auto& y : b) {
      pattern::conjunction c = x;
      c.fields.insert(c.fields.end(), y.fields.begin(), y.fields.end());
      out.push_back(std::move(c));
    }
  return out;
}

bool is_or(const std::string& key, const json& v) {
  if (key != "$or" || !v.is_array() || v.size() < 2) return false;
  return std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_object(); });
}

conj_list compile_object(const json& obj, const std::string& prefix, int depth) {
  if (depth > 64) fail("Pattern is nested too deeply");
  conj_list alts(1);
  for (const auto& [key, v] : obj.items()) {
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (is_or(key, v)) {
      conj_list ors;
      for (const auto& sub : v) {
        if (sub.empty()) fail("Empty objects are not allowed");
        auto part = compile_object(sub, prefix, depth + 1);
        ors.insert(ors.end(), part.begin(), part.end());
        if (ors.size() > max_or_combinations)
          fail("Rule is too complex - $or expands to more than " + std::to_string(max_or_combinations) +
               " combinations");
      }
      alts = product(alts, ors);
    } else if (v.is_object()) {
      if (v.empty()) continue;  // an empty nested object constrains nothing
      alts = product(alts, compile_object(v, path, depth + 1));
    } else if (v.is_array()) {
      pattern::conjunction c;
      c.fields.push_back(compile_leaf(path, v));
      alts = product(alts, conj_list{c});
    } else {
      fail("\"" + key + "\" must be an object or an array");
    }
  }
  for (auto& c : alts)
    std::stable_sort(c.fields.begin(), c.fields.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return alts;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Matching

namespace {

// Choosing one matching leaf per field so that the chosen leaves are array-consistent (no two
// in different elements of one array), without backtracking. A leaf's positions run from the
// outermost array in; given the elements chosen for the first `level` arrays (which all
// `fields`' candidates share), the path of a field reaches either a value (a leaf with exactly
// `level` positions: the field holds whatever the deeper arrays choose) or exactly one array.
// Fields reaching different arrays share nothing deeper and are solved apart; fields reaching
// the same array need one element of it that holds all of them, found by trying each element
// once. Every leaf is looked at once per level, so the cost is polynomial in the event's size
// (a search over combinations, as before, took seconds for nine fields over ten elements).
using candidates = std::vector<const flat_event::leaf*>;

bool assign(const flat_event& ev, const std::vector<candidates>& fields, std::uint32_t level) {
  // Fields still open, grouped by the array their path reaches at this level.
  std::vector<std::pair<std::uint32_t, const candidates*>> open;
  for (const auto& c : fields) {
    bool holds = false;
    for (const auto* l : c) holds = holds || l->count == level;
    if (holds) continue;
    open.emplace_back(ev.positions[c.front()->first + level].first, &c);
  }
  std::stable_sort(open.begin(), open.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t g = 0; g < open.size();) {
    std::size_t end = g;
    while (end < open.size() && open[end].first == open[g].first) ++end;
    // The elements of this array that hold a candidate of the group's first field.
    std::vector<std::uint32_t> elements;
    for (const auto* l : *open[g].second) elements.push_back(ev.positions[l->first + level].second);
    std::sort(elements.begin(), elements.end());
    elements.erase(std::unique(elements.begin(), elements.end()), elements.end());
    bool found = false;
    for (std::uint32_t e : elements) {
      std::vector<candidates> inside;
      bool all = true;
      for (std::size_t k = g; k < end && all; ++k) {
        candidates here;
        for (const auto* l : *open[k].second)
          if (ev.positions[l->first + level] == flat_event::position{open[g].first, e}) here.push_back(l);
        all = !here.empty();
        inside.push_back(std::move(here));
      }
      if (all && assign(ev, inside, level + 1)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
    g = end;
  }
  return true;
}

bool field_matches(const pattern::field& f, const flat_event::leaf& leaf) {
  for (const auto& m : f.any)
    if (m.test(leaf.value)) return true;
  return false;
}

}  // namespace

field_result probe_field(const pattern::field& f, const flat_event& ev, std::span<const std::uint32_t> at) {
  if (at.empty()) return field_result::absent;
  auto result = field_result::miss;
  for (auto i : at)
    if (field_matches(f, ev.leaves[i])) {
      if (ev.leaves[i].count == 0) return field_result::free;
      result = field_result::in_arrays_only;
    }
  return result;
}

bool match_conjunction(const pattern::conjunction& c, const flat_event& ev, const std::uint32_t* ids) {
  auto leaves_of = [&](std::size_t k) { return ids ? ev.at(ids[k]) : ev.at(c.fields[k].path); };
  // First pass, without allocating: every field needs a matching leaf (or, for exists:false,
  // no leaf). Most rules fail here. Only when two or more fields matched only leaves inside
  // arrays can array consistency rule a match out, and only then are the candidates collected.
  int in_arrays_only = 0;
  for (std::size_t k = 0; k < c.fields.size(); ++k) {
    switch (probe_field(c.fields[k], ev, leaves_of(k))) {
      case field_result::absent:
        if (c.fields[k].matches_absent) continue;  // exists:false holds; constrains no array element
        return false;
      case field_result::miss:
        return false;
      case field_result::in_arrays_only:
        ++in_arrays_only;
        break;
      case field_result::free:
        break;
    }
  }
  if (in_arrays_only < 2) return true;
  std::vector<candidates> options;
  for (std::size_t k = 0; k < c.fields.size(); ++k) {
    auto at = leaves_of(k);
    if (at.empty()) continue;
    candidates hits;
    for (auto i : at)
      if (field_matches(c.fields[k], ev.leaves[i])) hits.push_back(&ev.leaves[i]);
    options.push_back(std::move(hits));
  }
  return assign(ev, options, 0);
}

pattern pattern::compile(const json& source) {
  if (!source.is_object()) fail("Filter is not an object");
  pattern p;
  p.source_ = source;
  p.alts_ = std::make_shared<const std::vector<conjunction>>(compile_object(source, "", 0));
  return p;
}

pattern pattern::parse(const std::string& text) {
  json j;
  if (json_nests_deeper(text, max_client_json_depth))
    fail("the pattern nests deeper than " + std::to_string(max_client_json_depth) + " levels");
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    auto colon = what.find("syntax error");
    fail(colon == std::string::npos ? what : what.substr(colon));
  } catch (const json::exception& e) {  // a number out of range: "number overflow parsing '1e999'"
    std::string what = e.what();
    auto at = what.find("] ");
    fail(at == std::string::npos ? what : what.substr(at + 2));
  }
  return compile(j);
}

bool pattern::matches(const flat_event& event) const {
  for (const auto& c : *alts_)
    if (match_conjunction(c, event)) return true;
  return false;
}

}  // namespace emu::bus
