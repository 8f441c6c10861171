// The DynamoDB store on SQLite (research/dynamodb.md §1.1, §5). One SQLite table per DynamoDB
// table and one per secondary index, named by number — never by the DynamoDB name, which is
// case-sensitive where SQLite identifiers are not — with the names in a catalog:
//
//   catalog(id INTEGER PRIMARY KEY, name TEXT UNIQUE (BINARY collation), meta TEXT)
//   t<id>(pk BLOB, sk BLOB, item TEXT, size INTEGER, PRIMARY KEY(pk, sk)) WITHOUT ROWID
//   t<id>_x<n>(ipk BLOB, isk BLOB, pk BLOB, sk BLOB, PRIMARY KEY(ipk, isk, pk, sk)) WITHOUT ROWID
//
// Keys are stored in the order-preserving encoding of value.h (memcmp = DynamoDB's order); a
// table without a sort key stores an empty sk. An index row exists only for items that have
// the index's key attributes, so indexes are sparse for free. Items are DynamoDB JSON text, with
// their DynamoDB size (for the 1 MB page rule) beside them so reads need not parse to count.
// In memory by default; with a path, WAL mode and synchronous=FULL, so an acknowledged write
// survives a crash. The store knows nothing of DynamoDB's API; it is rows and ranges.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace emu::dynamo {

// One end of a key range: the bound's bytes and whether it is inclusive. No value = unbounded.
struct bound {
  std::string bytes;
  bool inclusive = true;
};

struct range {
  std::optional<bound> lo, hi;
};

struct index_row {
  int index_id;
  std::string ipk, isk;
};

class store {
 public:
  // `path` empty: an in-memory database.
  explicit store(const std::string& path = "");
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // --- catalog ---
  struct table_entry {
    int id;
    std::string name;
    std::string meta;
  };
  std::vector<table_entry> tables();
  int create_table(const std::string& name, const std::string& meta);
  void set_meta(int table_id, const std::string& meta);
  void drop_table(int table_id, const std::vector<int>& index_ids);
  void create_index(int table_id, int index_id);
  void drop_index(int table_id, int index_id);

  // --- items ---
  // The item's text; its size (DynamoDB's accounting) in `size` when given.
  std::optional<std::string> get(int table_id, std::string_view pk, std::string_view sk, std::size_t* size = nullptr);
  // Writes the item and replaces its index rows (old ones are those of `old_rows`).
  void put(int table_id, std::string_view pk, std::string_view sk, const std::string& item, std::size_t size,
           const std::vector<index_row>& old_rows, const std::vector<index_row>& new_rows);
  void erase(int table_id, std::string_view pk, std::string_view sk, const std::vector<index_row>& old_rows);
  // A table's item count and the bytes of its items (DynamoDB's accounting).
  struct totals {
    std::int64_t items = 0, bytes = 0;
  };
  totals table_totals(int table_id);
  std::int64_t index_count(int table_id, int index_id);
  // The bytes of one partition's items (an item collection's size, less its index entries).
  std::int64_t partition_bytes(int table_id, std::string_view pk);

  // Rows of one partition in sort-key order; `after` (sk) resumes past a previous page. The
  // callback returns false to stop.
  using row_fn = std::function<bool(std::string_view pk, std::string_view sk, std::string_view item, std::size_t size)>;
  void query(int table_id, std::string_view pk, const range& sk, bool forward,
             const std::optional<std::string>& after_sk, const row_fn& fn);
  // The same over an index: rows in (isk, pk, sk) order; `after` is (isk, pk, sk).
  struct index_pos {
    std::string isk, pk, sk;
  };
  void query_index(int table_id, int index_id, std::string_view ipk, const range& isk, bool forward,
                   const std::optional<index_pos>& after, const row_fn& fn);
  // Every row in (pk, sk) order, resuming past `after`.
  void scan(int table_id, const std::optional<std::pair<std::string, std::string>>& after, const row_fn& fn);
  // Every index row in (ipk, isk, pk, sk) order, resuming past `after` = (ipk, isk, pk, sk).
  void scan_index(int table_id, int index_id, const std::optional<std::vector<std::string>>& after, const row_fn& fn);

  // --- streams (DynamoDB Streams: one shard per stream, records in sequence order) ---
  // A stream's description is JSON the store does not read; records are numbered by `seq`,
  // one sequence for the whole store, and carry the trace id and cause of the write that made them.
  struct stream_entry {
    int id;
    std::string meta;
  };
  std::vector<stream_entry> streams();
  int create_stream(const std::string& meta);
  void set_stream_meta(int stream_id, const std::string& meta);
  void drop_stream(int stream_id);
  void append_record(int stream_id, std::int64_t seq, std::int64_t created_ms, const std::string& trace_id,
                     std::uint64_t cause, const std::string& record);
  // Records with seq >= from, in order; the callback returns false to stop.
  using record_fn = std::function<bool(std::int64_t seq, std::int64_t created_ms, std::string_view trace_id,
                                       std::uint64_t cause, std::string_view record)>;
  void records(int stream_id, std::int64_t from, const record_fn& fn);
  // Deletes the records made before `before_ms`; returns the highest seq deleted (0: none).
  std::int64_t trim_records(int stream_id, std::int64_t before_ms);
  std::int64_t last_sequence();             // the highest seq ever appended (0: none)
  std::int64_t last_record(int stream_id);  // the stream's newest record's seq (0: none kept)
  // Where each event source mapping has read up to (the next seq it will read), by its name.
  std::optional<std::int64_t> checkpoint(const std::string& name);
  void set_checkpoint(const std::string& name, std::int64_t next_seq);

  // A transaction around several writes; nested use is a programming error.
  void begin();
  void commit();
  void rollback();

 private:
  sqlite3_stmt* prepare(const std::string& sql);
  void exec(const std::string& sql);
  void erase_index_row(int table_id, const index_row& r, std::string_view pk, std::string_view sk);

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> stmts_;
};

// Commits on commit(), rolls back when destroyed without it (an exception on the way out).
class store_txn {
 public:
  explicit store_txn(store& s) : s_(s) { s_.begin(); }
  ~store_txn() {
    if (!done_) s_.rollback();
  }
  void commit() {
    s_.commit();
    done_ = true;
  }

 private:
  store& s_;
  bool done_ = false;
};

}  // namespace emu::dynamo
