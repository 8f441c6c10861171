#include "emulator/outbox/sql.h"

#include <libpq-fe.h>
#include <sqlite3.h>

#include <cctype>
#include <map>

namespace emu::outbox {
namespace {

class sqlite_db final : public sql_db {
 public:
  explicit sqlite_db(const std::string& path) {
    if (sqlite3_open_v2(path.empty() ? ":memory:" : path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      std::string m = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw sql_error("cannot open the outbox store " + path + ": " + m);
    }
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA foreign_keys = ON");
    if (!path.empty()) exec("PRAGMA journal_mode = WAL"), exec("PRAGMA synchronous = FULL");
  }
  ~sqlite_db() override {
    for (auto& [k, s] : cache_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }

  std::vector<sql_row> run(const std::string& sql, const std::vector<sql_value>& params) override {
    sqlite3_stmt* st = prepare(sql);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (params[i])
        sqlite3_bind_text(st, int(i + 1), params[i]->data(), int(params[i]->size()), SQLITE_TRANSIENT);
      else
        sqlite3_bind_null(st, int(i + 1));
    }
    std::vector<sql_row> rows;
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        std::string m = sqlite3_errmsg(db_);
        sqlite3_reset(st);
        throw sql_error(m);
      }
      sql_row r;
      for (int c = 0, n = sqlite3_column_count(st); c < n; ++c) {
        if (sqlite3_column_type(st, c) == SQLITE_NULL)
          r.emplace_back();
        else
          r.emplace_back(
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)), sqlite3_column_bytes(st, c)));
      }
      rows.push_back(std::move(r));
    }
    sqlite3_reset(st);
    return rows;
  }
  bool is_postgres() const override { return false; }
  std::string ts_out(const std::string& col) const override { return col; }
  std::string ts_in(const std::string& p) const override { return p; }

 private:
  // `$N` → `?N` (outside string literals), then a cached prepared statement.
  sqlite3_stmt* prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return it->second;
    std::string text;
    bool quoted = false;
    for (char c : sql) {
      if (c == '\'') quoted = !quoted;
      text += (c == '$' && !quoted) ? '?' : c;
    }
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, text.c_str(), int(text.size()), &st, nullptr) != SQLITE_OK)
      throw sql_error(std::string(sqlite3_errmsg(db_)) + " in: " + text.substr(0, 200));
    cache_[sql] = st;
    return st;
  }
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> cache_;
};

class postgres_db final : public sql_db {
 public:
  postgres_db(const std::string& url, const std::string& schema) {
    conn_ = PQconnectdb(url.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string m = PQerrorMessage(conn_);
      PQfinish(conn_);
      while (!m.empty() && std::isspace((unsigned char)m.back())) m.pop_back();
      throw sql_error("cannot connect to PostgreSQL at " + url + ": " + m);
    }
    exec("SET client_min_messages = warning");
    exec("SET TIME ZONE 'UTC'");
    if (!schema.empty()) {
      for (char c : schema)
        if (!(std::isalnum((unsigned char)c) || c == '_'))
          throw sql_error("schema names are letters, digits and _: " + schema);
      exec("CREATE SCHEMA IF NOT EXISTS " + schema);
      exec("SET search_path TO " + schema);
    }
  }
  ~postgres_db() override { PQfinish(conn_); }

  std::vector<sql_row> run(const std::string& sql, const std::vector<sql_value>& params) override {
    std::vector<const char*> values;
    for (const auto& p : params) {
      // libpq passes parameters as C strings: a NUL would silently cut the value short.
      if (p && p->find('\0') != std::string::npos)
        throw sql_error("PostgreSQL text cannot hold the NUL character (parameter $" +
                        std::to_string(values.size() + 1) + ")");
      values.push_back(p ? p->c_str() : nullptr);
    }
    PGresult* r = PQexecParams(conn_, sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string m = PQresultErrorMessage(r);
      PQclear(r);
      while (!m.empty() && std::isspace((unsigned char)m.back())) m.pop_back();
      if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);  // the next statement reconnects
      throw sql_error(m);
    }
    std::vector<sql_row> rows;
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      sql_row row;
      for (int c = 0, m = PQnfields(r); c < m; ++c) {
        if (PQgetisnull(r, i, c))
          row.emplace_back();
        else
          row.emplace_back(std::string(PQgetvalue(r, i, c), PQgetlength(r, i, c)));
      }
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }
  bool is_postgres() const override { return true; }
  std::string ts_out(const std::string& col) const override {
    return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  }
  std::string ts_in(const std::string& p) const override { return p + "::timestamptz"; }

 private:
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<sql_db> open_sqlite(const std::string& path) { return std::make_unique<sqlite_db>(path); }

std::unique_ptr<sql_db> open_postgres(const std::string& url, const std::string& schema) {
  return std::make_unique<postgres_db>(url, schema);
}

}  // namespace emu::outbox
