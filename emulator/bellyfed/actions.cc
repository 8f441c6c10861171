// BellyFed's Server Actions: createRestaurant, updateRestaurant, createReview, createImportJob
// (which one is decided by the action's table and mode in the system definition).
#include <cctype>
#include <cmath>

#include "emulator/bellyfed/business.h"
#include "emulator/core/text.h"

namespace emu::bellyfed {

using outbox::iso;
using outbox::new_event;
using outbox::sql_value;
using outbox::store;
namespace {

struct invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The input's fields, checked: only `allowed` ones; values as forms send them (text) or JSON.
class fields {
 public:
  fields(const json& input, std::initializer_list<const char*> allowed) : in_(input) {
    if (!in_.is_object()) throw invalid("the input must be an object of fields");
    for (const auto& [k, v] : in_.items()) {
      bool ok = false;
      std::string list;
      for (const char* a : allowed) ok = ok || k == a, list += (list.empty() ? "" : ", ") + std::string(a);
      if (!ok) throw invalid(k + ": is not a field of this action (fields: " + list + ")");
    }
  }
  bool has(const char* k) const {
    return in_.contains(k) && !in_[k].is_null() && !(in_[k].is_string() && in_[k].get<std::string>().empty());
  }
  std::optional<std::string> text(const char* k, bool required, std::size_t max) const {
    if (!has(k)) {
      if (required) throw invalid(std::string(k) + ": is required");
      return std::nullopt;
    }
    if (!in_[k].is_string()) throw invalid(std::string(k) + ": must be text");
    std::string v = in_[k];
    if (!valid_utf8(v)) throw invalid(std::string(k) + ": must be UTF-8 text");  // a form may send any bytes
    // PostgreSQL text cannot hold NUL (libpq would end the string there): refused in every store.
    if (v.find('\0') != std::string::npos) throw invalid(std::string(k) + ": must not contain the NUL character");
    while (!v.empty() && std::isspace((unsigned char)v.back())) v.pop_back();
    while (!v.empty() && std::isspace((unsigned char)v.front())) v.erase(v.begin());
    if (v.empty()) {
      if (required) throw invalid(std::string(k) + ": is required");
      return std::nullopt;
    }
    if (v.size() > max) throw invalid(std::string(k) + ": must be at most " + std::to_string(max) + " characters");
    return v;
  }
  std::optional<double> number(const char* k, bool required, double lo, double hi, bool whole) const {
    if (!has(k)) {
      if (required) throw invalid(std::string(k) + ": is required");
      return std::nullopt;
    }
    double v = 0;
    const json& x = in_[k];
    bool ok = x.is_number();
    if (ok) v = x.get<double>();
    if (x.is_string()) {
      std::string s = x;
      char* end = nullptr;
      v = std::strtod(s.c_str(), &end);
      ok = !s.empty() && end && *end == 0 && std::isfinite(v);
    }
    std::string range = (whole ? "a whole number from " : "a number from ") + fmt(lo) + " to " + fmt(hi);
    if (!ok || v < lo || v > hi || (whole && v != std::floor(v))) throw invalid(std::string(k) + ": must be " + range);
    return v;
  }
  const json& raw(const char* k) const { return in_[k]; }
  // The optional `id` field, checked, or a new id from the runtime's id source.
  std::string id_or_new(runtime& rt) const {
    auto id = text("id", false, 64);
    if (id && !valid_id(*id)) throw invalid(std::string("id: ") + valid_id_rule);
    return id ? *id : rt.ids().uuid();
  }

