// The outbox store (seed Figure 3): `outbox_events` and the business tables its writers keep
// beside it (the system's own, given at construction: BellyFed's are in bellyfed/business.cc),
// one schema on two engines (docs/OUTBOX.md documents it for apps that write into it directly). Every relay operation
// takes "now" from the caller (the runtime's clock), so leases, backoff and retention run in virtual time.
//
// Claiming (research: ../shared/research/scenarios-outbox.md B.3): only the oldest open event of
// each aggregate is eligible, so per-aggregate order holds however many relays run; PostgreSQL
// claims with FOR UPDATE SKIP LOCKED, SQLite inside BEGIN IMMEDIATE (one writer at a time).
// The claim sets a lease; completion and failure are fenced by the lease owner, so a relay whose
// lease expired cannot complete rows another relay has reclaimed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/json.h"
#include "emulator/outbox/sql.h"

namespace emu::outbox {

struct event_row {
  std::int64_t id = 0;
  std::string event_id, aggregate_type, aggregate_id, event_type;
  json payload;
  std::string trace_id, status;
  int attempts = 0;
  std::string available_at, lease_owner, lease_expires_at, last_error, created_at, processed_at;  // ISO 8601 or ""
  json to_json() const;
};

struct new_event {
  std::string event_id, aggregate_type, aggregate_id, event_type;
  json payload;
  std::string trace_id;
};

// The engine's words for the column types a business table may use.
struct sql_types {
  std::string timestamp, json, real, now;  // `now`: the default expression for "the current time"
};

struct business_column {
  const char* name;
  char type;  // s text, n number, i integer, t timestamp, j json
};

// A table written in the same transaction as its outbox rows (a business row plus its event).
struct business_table {
  std::string name;
  std::vector<business_column> columns;                 // as rows() answers them and insert_row takes them
  std::function<std::string(const sql_types&)> create;  // CREATE TABLE IF NOT EXISTS …
  std::function<void(json& row)> complete;              // fills derived columns a fixture row left out
};

class store {
 public:
  // Creates the schema (the business tables, then outbox_events) if it is missing.
  explicit store(std::unique_ptr<sql_db> db, std::vector<business_table> tables = {});
  sql_db& db() { return *db_; }
  bool is_postgres() const { return db_->is_postgres(); }

  // Runs `f` in one transaction: commits when it returns, rolls back when it throws.
  void transaction(const std::function<void()>& f);
  void insert_event(const new_event& e, instant now);

  std::vector<event_row> claim(int batch, const std::string& owner, instant now, duration lease);
  // Marks the rows processed if `owner` still holds their lease; returns how many it did.
  int complete(const std::vector<std::int64_t>& ids, const std::string& owner, instant now);
  // Back to pending at `retry_at` with the error, or failed once attempts reached max_attempts.
  // Returns "failed", "pending", or "" when `owner` no longer holds the lease.
  std::string fail(std::int64_t id, const std::string& owner, instant retry_at, const std::string& error,
                   int max_attempts);
  // Rows whose lease expired after max_attempts claims (they keep crashing relays) → failed.
  int sweep_poison(instant now, int max_attempts);
  int delete_processed(instant before);

  // Inserts a business row as given (scenario fixtures): known columns only; created_at and
  // updated_at default to `now`. Throws sql_error naming the problem (an unknown table, too).
  void insert_row(const std::string& table, const json& row, instant now);
  std::vector<event_row> events();
  bool has_open();  // any pending or processing row
  // A business table's rows as JSON objects (columns by name, numbers as numbers), by id; with
  // `id`, only that row (an empty list when there is none).
  json rows(const std::string& table, const std::optional<std::string>& id = std::nullopt);
  // {pending, processing, processed, failed, oldest_pending_created_at}
  json counts();

 private:
  const business_table& table(const std::string& name) const;  // or sql_error
  std::unique_ptr<sql_db> db_;
  std::vector<business_table> tables_;
};

std::string iso(instant t);  // "2024-12-01T00:00:00.000Z"

}  // namespace emu::outbox
