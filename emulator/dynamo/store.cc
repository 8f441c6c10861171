#include "emulator/dynamo/store.h"

#include <sqlite3.h>

#include <stdexcept>

namespace emu::dynamo {
namespace {

std::string tbl(int id) { return "t" + std::to_string(id); }
std::string idx(int id, int index_id) { return "t" + std::to_string(id) + "_x" + std::to_string(index_id); }

// Resets a cached statement when the scope ends, so it never stays busy.
struct stmt_use {
  sqlite3_stmt* s;
  ~stmt_use() {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};

void bind_bytes(sqlite3_stmt* s, int i, std::string_view bytes) {
  sqlite3_bind_blob(s, i, bytes.empty() ? "" : bytes.data(), int(bytes.size()), SQLITE_TRANSIENT);
}

std::string_view column(sqlite3_stmt* s, int i) {
  const void* p = sqlite3_column_blob(s, i);
  int n = sqlite3_column_bytes(s, i);
  return p ? std::string_view(static_cast<const char*>(p), std::size_t(n)) : std::string_view();
}

// " AND col > ?N" style conditions for a range; binds are appended to `args`.
void range_sql(const range& r, const std::string& col, std::string& sql, std::vector<std::string>& args) {
  if (r.lo) {
    args.push_back(r.lo->bytes);
    sql += " AND " + col + (r.lo->inclusive ? " >= ?" : " > ?") + std::to_string(args.size());
  }
  if (r.hi) {
    args.push_back(r.hi->bytes);
    sql += " AND " + col + (r.hi->inclusive ? " <= ?" : " < ?") + std::to_string(args.size());
  }
}

}  // namespace

store::store(const std::string& path) {
  int rc = sqlite3_open_v2(path.empty() ? ":memory:" : path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open DynamoDB store '" + path + "': " + msg);
  }
  if (!path.empty()) {
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
  }
  exec(
      "CREATE TABLE IF NOT EXISTS catalog(id INTEGER PRIMARY KEY AUTOINCREMENT, "
      "name TEXT NOT NULL UNIQUE COLLATE BINARY, meta TEXT NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS streams(id INTEGER PRIMARY KEY AUTOINCREMENT, meta TEXT NOT NULL)");
  exec(
      "CREATE TABLE IF NOT EXISTS stream_records(stream INTEGER NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT "
      "NULL, trace TEXT NOT NULL, cause INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY(stream, seq)) WITHOUT "
      "ROWID");
  exec("CREATE TABLE IF NOT EXISTS stream_checkpoints(name TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
  // The highest sequence number ever given survives its records' trimming.
  exec("CREATE TABLE IF NOT EXISTS stream_sequence(id INTEGER PRIMARY KEY CHECK(id = 1), seq INTEGER NOT NULL)");
  exec("INSERT OR IGNORE INTO stream_sequence(id, seq) VALUES(1, 0)");
}

store::~store() {
  for (auto& [sql, s] : stmts_) sqlite3_finalize(s);
  sqlite3_close(db_);
}

void store::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("DynamoDB store: " + msg + " (" + sql + ")");
  }
}

sqlite3_stmt* store::prepare(const std::string& sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("DynamoDB store: ") + sqlite3_errmsg(db_) + " (" + sql + ")");
  stmts_.emplace(sql, s);
  return s;
}

namespace {
void step_done(sqlite3* db, sqlite3_stmt* s) {
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("DynamoDB store: ") + sqlite3_errmsg(db));
}
}  // namespace

std::vector<store::table_entry> store::tables() {
  std::vector<table_entry> out;
  sqlite3_stmt* s = prepare("SELECT id, name, meta FROM catalog ORDER BY name");
  stmt_use u{s};
  while (sqlite3_step(s) == SQLITE_ROW)
    out.push_back({sqlite3_column_int(s, 0), std::string(column(s, 1)), std::string(column(s, 2))});
  return out;
}

