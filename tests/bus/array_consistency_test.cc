// Array-consistent matching: fields matched inside arrays must come from one element of each
// array they share. Checked against a reference that picks an element for every array in every
// possible way (exponential, so small events only), and shown polynomial on the shape that
// used to take seconds: nine fields under objects inside an array, twelve elements per array.
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "emulator/bus/pattern.h"

using emu::json;

namespace {

// Every document the event becomes when each array is replaced by one of its elements (an
// empty array by nothing).
std::vector<json> projections(const json& v) {
  if (v.is_array()) {
    std::vector<json> out;
    for (const auto& e : v)
      for (auto& p : projections(e)) out.push_back(std::move(p));
    if (v.empty()) out.push_back(json(json::value_t::discarded));  // absent
    return out;
  }
  if (!v.is_object()) return {v};
  std::vector<json> out = {json::object()};
  for (const auto& [k, x] : v.items()) {
    std::vector<json> next;
    for (const auto& px : projections(x))
      for (const auto& o : out) {
        json c = o;
        if (!px.is_discarded()) c[k] = px;
        next.push_back(std::move(c));
      }
    out = std::move(next);
  }
  return out;
}

// How many projections there are (the reference's cost), without making them.
double projection_count(const json& v) {
  if (v.is_array()) {
    double n = v.empty() ? 1 : 0;
    for (const auto& e : v) n += projection_count(e);
    return n;
  }
  double n = 1;
  if (v.is_object())
    for (const auto& [k, x] : v.items()) n *= projection_count(x);
  return n;
}

const json* at_path(const json& doc, const std::vector<std::string>& path) {
  const json* v = &doc;
  for (const auto& k : path) {
    if (!v->is_object() || !v->contains(k)) return nullptr;
    v = &(*v)[k];
  }
  return v;
}

// Arrays of objects whose keys hold "x" or "y" or further arrays, so fields often match in
// different elements; sometimes a bare string or object where an array usually is.
json random_value(std::mt19937& rng, int depth) {
  static const char* keys[] = {"a", "b", "c"};
  auto object = [&] {
    json o = json::object();
    for (const char* k : keys)
      if (rng() % 3) o[k] = depth >= 2 ? json(rng() % 2 ? "x" : "y") : random_value(rng, depth + 1);
    return o;
  };
  switch (rng() % 6) {
    case 0:
      return rng() % 2 ? "x" : "y";
    case 1:
      return object();
    default: {
      json a = json::array();
      for (int i = 1 + int(rng() % 4); i > 0; --i) a.push_back(rng() % 5 ? object() : json(rng() % 2 ? "x" : "y"));
      return a;
    }
  }
}

}  // namespace

TEST_CASE("array consistency: the matcher agrees with choosing one element per array", "[bus][patterns]") {
  std::mt19937 rng(2026);
  const std::vector<std::vector<std::string>> all_paths = {{"a", "a"}, {"a", "b"}, {"a", "c", "a"},
                                                           {"b", "a"}, {"b", "b"}, {"c"}};
  int matched = 0, checked = 0, inconsistent = 0;
  for (int round = 0; round < 6000; ++round) {
    json event = json::object();
    for (const char* k : {"a", "b", "c"}) event[k] = random_value(rng, 1);
    if (projection_count(event) > 500) continue;  // keeps the reference quick
    // Two to four paths, none a prefix of another, each matching "x" (or "x" or "y").
    std::vector<std::pair<std::vector<std::string>, std::set<std::string>>> fields;
    for (const auto& p : all_paths)
      if (rng() % 2 && fields.size() < 4) {
        bool clash = false;
        for (const auto& [q, v] : fields)
          clash = clash || std::equal(q.begin(), q.begin() + std::min(q.size(), p.size()), p.begin());
        if (!clash) fields.push_back({p, rng() % 3 ? std::set<std::string>{"x"} : std::set<std::string>{"x", "y"}});
      }
    if (fields.size() < 2) continue;
    json pattern = json::object();
    for (const auto& [p, values] : fields) {
      json* at = &pattern;
      for (std::size_t i = 0; i + 1 < p.size(); ++i) at = &(*at)[p[i]];
      (*at)[p.back()] = json(std::vector<std::string>(values.begin(), values.end()));
    }
    bool want = false;
    std::vector<bool> each(fields.size());  // field k matches in some projection
    for (const auto& doc : projections(event)) {
      bool all = true;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        const json* v = at_path(doc, fields[k].first);
        bool holds = v && v->is_string() && fields[k].second.count(v->get<std::string>());
        all = all && holds;
        if (holds) each[k] = true;
      }
      want = want || all;
    }
    // Where every field matches somewhere but not in one projection, only consistency decides.
    inconsistent += !want && std::find(each.begin(), each.end(), false) == each.end();
    INFO("pattern " << pattern.dump() << " event " << event.dump());
    CHECK(emu::bus::pattern::compile(pattern).matches(event) == want);
    matched += want;
    ++checked;
  }
  CHECK(checked > 1000);
  CHECK(matched > 100);  // both answers occur often
  CHECK(checked - matched > 100);
  CHECK(inconsistent > 25);  // and array consistency alone decides many
}

TEST_CASE("array consistency: nine fields over twelve elements per array answer at once", "[bus][patterns]") {
  // detail.items[*].f0 … f8, each array element holding one field: no element holds all nine,
  // which a search over combinations would find only after trying 12^9 of them.
  const int K = 12;
  json items = json::array();
  for (int i = 0; i < K; ++i) {
    json o = json::object();
    for (int f = 0; f < 9; ++f) o["f" + std::to_string(f)] = (i % 9 == f) ? "hit" : "miss";
    o["nested"] = json::array();
    for (int j = 0; j < K; ++j) o["nested"].push_back({{"g", j % 2 ? "hit" : "miss"}});
    items.push_back(o);
  }
  json event = {{"detail", {{"items", items}}}};
  json fields = json::object();
  for (int f = 0; f < 9; ++f) fields["f" + std::to_string(f)] = {"hit"};
  auto p = emu::bus::pattern::compile({{"detail", {{"items", fields}}}});
  CHECK_FALSE(p.matches(event));
  // One element holding all nine (and a nested element under it) matches.
  for (int f = 0; f < 9; ++f) event["detail"]["items"][K - 1]["f" + std::to_string(f)] = "hit";
  CHECK(p.matches(event));
  fields["nested"] = {{"g", {"hit"}}};
  CHECK(emu::bus::pattern::compile({{"detail", {{"items", fields}}}}).matches(event));
}
