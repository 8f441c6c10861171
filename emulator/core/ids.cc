#include "emulator/core/ids.h"

#include <algorithm>
#include <cmath>

namespace emu {

// splitmix64: tiny, fast, and its output is fixed by the algorithm, unlike std's distributions.
std::uint64_t id_source::next_locked() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t id_source::next_u64() {
  std::lock_guard lock(mu_);
  return next_locked();
}

double id_source::unit() { return double(next_u64() >> 11) * 0x1.0p-53; }

duration id_source::backoff(duration base, duration cap, int doublings) {
  double full = std::min(std::ldexp(double(base.count()), std::clamp(doublings, 0, 30)), double(cap.count()));
  return duration(static_cast<long long>(full * (0.5 + 0.5 * unit())));
}

std::string id_source::uuid() {
  std::uint64_t hi, lo;
  {
    std::lock_guard lock(mu_);
    hi = next_locked();
    lo = next_locked();
  }
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](std::uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = hex[(v >> (i * 4)) & 0xF];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

}  // namespace emu
