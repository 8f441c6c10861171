// Internal to the system-definition loader: a strict reader over one YAML map that knows its
// file and key path, refuses unknown keys and reports every error as a load_error.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"
#include "emulator/core/yaml_json.h"

namespace emu::detail {

class map_reader {
 public:
  map_reader(const YAML::Node& node, const std::string& file, std::string path,
             std::initializer_list<const char*> allowed);

  bool has(const char* key) const { return bool(node_[key]); }
  YAML::Node get(const char* key) const { return node_[key]; }
  int line() const { return node_.Mark().line + 1; }
  std::string path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& file() const { return file_; }

  std::string str(const char* key, const std::string& def) const;
  std::string required_str(const char* key) const;
  std::optional<std::string> opt_str(const char* key) const;
  bool boolean(const char* key, bool def) const;
  long long integer(const char* key, long long def, long long min, long long max) const;
  double number(const char* key, double def, double min, double max) const;
  duration dur(const char* key, duration def) const;
  std::vector<std::string> str_list(const char* key) const;
  json as_json(const char* key) const;
  // Calls fn(node, path) for each element of a sequence-valued key (absent: no calls).
  void each(const char* key, const std::function<void(const YAML::Node&, const std::string&)>& fn) const;

  [[noreturn]] void fail(const char* key, const std::string& msg) const;
  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& p, const std::string& msg) const;

 private:
  std::string scalar(const char* key, const char* what) const;
  YAML::Node node_;
  const std::string& file_;
  std::string path_;
};

}  // namespace emu::detail
