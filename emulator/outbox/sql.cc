#include "emulator/outbox/sql.h"

#include <dlfcn.h>
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

// libpq, loaded when a PostgreSQL store is opened. Linked, it and what it needs (Kerberos, LDAP,
// SASL, GnuTLS, …) were 3.4 MB of every process's memory and start-up, though most runs never
// use PostgreSQL. Each connection holds its own reference (dlopen counts them). Once loaded it
// stays: libpq and Kerberos keep process-wide state (allocated once, reached from their globals),
// which unloading would strand — and leak checkers rightly report.
class libpq {
 public:
  libpq() : handle_(::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) {
    if (!handle_)
      throw sql_error(std::string("PostgreSQL needs libpq (Debian's package libpq5), which could not be loaded: ") +
                      ::dlerror());
    try {
      load(connectdb, "PQconnectdb"), load(status, "PQstatus"), load(error_message, "PQerrorMessage");
      load(finish, "PQfinish"), load(exec_params, "PQexecParams"), load(result_status, "PQresultStatus");
      load(result_error_message, "PQresultErrorMessage"), load(clear, "PQclear"), load(reset, "PQreset");
      load(ntuples, "PQntuples"), load(nfields, "PQnfields"), load(getisnull, "PQgetisnull");
      load(getvalue, "PQgetvalue"), load(getlength, "PQgetlength");
    } catch (...) {
      ::dlclose(handle_);
      throw;
    }
  }
  ~libpq() { ::dlclose(handle_); }
  libpq(const libpq&) = delete;
  libpq& operator=(const libpq&) = delete;

  decltype(&::PQconnectdb) connectdb;
  decltype(&::PQstatus) status;
  decltype(&::PQerrorMessage) error_message;
  decltype(&::PQfinish) finish;
  decltype(&::PQexecParams) exec_params;
  decltype(&::PQresultStatus) result_status;
  decltype(&::PQresultErrorMessage) result_error_message;
  decltype(&::PQclear) clear;
  decltype(&::PQreset) reset;
  decltype(&::PQntuples) ntuples;
  decltype(&::PQnfields) nfields;
  decltype(&::PQgetisnull) getisnull;
  decltype(&::PQgetvalue) getvalue;
  decltype(&::PQgetlength) getlength;

 private:
  template <class F>
  void load(F& f, const char* name) {
    f = reinterpret_cast<F>(::dlsym(handle_, name));
    if (!f) throw sql_error(std::string("libpq has no ") + name);
  }
  void* handle_;
};

class postgres_db final : public sql_db {
 public:
  postgres_db(const std::string& url, const std::string& schema) {
    conn_ = pq_.connectdb(url.c_str());
    if (pq_.status(conn_) != CONNECTION_OK) {
      std::string m = pq_.error_message(conn_);
      pq_.finish(conn_);
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
  ~postgres_db() override { pq_.finish(conn_); }

  std::vector<sql_row> run(const std::string& sql, const std::vector<sql_value>& params) override {
    std::vector<const char*> values;
    for (const auto& p : params) {
      // libpq passes parameters as C strings: a NUL would silently cut the value short.
      if (p && p->find('\0') != std::string::npos)
        throw sql_error("PostgreSQL text cannot hold the NUL character (parameter $" +
                        std::to_string(values.size() + 1) + ")");
      values.push_back(p ? p->c_str() : nullptr);
    }
    PGresult* r = pq_.exec_params(conn_, sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType st = pq_.result_status(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string m = pq_.result_error_message(r);
      pq_.clear(r);
      while (!m.empty() && std::isspace((unsigned char)m.back())) m.pop_back();
      if (pq_.status(conn_) != CONNECTION_OK) pq_.reset(conn_);  // the next statement reconnects
      throw sql_error(m);
    }
    std::vector<sql_row> rows;
    for (int i = 0, n = pq_.ntuples(r); i < n; ++i) {
      sql_row row;
      for (int c = 0, m = pq_.nfields(r); c < m; ++c) {
        if (pq_.getisnull(r, i, c))
          row.emplace_back();
        else
          row.emplace_back(std::string(pq_.getvalue(r, i, c), pq_.getlength(r, i, c)));
      }
      rows.push_back(std::move(row));
    }
    pq_.clear(r);
    return rows;
  }
  bool is_postgres() const override { return true; }
  std::string ts_out(const std::string& col) const override {
    return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
  }
  std::string ts_in(const std::string& p) const override { return p + "::timestamptz"; }

 private:
  libpq pq_;
  PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<sql_db> open_sqlite(const std::string& path) { return std::make_unique<sqlite_db>(path); }

std::unique_ptr<sql_db> open_postgres(const std::string& url, const std::string& schema) {
  return std::make_unique<postgres_db>(url, schema);
}

}  // namespace emu::outbox
