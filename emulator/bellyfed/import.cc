#include "emulator/bellyfed/import.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace emu::bellyfed {

// The records of an import file: a JSON array, or one JSON value per line (JSON lines).
json read_import_file(const std::string& path) {
  // A regular file of bounded size: a device or FIFO would be read forever.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::runtime_error("cannot read import file " + path +
                             (std::filesystem::exists(path, ec) ? ": not a regular file" : ": no such file"));
  if (std::filesystem::file_size(path, ec) > max_import_file_bytes)
    throw std::runtime_error("import file " + path + " is larger than " + std::to_string(max_import_file_bytes) +
                             " bytes");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read import file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  json whole = parse_client_json(text);
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
    json v = parse_client_json(line);
    if (v.is_discarded())
      throw std::runtime_error(path + ":" + std::to_string(n) + ": not valid JSON (or nested deeper than " +
                               std::to_string(max_client_json_depth) + " levels)");
    out.push_back(v);
  }
  return out;
}

}  // namespace emu::bellyfed
