#include "emulator/durable/store.h"

#include <sqlite3.h>

#include <cstdio>
#include <stdexcept>

namespace emu::durable {
namespace {

void bind(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_blob(s, i, v.empty() ? "" : v.data(), int(v.size()), SQLITE_TRANSIENT);
}

std::string text(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  return p ? std::string(static_cast<const char*>(p), std::size_t(sqlite3_column_bytes(s, i))) : std::string();
}

struct reset_on_exit {
  sqlite3_stmt* s;
  ~reset_on_exit() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

}  // namespace

std::string number_key(std::uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(n));
  return buf;
}

store::store(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open the state store '" + path + "': " + msg);
  }
  try {
    // WAL with synchronous=NORMAL: a committed transaction survives the process dying (it is in
    // the WAL, which the next open replays); only an OS crash or power loss can lose the last ones.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec(
        "CREATE TABLE IF NOT EXISTS state(ns BLOB NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, "
        "PRIMARY KEY(ns, key)) WITHOUT ROWID");
    put_ = prepare("INSERT OR REPLACE INTO state(ns, key, value) VALUES(?1, ?2, ?3)");
    erase_ = prepare("DELETE FROM state WHERE ns = ?1 AND key = ?2");
    erase_ns_ = prepare("DELETE FROM state WHERE ns = ?1");
  } catch (...) {
    sqlite3_finalize(put_);
    sqlite3_finalize(erase_);
    sqlite3_finalize(erase_ns_);
    sqlite3_close(db_);
    throw;
  }
}

store::~store() {
  sqlite3_finalize(put_);
  sqlite3_finalize(erase_);
  sqlite3_finalize(erase_ns_);
  sqlite3_close(db_);
}

void store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("state store '" + path_ + "': " + msg);
  }
}

sqlite3_stmt* store::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error("state store '" + path_ + "': " + sqlite3_errmsg(db_));
  return s;
}

void store::put(std::string ns, std::string key, std::string value) {
  staged_.push_back({std::move(ns), std::move(key), std::move(value)});
}

void store::erase(std::string ns, std::string key) { staged_.push_back({std::move(ns), std::move(key), {}}); }

void store::erase_namespace(std::string ns) { staged_.push_back({std::move(ns), "", {}, true}); }

void store::commit() {
  if (staged_.empty()) return;
  exec("BEGIN");
  try {
    for (const auto& c : staged_) {
      sqlite3_stmt* s = c.whole_namespace ? erase_ns_ : c.value ? put_ : erase_;
      reset_on_exit r{s};
      bind(s, 1, c.ns);
      if (!c.whole_namespace) bind(s, 2, c.key);
      if (c.value) bind(s, 3, *c.value);
      if (sqlite3_step(s) != SQLITE_DONE)
        throw std::runtime_error("state store '" + path_ + "': " + sqlite3_errmsg(db_));
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;  // staged changes stay: the next commit tries them again
  }
  staged_.clear();
}

std::vector<std::pair<std::string, std::string>> store::scan(std::string_view ns) {
  sqlite3_stmt* s = prepare("SELECT key, value FROM state WHERE ns = ?1 ORDER BY key");
  std::vector<std::pair<std::string, std::string>> out;
  bind(s, 1, ns);
  while (sqlite3_step(s) == SQLITE_ROW) out.emplace_back(text(s, 0), text(s, 1));
  sqlite3_finalize(s);
  return out;
}

}  // namespace emu::durable
