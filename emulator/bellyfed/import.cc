#include "emulator/bellyfed/import.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace emu::bellyfed {

// The records of an import file: a JSON array, or one JSON value per line (JSON lines).
json read_import_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read import file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  json whole = json::parse(text, nullptr, false);
  if (!whole.is_discarded()) {
    if (whole.is_object()) return json::array({whole});  // JSON lines with one record
    if (!whole.is_array()) throw std::runtime_error(path + ": an import file is a JSON array of records or JSON lines");
    return whole;
  }
  json out = json::array();
  std::istringstream lines(text);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json v = json::parse(line, nullptr, false);
    if (v.is_discarded()) throw std::runtime_error(path + ":" + std::to_string(n) + ": not valid JSON");
    out.push_back(v);
  }
  return out;
}

}  // namespace emu::bellyfed
