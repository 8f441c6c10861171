#include "emulator/core/yaml_json.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/core/text.h"

namespace emu {

namespace {
// Appends rather than chaining operator+: GCC 12 at -O3 warns falsely (-Wrestrict) on
// `"literal" + std::string&&` chains.
std::string located(const std::string& file, int line, int column, const std::string& path,
                    const std::string& message) {
  std::string s = file;
  if (line > 0) s.append(":").append(std::to_string(line));
  if (column > 0) s.append(":").append(std::to_string(column));
  s.append(": ");
  if (!path.empty()) s.append(path).append(": ");
  s.append(message);
  return s;
}
}  // namespace

load_error::load_error(const std::string& file, const YAML::Mark& mark, const std::string& path,
                       const std::string& message)
    : std::runtime_error(located(file, mark.line + 1, mark.column + 1, path, message)), line_(mark.line + 1) {}

load_error::load_error(const std::string& file, int line, const std::string& message)
    : std::runtime_error(located(file, line, 0, "", message)), line_(line) {}

load_error load_error::several(const std::vector<load_error>& all) {
  std::string text;
  for (const auto& e : all) text += (text.empty() ? "" : "\n") + std::string(e.what());
  return load_error(located_text{text}, all.empty() ? 0 : all.front().line());
}

namespace {
// yaml-cpp 0.7 recurses per nesting level while parsing, so deep input must be refused before
// it reaches the parser. Counting brackets and indentation is a cheap upper bound.
void check_depth(const std::string& text, const std::string& file) {
  int flow = 0, line = 1;
  bool in_single = false, in_double = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      size_t indent = 0;
      while (i + 1 + indent < text.size() && text[i + 1 + indent] == ' ') ++indent;
      if (indent / 2 > size_t(max_yaml_depth) * 2)
        throw load_error(file, line, "nesting deeper than " + std::to_string(max_yaml_depth) + " levels");
      continue;
    }
    if (in_double) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_double = false;
      continue;
    }
    if (in_single) {
      if (c == '\'') in_single = false;
      continue;
    }
    if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n')) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"') {
      in_double = true;
    } else if (c == '\'' && (i == 0 || std::string_view(" [{,:-\n").find(text[i - 1]) != std::string_view::npos)) {
      in_single = true;
    } else if (c == '[' || c == '{') {
      if (++flow > max_yaml_depth)
        throw load_error(file, line, "nesting deeper than " + std::to_string(max_yaml_depth) + " levels");
    } else if ((c == ']' || c == '}') && flow > 0) {
      --flow;
    }
  }
}

// Walks the document as its users will, aliases expanded, counting nodes and depth.
void check_expansion(const YAML::Node& n, const std::string& file, int depth, std::size_t& nodes) {
  if (depth > max_yaml_depth)
    throw load_error(file, n.Mark(), "",
                     "nesting deeper than " + std::to_string(max_yaml_depth) +
                         " levels once aliases are followed (does an alias refer to a node that holds it?)");
  if (++nodes > max_yaml_nodes)
    throw load_error(file, n.Mark(), "",
                     "more than " + std::to_string(max_yaml_nodes) + " values once aliases are expanded");
  if (n.IsSequence()) {
    for (const auto& c : n) check_expansion(c, file, depth + 1, nodes);
  } else if (n.IsMap()) {
    for (const auto& kv : n) {
      check_expansion(kv.first, file, depth + 1, nodes);
      check_expansion(kv.second, file, depth + 1, nodes);
    }
  }
}

// yaml-cpp 0.7 writes the escapes \N (U+0085) and \_ (U+00A0) as the single bytes 0x85 and 0xA0
// rather than as UTF-8, so a valid file yields scalars that are not UTF-8 (and that JSON
// writers refuse). The file was checked to be UTF-8 and every other escape is encoded, so a
// byte that starts no well-formed sequence is one of those two: it is written as its code point.
std::string encode_stray_bytes(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence_at(s, i);
    if (n == 0) {
      append_utf8(out, static_cast<unsigned char>(s[i]));
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

void encode_escapes(YAML::Node n) {
  if (n.IsScalar()) {
    if (!valid_utf8(n.Scalar())) n = encode_stray_bytes(n.Scalar());
  } else if (n.IsSequence()) {
    for (auto c : n) encode_escapes(c);
  } else if (n.IsMap()) {
    for (auto kv : n) {
      encode_escapes(kv.first);
      encode_escapes(kv.second);
    }
  }
}

}  // namespace

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  if (text.size() > max_yaml_bytes)
    throw load_error(file, 0, "file is larger than " + std::to_string(max_yaml_bytes) + " bytes");
  check_depth(text, file);
  // YAML files are UTF-8 here: bytes that are not would reach names, bodies and reports that
  // must be JSON (and yaml-cpp passes them through). Refused with the first such line.
  if (!valid_utf8(text)) {
    int line = 1;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1, ++line)
      if (!valid_utf8(std::string_view(text).substr(start, end - start))) break;
    throw load_error(file, line, "the file is not UTF-8 text (this line holds bytes that are not)");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw load_error(file, e.mark, "", e.msg);
  }
  // Only a document with aliases can expand beyond what the text holds.
  if (text.find('*') != std::string::npos) {
    std::size_t nodes = 0;
    check_expansion(root, file, 0, nodes);
  }
  if (text.find("\\N") != std::string::npos || text.find("\\_") != std::string::npos) encode_escapes(root);
  return root;
}

