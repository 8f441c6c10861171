// A compiled pattern's inside, shared by pattern.cc (one pattern) and rule_index.cc (many):
// the operators of a field, the fields of an alternative, and the check of one alternative
// against a flattened event. Not for use outside emulator/bus.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emulator/bus/pattern.h"

namespace emu::bus {

enum class op : std::uint8_t {
  exact,
  prefix,
  suffix,
  equals_ic,
  prefix_ic,
  suffix_ic,
  anything_but,
  numeric,
  exists,
  cidr,
  wildcard
};

// A parsed IP address: 16 bytes (IPv4 is kept in the last 4 with a marker).
struct ip_addr {
  std::array<std::uint8_t, 16> b{};
  bool v4 = false;
};

// One operator of a field's array.
struct matcher {
  op kind = op::exact;
  scalar::type exact_type = scalar::type::null;  // exact, for comparing
  std::string text;                              // exact string; prefix / suffix / *_ic (folded)
  double number = 0;                             // exact number
  bool boolean = false;                          // exact boolean
  std::vector<std::string> wild;                 // wildcard literal parts
  std::vector<matcher> inner;                    // anything-but: excluded when any inner matches
  std::optional<double> lo, hi, eq;              // numeric
  bool lo_incl = false, hi_incl = false;
  bool exists = true;  // exists
  ip_addr net;         // cidr
  int bits = 0;

  bool test(const scalar& v) const;
  bool is_exact_string() const { return kind == op::exact && exact_type == scalar::type::string; }
};

struct pattern::field {
  std::string path;
  std::vector<matcher> any;     // OR
  bool matches_absent = false;  // some operator is exists:false
};

struct pattern::conjunction {
  std::vector<field> fields;  // AND, sorted by path
};

// How field `f` fares against its path's leaves `at` in `ev`: no leaves there, none holds, or
// some holds — for a leaf outside every array (`free`), or only for leaves inside arrays. A
// field held by a free leaf goes with any choice of leaves for the other fields.
enum class field_result { absent, miss, in_arrays_only, free };
field_result probe_field(const pattern::field& f, const flat_event& ev, std::span<const std::uint32_t> at);

// Whether the event satisfies every field of `c` with leaves from consistent array elements.
// `ids` gives each field's path id in the event's table (a rule_index's); null looks them up.
bool match_conjunction(const pattern::conjunction& c, const flat_event& ev, const std::uint32_t* ids = nullptr);

}  // namespace emu::bus
