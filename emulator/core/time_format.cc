#include "emulator/core/time_format.h"

#include <cstdio>

namespace emu {
namespace {

using namespace std::chrono;

// Writes `v` as `n` digits, zero-padded, at p.
char* put_digits(char* p, long long v, int n) {
  for (int i = n - 1; i >= 0; --i, v /= 10) p[i] = char('0' + v % 10);
  return p + n;
}

// Written by hand rather than by snprintf: every event's envelope and trace entry has a time,
// and snprintf's parsing of its format was a visible share of PutEvents.
std::string format(instant t, bool with_ms) {
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{t - day};
  int y = int(ymd.year());
  char buf[48];
  if (y < 0 || y > 9999) {  // outside RFC 3339's years: as snprintf writes them
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld", y, unsigned(ymd.month()), unsigned(ymd.day()),
                  long(hms.hours().count()), long(hms.minutes().count()), (long long)hms.seconds().count());
    std::string out(buf);
    if (with_ms) out += "." + std::string(buf, put_digits(buf, hms.subseconds().count(), 3));
    return out + "Z";
  }
  char* p = put_digits(buf, y, 4);
  *p++ = '-';
  p = put_digits(p, unsigned(ymd.month()), 2);
  *p++ = '-';
  p = put_digits(p, unsigned(ymd.day()), 2);
  *p++ = 'T';
  p = put_digits(p, hms.hours().count(), 2);
  *p++ = ':';
  p = put_digits(p, hms.minutes().count(), 2);
  *p++ = ':';
  p = put_digits(p, hms.seconds().count(), 2);
  if (with_ms) {
    *p++ = '.';
    p = put_digits(p, hms.subseconds().count(), 3);
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string iso8601_ms(instant t) { return format(t, true); }
std::string iso8601_seconds(instant t) { return format(t, false); }

std::optional<instant> parse_iso8601(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
    return std::nullopt;
  year_month_day ymd{year(y), month(unsigned(mo)), day(unsigned(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  size_t pos = 19;
  long long ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 3) ms = ms * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;
  }
  long long offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (s[pos] == '+' ? 1 : -1) * (oh * 60LL + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  instant t = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms);
  return t - minutes(offset_min);
}

std::optional<duration> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  long long total = 0;
  size_t pos = 0;
  while (pos < s.size()) {
    long long n = 0;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n > 1'000'000'000'000LL) return std::nullopt;
      n = n * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    long long unit;
    if (s.substr(pos, 2) == "ms") {
      unit = 1, pos += 2;
    } else if (pos < s.size() && s[pos] == 's') {
      unit = 1000, ++pos;
    } else if (pos < s.size() && s[pos] == 'm') {
      unit = 60'000, ++pos;
    } else if (pos < s.size() && s[pos] == 'h') {
      unit = 3'600'000, ++pos;
    } else if (pos < s.size() && s[pos] == 'd') {
      unit = 86'400'000, ++pos;
    } else {
      return std::nullopt;
    }
    total += n * unit;
    if (total > 100LL * 365 * 86'400'000) return std::nullopt;  // a century is plenty
  }
  return duration(total);
}

std::string format_duration(duration d) {
  long long ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) out = "-", ms = -ms;
  const std::pair<long long, const char*> units[] = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (auto [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

}  // namespace emu
