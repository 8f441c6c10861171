#include "emulator/observe/prometheus.h"

#include <cmath>
#include <cstdio>

namespace emu::observe {
namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Label values escape backslash, double quote and line feed; HELP text backslash and line feed.
std::string escaped(const std::string& s, bool quotes) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string label_text(const labels& l) {
  if (l.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < l.size(); ++i)
    out += (i ? "," : "") + l[i].first + "=\"" + escaped(l[i].second, true) + "\"";
  return out + "}";
}

}  // namespace

void exposition::family(const std::string& name, const char* type, const std::string& help) {
  out_ += "# HELP " + name + " " + escaped(help, false) + "\n# TYPE " + name + " " + type + "\n";
}

void exposition::sample(const std::string& name, const labels& l, double value) {
  out_ += name + label_text(l) + " " + number(value) + "\n";
}

void exposition::histogram(const std::string& name, const labels& l, const emu::histogram& h) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    cumulative += h.counts[i];
    labels with = l;
    with.emplace_back("le", number(h.bounds[i]));
    sample(name + "_bucket", with, double(cumulative));
  }
  labels inf = l;
  inf.emplace_back("le", "+Inf");
  sample(name + "_bucket", inf, double(h.count));
  sample(name + "_sum", l, h.sum);
  sample(name + "_count", l, double(h.count));
}

}  // namespace emu::observe