 private:
  static std::string fmt(double d) { return d == std::floor(d) ? std::to_string((long long)d) : std::to_string(d); }
  const json& in_;
};

bool has_row(store& st, const char* table, const std::string& id) {
  return !st.db().exec(std::string("SELECT 1 FROM ") + table + " WHERE id = $1", {id}).empty();
}

sql_value opt(const std::optional<std::string>& v) { return v ? sql_value(*v) : std::nullopt; }
sql_value opt_num(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  json j = *v;
  return j.dump();
}

json one_row(store& st, const std::string& table, const std::string& id) {
  json r = st.rows(table, id);
  return r.empty() ? json() : r[0];
}

json restaurant_payload(const json& row) {
  return {{"id", row["id"]},
          {"name", row["name"]},
          {"address", row["address"]},
          {"city", row["city"]},
          {"cuisineType", row["cuisine_type"]},
          {"rating", row["rating"]},
          {"updatedAt", row["updated_at"]}};
}

}  // namespace

json run_action(store& st, runtime& rt, const action_def& a, const json& input, const std::string& trace_id,
                bool fail_after_business_row) {
  instant now = rt.clock().now();
  std::string at = iso(now);
  json data;
  new_event ev{rt.ids().uuid(), a.aggregate_type, "",
               a.event_type,    nullptr,          trace_id.empty() ? rt.ids().uuid() : trace_id};
  // The seed's Figure 3, step by step: the request, the transaction's begin, business row,
  // outbox row and commit, then the answer (`action`).
  trace_scope scope(rt.trace(),
                    {ev.trace_id, rt.trace().record("action.request", "outbox", {{"action", a.name}}, ev.trace_id)});
  try {
    auto write = [&](const std::function<void()>& business) {
      st.transaction([&] {
        rt.trace().record("outbox.begin", "outbox", {{"action", a.name}});
        business();
        rt.trace().record("outbox.write", "outbox", {{"table", a.table}, {"op", a.update ? "update" : "insert"}});
        if (fail_after_business_row)
          throw std::runtime_error("injected failure after the business row (fault outbox: fail-write)");
        st.insert_event(ev, now);
        rt.trace().record("outbox.insert", "outbox", {{"event_id", ev.event_id}, {"event_type", ev.event_type}});
      });
      rt.trace().record("outbox.commit", "outbox", {{"action", a.name}});
    };
    if (a.table == "restaurants" && !a.update) {
      fields f(input, {"id", "name", "address", "city", "cuisineType", "rating"});
      std::string rid = f.id_or_new(rt);
      auto name = f.text("name", true, 200), address = f.text("address", true, 500), city = f.text("city", false, 100),
           cuisine = f.text("cuisineType", false, 100);
      auto rating = f.number("rating", false, 0, 5, false);
      write([&] {
        if (has_row(st, "restaurants", rid)) throw invalid("id: restaurant " + rid + " exists already");
        st.db().exec(
            "INSERT INTO restaurants (id, name, address, city, cuisine_type, rating, created_at, updated_at) VALUES "
            "($1, $2, $3, $4, $5, " +
                std::string(st.is_postgres() ? "$6::double precision" : "$6") + ", " + st.db().ts_in("$7") + ", " +
                st.db().ts_in("$7") + ")",
            {rid, *name, *address, opt(city), opt(cuisine), opt_num(rating), at});
        data = one_row(st, "restaurants", rid);
        ev.aggregate_id = rid;
        ev.payload = restaurant_payload(data);
      });
    } else if (a.table == "restaurants") {
      fields f(input, {"id", "name", "address", "city", "cuisineType", "rating"});
      std::string rid = *f.text("id", true, 64);
      auto name = f.text("name", false, 200), address = f.text("address", false, 500),
           city = f.text("city", false, 100), cuisine = f.text("cuisineType", false, 100);
      auto rating = f.number("rating", false, 0, 5, false);
      if (!name && !address && !city && !cuisine && !rating)
        throw invalid("nothing to update: give name, address, city, cuisineType or rating");
      write([&] {
        // FOR UPDATE on PostgreSQL: updates of one restaurant commit in order, so their outbox
        // rows' ids follow the commit order (the relay's per-aggregate order relies on it).
        auto found = st.db().exec(
            "SELECT id FROM restaurants WHERE id = $1" + std::string(st.is_postgres() ? " FOR UPDATE" : ""), {rid});
        if (found.empty()) throw invalid("id: no restaurant " + rid);
        st.db().exec(
            "UPDATE restaurants SET name = COALESCE($2, name), address = COALESCE($3, address), city = COALESCE($4, "
            "city), "
            "cuisine_type = COALESCE($5, cuisine_type), rating = COALESCE(" +
                std::string(st.is_postgres() ? "$6::double precision" : "$6") +
                ", rating), updated_at = " + st.db().ts_in("$7") + " WHERE id = $1",
            {rid, opt(name), opt(address), opt(city), opt(cuisine), opt_num(rating), at});
        data = one_row(st, "restaurants", rid);
        ev.aggregate_id = rid;
        ev.payload = restaurant_payload(data);
      });
    } else if (a.table == "reviews") {
      fields f(input, {"id", "restaurantId", "rating", "text", "author"});
      std::string vid = f.id_or_new(rt);
      std::string restaurant = *f.text("restaurantId", true, 64);
      auto rating = f.number("rating", true, 1, 5, true);
      auto text = f.text("text", false, 2000), author = f.text("author", false, 100);
      write([&] {
        if (!has_row(st, "restaurants", restaurant)) throw invalid("restaurantId: no restaurant " + restaurant);
        if (has_row(st, "reviews", vid)) throw invalid("id: review " + vid + " exists already");
        st.db().exec(
            "INSERT INTO reviews (id, restaurant_id, rating, text, author, created_at) VALUES ($1, $2, CAST($3 AS "
            "integer), $4, $5, " +
                st.db().ts_in("$6") + ")",
            {vid, restaurant, std::to_string((long long)*rating), opt(text), opt(author), at});
        data = one_row(st, "reviews", vid);
        ev.aggregate_id = vid;
        ev.payload = {{"id", vid},
                      {"restaurantId", restaurant},
                      {"rating", data["rating"]},
                      {"text", data["text"]},
                      {"author", data["author"]},
                      {"createdAt", data["created_at"]}};
      });
    } else {  // import_jobs
      fields f(input, {"id", "records"});
      std::string jid = f.id_or_new(rt);
      if (!f.has("records")) throw invalid("records: is required");
      json records = f.raw("records");
      if (records.is_string()) records = parse_client_json(records.get<std::string>());  // a form field holds JSON text
      if (!records.is_array() || records.empty() || records.size() > 1000)
        throw invalid("records: must be a list of 1 to 1000 restaurant records");
      for (std::size_t i = 0; i < records.size(); ++i)
        if (!records[i].is_object()) throw invalid("records[" + std::to_string(i) + "]: must be an object");
      std::string text = records.dump();
      // The event carries the records and must fit EventBridge's 256 KB entry limit.
      if (text.size() > 200 * 1024)
        throw invalid("records: at most 200 KB of records per job (EventBridge's 256 KB event limit)");
      write([&] {
        if (has_row(st, "import_jobs", jid)) throw invalid("id: import job " + jid + " exists already");
        st.db().exec("INSERT INTO import_jobs (id, records, record_count, status, created_at) VALUES ($1, " +
                         std::string(st.is_postgres() ? "$2::jsonb" : "$2") + ", CAST($3 AS integer), 'pending', " +
                         st.db().ts_in("$4") + ")",
                     {jid, text, std::to_string(records.size()), at});
        data = one_row(st, "import_jobs", jid);
        ev.aggregate_id = jid;
        ev.payload = {{"id", jid}, {"records", records}};
      });
    }
  } catch (const invalid& e) {
    rt.trace().record("action.error", "outbox", {{"action", a.name}, {"error", e.what()}});
    return {{"error", e.what()}};
  } catch (const std::exception& e) {
    rt.log().log(log_level::warn, "outbox", "server action failed", {{"action", a.name}, {"error", e.what()}},
                 ev.trace_id);
    rt.trace().record("action.error", "outbox", {{"action", a.name}, {"error", e.what()}});
    return {{"error", std::string("The action failed and nothing was written: ") + e.what()}};
  }
  rt.trace().record(
      "action", "outbox",
      {{"action", a.name}, {"event_type", a.event_type}, {"aggregate_id", ev.aggregate_id}, {"event_id", ev.event_id}},
      ev.trace_id);
  return {{"data", data}};
}

}  // namespace emu::bellyfed