int store::create_table(const std::string& name, const std::string& meta) {
  {
    sqlite3_stmt* s = prepare("INSERT INTO catalog(name, meta) VALUES(?1, ?2)");
    stmt_use u{s};
    sqlite3_bind_text(s, 1, name.data(), int(name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, meta.data(), int(meta.size()), SQLITE_TRANSIENT);
    step_done(db_, s);
  }
  int id = int(sqlite3_last_insert_rowid(db_));
  exec("CREATE TABLE " + tbl(id) +
       "(pk BLOB NOT NULL, sk BLOB NOT NULL, item TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(pk, sk)) WITHOUT "
       "ROWID");
  return id;
}

void store::set_meta(int table_id, const std::string& meta) {
  sqlite3_stmt* s = prepare("UPDATE catalog SET meta = ?2 WHERE id = ?1");
  stmt_use u{s};
  sqlite3_bind_int(s, 1, table_id);
  sqlite3_bind_text(s, 2, meta.data(), int(meta.size()), SQLITE_TRANSIENT);
  step_done(db_, s);
}

void store::drop_table(int table_id, const std::vector<int>& index_ids) {
  // Cached statements may name the table; drop them all (schema changes are rare).
  for (auto& [sql, s] : stmts_) sqlite3_finalize(s);
  stmts_.clear();
  for (int i : index_ids) exec("DROP TABLE IF EXISTS " + idx(table_id, i));
  exec("DROP TABLE IF EXISTS " + tbl(table_id));
  exec("DELETE FROM catalog WHERE id = " + std::to_string(table_id));
}

void store::create_index(int table_id, int index_id) {
  exec("CREATE TABLE " + idx(table_id, index_id) +
       "(ipk BLOB NOT NULL, isk BLOB NOT NULL, pk BLOB NOT NULL, sk BLOB NOT NULL, PRIMARY KEY(ipk, isk, pk, sk)) "
       "WITHOUT ROWID");
}

void store::drop_index(int table_id, int index_id) {
  for (auto& [sql, s] : stmts_) sqlite3_finalize(s);
  stmts_.clear();
  exec("DROP TABLE IF EXISTS " + idx(table_id, index_id));
}

std::optional<std::string> store::get(int table_id, std::string_view pk, std::string_view sk, std::size_t* size) {
  sqlite3_stmt* s = prepare("SELECT item, size FROM " + tbl(table_id) + " WHERE pk = ?1 AND sk = ?2");
  stmt_use u{s};
  bind_bytes(s, 1, pk);
  bind_bytes(s, 2, sk);
  if (sqlite3_step(s) != SQLITE_ROW) return std::nullopt;
  if (size) *size = std::size_t(sqlite3_column_int64(s, 1));
  return std::string(column(s, 0));
}

void store::erase_index_row(int table_id, const index_row& r, std::string_view pk, std::string_view sk) {
  sqlite3_stmt* s =
      prepare("DELETE FROM " + idx(table_id, r.index_id) + " WHERE ipk = ?1 AND isk = ?2 AND pk = ?3 AND sk = ?4");
  stmt_use u{s};
  bind_bytes(s, 1, r.ipk), bind_bytes(s, 2, r.isk), bind_bytes(s, 3, pk), bind_bytes(s, 4, sk);
  step_done(db_, s);
}

void store::put(int table_id, std::string_view pk, std::string_view sk, const std::string& item, std::size_t size,
                const std::vector<index_row>& old_rows, const std::vector<index_row>& new_rows) {
  {
    sqlite3_stmt* s =
        prepare("INSERT OR REPLACE INTO " + tbl(table_id) + "(pk, sk, item, size) VALUES(?1, ?2, ?3, ?4)");
    stmt_use u{s};
    bind_bytes(s, 1, pk);
    bind_bytes(s, 2, sk);
    sqlite3_bind_text(s, 3, item.data(), int(item.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, sqlite3_int64(size));
    step_done(db_, s);
  }
  for (const auto& r : old_rows) {
    bool same = false;
    for (const auto& n : new_rows) same |= n.index_id == r.index_id && n.ipk == r.ipk && n.isk == r.isk;
    if (same) continue;
    erase_index_row(table_id, r, pk, sk);
  }
  for (const auto& r : new_rows) {
    sqlite3_stmt* s =
        prepare("INSERT OR IGNORE INTO " + idx(table_id, r.index_id) + "(ipk, isk, pk, sk) VALUES(?1, ?2, ?3, ?4)");
    stmt_use u{s};
    bind_bytes(s, 1, r.ipk), bind_bytes(s, 2, r.isk), bind_bytes(s, 3, pk), bind_bytes(s, 4, sk);
    step_done(db_, s);
  }
}

void store::erase(int table_id, std::string_view pk, std::string_view sk, const std::vector<index_row>& old_rows) {
  {
    sqlite3_stmt* s = prepare("DELETE FROM " + tbl(table_id) + " WHERE pk = ?1 AND sk = ?2");
    stmt_use u{s};
    bind_bytes(s, 1, pk);
    bind_bytes(s, 2, sk);
    step_done(db_, s);
  }
  for (const auto& r : old_rows) erase_index_row(table_id, r, pk, sk);
}

store::totals store::table_totals(int table_id) {
  sqlite3_stmt* s = prepare("SELECT count(*), total(size) FROM " + tbl(table_id));
  stmt_use u{s};
  if (sqlite3_step(s) != SQLITE_ROW) return {};
  return {sqlite3_column_int64(s, 0), std::int64_t(sqlite3_column_double(s, 1))};
}

std::int64_t store::index_count(int table_id, int index_id) {
  sqlite3_stmt* s = prepare("SELECT count(*) FROM " + idx(table_id, index_id));
  stmt_use u{s};
  return sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
}

std::int64_t store::partition_bytes(int table_id, std::string_view pk) {
  sqlite3_stmt* s = prepare("SELECT total(size) FROM " + tbl(table_id) + " WHERE pk = ?1");
  stmt_use u{s};
  bind_bytes(s, 1, pk);
  return sqlite3_step(s) == SQLITE_ROW ? std::int64_t(sqlite3_column_double(s, 0)) : 0;
}

void store::query(int table_id, std::string_view pk, const range& sk, bool forward,
                  const std::optional<std::string>& after_sk, const row_fn& fn) {
  std::vector<std::string> args{std::string(pk)};
  std::string sql = "SELECT pk, sk, item, size FROM " + tbl(table_id) + " WHERE pk = ?1";
  range_sql(sk, "sk", sql, args);
  if (after_sk) {
    args.push_back(*after_sk);
    sql += std::string(" AND sk ") + (forward ? ">" : "<") + " ?" + std::to_string(args.size());
  }
  sql += forward ? " ORDER BY sk ASC" : " ORDER BY sk DESC";
  sqlite3_stmt* s = prepare(sql);
  stmt_use u{s};
  for (std::size_t i = 0; i < args.size(); ++i) bind_bytes(s, int(i + 1), args[i]);
  while (sqlite3_step(s) == SQLITE_ROW)
    if (!fn(column(s, 0), column(s, 1), column(s, 2), std::size_t(sqlite3_column_int64(s, 3)))) break;
}

void store::query_index(int table_id, int index_id, std::string_view ipk, const range& isk, bool forward,
                        const std::optional<index_pos>& after, const row_fn& fn) {
  std::vector<std::string> args{std::string(ipk)};
  std::string sql = "SELECT x.pk, x.sk, t.item, t.size FROM " + idx(table_id, index_id) + " x JOIN " + tbl(table_id) +
                    " t ON t.pk = x.pk AND t.sk = x.sk WHERE x.ipk = ?1";
  range_sql(isk, "x.isk", sql, args);
  if (after) {
    args.push_back(after->isk), args.push_back(after->pk), args.push_back(after->sk);
    std::size_t n = args.size();
    sql += std::string(" AND (x.isk, x.pk, x.sk) ") + (forward ? ">" : "<") + " (?" + std::to_string(n - 2) + ", ?" +
           std::to_string(n - 1) + ", ?" + std::to_string(n) + ")";
  }
  sql += forward ? " ORDER BY x.isk ASC, x.pk ASC, x.sk ASC" : " ORDER BY x.isk DESC, x.pk DESC, x.sk DESC";
  sqlite3_stmt* s = prepare(sql);
  stmt_use u{s};
  for (std::size_t i = 0; i < args.size(); ++i) bind_bytes(s, int(i + 1), args[i]);
  while (sqlite3_step(s) == SQLITE_ROW)
    if (!fn(column(s, 0), column(s, 1), column(s, 2), std::size_t(sqlite3_column_int64(s, 3)))) break;
}

void store::scan(int table_id, const std::optional<std::pair<std::string, std::string>>& after, const row_fn& fn) {
  std::string sql = "SELECT pk, sk, item, size FROM " + tbl(table_id) + (after ? " WHERE (pk, sk) > (?1, ?2)" : "") +
                    " ORDER BY pk, sk";
  sqlite3_stmt* s = prepare(sql);
  stmt_use u{s};
  if (after) bind_bytes(s, 1, after->first), bind_bytes(s, 2, after->second);
  while (sqlite3_step(s) == SQLITE_ROW)
    if (!fn(column(s, 0), column(s, 1), column(s, 2), std::size_t(sqlite3_column_int64(s, 3)))) break;
}

void store::scan_index(int table_id, int index_id, const std::optional<std::vector<std::string>>& after,
                       const row_fn& fn) {
  std::string sql = "SELECT x.pk, x.sk, t.item, t.size FROM " + idx(table_id, index_id) + " x JOIN " + tbl(table_id) +
                    " t ON t.pk = x.pk AND t.sk = x.sk" +
                    (after ? " WHERE (x.ipk, x.isk, x.pk, x.sk) > (?1, ?2, ?3, ?4)" : "") +
                    " ORDER BY x.ipk, x.isk, x.pk, x.sk";
  sqlite3_stmt* s = prepare(sql);
  stmt_use u{s};
  if (after)
    for (int i = 0; i < 4; ++i) bind_bytes(s, i + 1, (*after)[std::size_t(i)]);
  while (sqlite3_step(s) == SQLITE_ROW)
    if (!fn(column(s, 0), column(s, 1), column(s, 2), std::size_t(sqlite3_column_int64(s, 3)))) break;
}

// Prepared once, as every statement here: sqlite3_exec parsed them anew for each write (about a
// twentieth of an import's time).
void store::begin() {
  sqlite3_stmt* s = prepare("BEGIN IMMEDIATE");
  stmt_use u{s};
  step_done(db_, s);
}
void store::commit() {
  sqlite3_stmt* s = prepare("COMMIT");
  stmt_use u{s};
  step_done(db_, s);
}
void store::rollback() {
  char* err = nullptr;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &err);  // never throws: called from destructors
  sqlite3_free(err);
}

// ---- streams ----

std::vector<store::stream_entry> store::streams() {
  std::vector<stream_entry> out;
  sqlite3_stmt* s = prepare("SELECT id, meta FROM streams ORDER BY id");
  stmt_use u{s};
  while (sqlite3_step(s) == SQLITE_ROW) out.push_back({sqlite3_column_int(s, 0), std::string(column(s, 1))});
  return out;
}

int store::create_stream(const std::string& meta) {
  sqlite3_stmt* s = prepare("INSERT INTO streams(meta) VALUES(?1)");
  stmt_use u{s};
  sqlite3_bind_text(s, 1, meta.data(), int(meta.size()), SQLITE_TRANSIENT);
  step_done(db_, s);
  return int(sqlite3_last_insert_rowid(db_));
}

void store::set_stream_meta(int stream_id, const std::string& meta) {
  sqlite3_stmt* s = prepare("UPDATE streams SET meta = ?2 WHERE id = ?1");
  stmt_use u{s};
  sqlite3_bind_int(s, 1, stream_id);
  sqlite3_bind_text(s, 2, meta.data(), int(meta.size()), SQLITE_TRANSIENT);
  step_done(db_, s);
}

void store::drop_stream(int stream_id) {
  for (const char* sql : {"DELETE FROM stream_records WHERE stream = ?1", "DELETE FROM streams WHERE id = ?1"}) {
    sqlite3_stmt* s = prepare(sql);
    stmt_use u{s};
    sqlite3_bind_int(s, 1, stream_id);
    step_done(db_, s);
  }
}

void store::append_record(int stream_id, std::int64_t seq, std::int64_t created_ms, const std::string& trace_id,
                          std::uint64_t cause, const std::string& record) {
  {
    sqlite3_stmt* s = prepare(
        "INSERT INTO stream_records(stream, seq, created, trace, cause, record) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    stmt_use u{s};
    sqlite3_bind_int(s, 1, stream_id);
    sqlite3_bind_int64(s, 2, seq);
    sqlite3_bind_int64(s, 3, created_ms);
    sqlite3_bind_text(s, 4, trace_id.data(), int(trace_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, std::int64_t(cause));
    sqlite3_bind_text(s, 6, record.data(), int(record.size()), SQLITE_TRANSIENT);
    step_done(db_, s);
  }
  sqlite3_stmt* s = prepare("UPDATE stream_sequence SET seq = max(seq, ?1) WHERE id = 1");
  stmt_use u{s};
  sqlite3_bind_int64(s, 1, seq);
  step_done(db_, s);
}

void store::records(int stream_id, std::int64_t from, const record_fn& fn) {
  sqlite3_stmt* s = prepare(
      "SELECT seq, created, trace, cause, record FROM stream_records WHERE stream = ?1 AND seq >= ?2 ORDER BY seq");
  stmt_use u{s};
  sqlite3_bind_int(s, 1, stream_id);
  sqlite3_bind_int64(s, 2, from);
  while (sqlite3_step(s) == SQLITE_ROW)
    if (!fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), column(s, 2),
            std::uint64_t(sqlite3_column_int64(s, 3)), column(s, 4)))
      break;
}

std::int64_t store::trim_records(int stream_id, std::int64_t before_ms) {
  {
    // Most calls find nothing old: the oldest record answers that without a scan.
    sqlite3_stmt* s = prepare("SELECT created FROM stream_records WHERE stream = ?1 ORDER BY seq LIMIT 1");
    stmt_use u{s};
    sqlite3_bind_int(s, 1, stream_id);
    if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_int64(s, 0) >= before_ms) return 0;
  }
  std::int64_t last = 0;
  {
    sqlite3_stmt* s = prepare("SELECT max(seq) FROM stream_records WHERE stream = ?1 AND created < ?2");
    stmt_use u{s};
    sqlite3_bind_int(s, 1, stream_id);
    sqlite3_bind_int64(s, 2, before_ms);
    if (sqlite3_step(s) == SQLITE_ROW) last = sqlite3_column_int64(s, 0);
  }
  if (last == 0) return 0;
  sqlite3_stmt* s = prepare("DELETE FROM stream_records WHERE stream = ?1 AND seq <= ?2");
  stmt_use u{s};
  sqlite3_bind_int(s, 1, stream_id);
  sqlite3_bind_int64(s, 2, last);
  step_done(db_, s);
  return last;
}

std::int64_t store::last_sequence() {
  sqlite3_stmt* s = prepare("SELECT seq FROM stream_sequence WHERE id = 1");
  stmt_use u{s};
  return sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
}

std::int64_t store::last_record(int stream_id) {
  sqlite3_stmt* s = prepare("SELECT max(seq) FROM stream_records WHERE stream = ?1");
  stmt_use u{s};
  sqlite3_bind_int(s, 1, stream_id);
  return sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
}

std::optional<std::int64_t> store::checkpoint(const std::string& name) {
  sqlite3_stmt* s = prepare("SELECT seq FROM stream_checkpoints WHERE name = ?1");
  stmt_use u{s};
  sqlite3_bind_text(s, 1, name.data(), int(name.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_ROW) return std::nullopt;
  return sqlite3_column_int64(s, 0);
}

void store::set_checkpoint(const std::string& name, std::int64_t next_seq) {
  sqlite3_stmt* s =
      prepare("INSERT INTO stream_checkpoints(name, seq) VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET seq = ?2");
  stmt_use u{s};
  sqlite3_bind_text(s, 1, name.data(), int(name.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, next_seq);
  step_done(db_, s);
}

}  // namespace emu::dynamo
