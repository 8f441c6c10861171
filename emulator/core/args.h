// A small command-line parser shared by the subcommands: `--flag`, `--flag VALUE`,
// `--flag=VALUE`, `-h`/`--help`, repeated flags, and positional arguments. Unknown flags and
// missing values are usage errors (std::invalid_argument with a message for the user).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace emu {

struct flag_spec {
  std::string name;  // without the leading --
  bool takes_value = false;
};

struct parsed_args {
  std::map<std::string, std::vector<std::string>> flags;  // every value, in order
  std::vector<std::string> positional;
  bool has(const std::string& f) const { return flags.count(f) > 0; }
  std::string value(const std::string& f, const std::string& def = {}) const {
    auto it = flags.find(f);
    return it == flags.end() || it->second.empty() ? def : it->second.back();
  }
  std::vector<std::string> values(const std::string& f) const {
    auto it = flags.find(f);
    return it == flags.end() ? std::vector<std::string>{} : it->second;
  }
};

inline parsed_args parse_args(const std::vector<std::string>& argv, const std::vector<flag_spec>& spec) {
  parsed_args out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-h") {
      out.flags["help"].push_back("");
      continue;
    }
    if (a == "--") {
      for (++i; i < argv.size(); ++i) out.positional.push_back(argv[i]);
      break;
    }
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      if (a.size() > 1 && a[0] == '-') throw std::invalid_argument("unknown option " + a);
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const flag_spec* f = nullptr;
    for (const auto& s : spec)
      if (s.name == name) f = &s;
    if (!f && name == "help") {
      out.flags["help"].push_back("");
      continue;
    }
    if (!f) throw std::invalid_argument("unknown option --" + name + " (see --help)");
    if (f->takes_value && !inline_value) {
      if (i + 1 >= argv.size()) throw std::invalid_argument("option --" + name + " needs a value");
      value = argv[++i];
    } else if (!f->takes_value && inline_value) {
      throw std::invalid_argument("option --" + name + " takes no value");
    }
    out.flags[name].push_back(value);
  }
  return out;
}

}  // namespace emu