YAML::Node load_yaml_file(const std::string& path) { return parse_yaml(read_yaml_file(path), path); }

std::string read_yaml_file(const std::string& path) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) throw load_error(path, 0, "cannot read file: no such file");
  if (!std::filesystem::is_regular_file(st)) throw load_error(path, 0, "cannot read file: not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw load_error(path, 0, "cannot read file");
  // Read in pieces up to one byte past the limit: a small file costs a small buffer, and a file
  // that grows while it is read still stops at the limit.
  std::string text;
  char piece[64 * 1024];
  while (text.size() <= max_yaml_bytes && in.read(piece, sizeof piece).gcount() > 0)
    text.append(piece, std::size_t(in.gcount()));
  if (text.size() > max_yaml_bytes)
    throw load_error(path, 0, "file is larger than " + std::to_string(max_yaml_bytes) + " bytes");
  return text;
}

json plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  // Integers: [-+]?[0-9]+ ; floats: YAML 1.2 core schema.
  const char* b = s.c_str();
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  bool digits = i < s.size(), dot = false, exp = false;
  for (size_t k = i; k < s.size() && digits; ++k) {
    char c = s[k];
    if (c >= '0' && c <= '9') continue;
    if (c == '.' && !dot && !exp) {
      dot = true;
      continue;
    }
    if ((c == 'e' || c == 'E') && !exp && k > i && k + 1 < s.size()) {
      exp = true;
      if (s[k + 1] == '-' || s[k + 1] == '+') ++k;
      continue;
    }
    digits = false;
  }
  if (digits && s != "." && s != "-." && s != "+.") {
    errno = 0;
    if (!dot && !exp) {
      char* end;
      long long v = std::strtoll(b, &end, 10);
      if (errno == 0 && *end == '\0') return v;
    }
    char* end;
    double d = std::strtod(b, &end);
    if (*end == '\0' && std::isfinite(d)) return d;
  }
  return s;
}

json yaml_to_json(const YAML::Node& node, const std::string& file, const std::string& path) {
  const std::string& tag = node.Tag();
  if (!tag.empty() && tag != "?" && tag != "!" && tag.rfind("tag:yaml.org,2002:", 0) != 0)
    throw load_error(file, node.Mark(), path, "tag " + tag + " is only allowed in expectations");
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      size_t i = 0;
      for (const auto& child : node) arr.push_back(yaml_to_json(child, file, path + "[" + std::to_string(i++) + "]"));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) throw load_error(file, kv.first.Mark(), path, "map keys must be strings");
        const std::string& k = kv.first.Scalar();
        if (obj.contains(k)) throw load_error(file, kv.first.Mark(), path, "duplicate key '" + k + "'");
        obj[k] = yaml_to_json(kv.second, file, path.empty() ? k : path + "." + k);
      }
      return obj;
    }
  }
  return nullptr;
}

namespace {
void emit_node(YAML::Emitter& out, const YAML::Node& n) {
  const std::string& tag = n.Tag();
  if (tag.size() > 1 && tag[0] == '!') out << YAML::LocalTag(tag.substr(1));
  switch (n.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& kv : n) {
        out << YAML::Key;
        emit_node(out, kv.first);
        out << YAML::Value;
        emit_node(out, kv.second);
      }
      out << YAML::EndMap;
      break;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& x : n) emit_node(out, x);
      out << YAML::EndSeq;
      break;
    case YAML::NodeType::Scalar:
      // A quoted scalar has the tag "!": it is a string whatever it spells.
      if (tag == "!")
        out << YAML::DoubleQuoted << n.Scalar();
      else
        out << n.Scalar();
      break;
    default:
      out << YAML::Null;
  }
}
}  // namespace

std::string yaml_text(const YAML::Node& node) {
  YAML::Emitter out;
  out << YAML::Flow;
  emit_node(out, node);
  return out.c_str();
}

}  // namespace emu
