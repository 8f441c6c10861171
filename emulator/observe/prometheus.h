// The Prometheus text exposition format 0.0.4 (what /metrics answers): families with HELP and
// TYPE lines, each family's samples together, label values escaped, histograms as cumulative
// _bucket{le} series with _sum and _count.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/histogram.h"

namespace emu::observe {

using labels = std::vector<std::pair<std::string, std::string>>;

class exposition {
 public:
  // Starts a family; its samples follow until the next family. `type`: counter, gauge,
  // histogram or summary.
  void family(const std::string& name, const char* type, const std::string& help);
  void sample(const std::string& name, const labels& l, double value);
  void histogram(const std::string& name, const labels& l, const emu::histogram& h);
  const std::string& text() const { return out_; }

  static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::string out_;
};

}  // namespace emu::observe
