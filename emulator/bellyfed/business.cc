#include "emulator/bellyfed/business.h"

namespace emu::bellyfed {

const std::vector<outbox::business_table>& business_tables() {
  using outbox::sql_types;
  static const std::vector<outbox::business_table> tables = {
      {"restaurants",
       {{"id", 's'},
        {"name", 's'},
        {"address", 's'},
        {"city", 's'},
        {"cuisine_type", 's'},
        {"rating", 'n'},
        {"created_at", 't'},
        {"updated_at", 't'}},
       [](const sql_types& t) {
         return "CREATE TABLE IF NOT EXISTS restaurants (id text PRIMARY KEY, name text NOT NULL, address text, city "
                "text, "
                "cuisine_type text, rating " +
                t.real + ", created_at " + t.timestamp + " NOT NULL DEFAULT " + t.now + ", updated_at " + t.timestamp +
                " NOT NULL DEFAULT " + t.now + ")";
       },
       nullptr},
      {"reviews",
       {{"id", 's'}, {"restaurant_id", 's'}, {"rating", 'i'}, {"text", 's'}, {"author", 's'}, {"created_at", 't'}},
       [](const sql_types& t) {
         return "CREATE TABLE IF NOT EXISTS reviews (id text PRIMARY KEY, restaurant_id text NOT NULL REFERENCES "
                "restaurants(id), rating integer NOT NULL CHECK (rating BETWEEN 1 AND 5), text text, author text, "
                "created_at " +
                t.timestamp + " NOT NULL DEFAULT " + t.now + ")";
       },
       nullptr},
      {"import_jobs",
       {{"id", 's'}, {"records", 'j'}, {"record_count", 'i'}, {"status", 's'}, {"created_at", 't'}},
       [](const sql_types& t) {
         return "CREATE TABLE IF NOT EXISTS import_jobs (id text PRIMARY KEY, records " + t.json +
                " NOT NULL, record_count integer NOT NULL, status text NOT NULL DEFAULT 'pending', created_at " +
                t.timestamp + " NOT NULL DEFAULT " + t.now + ")";
       },
       [](json& row) {  // a fixture's job may leave its count to its records
         if (!row.contains("record_count") && row.contains("records") && row["records"].is_array())
           row["record_count"] = row["records"].size();
       }},
  };
  return tables;
}

bool is_business_table(const std::string& name) {
  for (const auto& t : business_tables())
    if (t.name == name) return true;
  return false;
}

}  // namespace emu::bellyfed
