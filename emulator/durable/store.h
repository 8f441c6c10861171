// The state that services other than DynamoDB and the outbox keep under `serve --data-dir`:
// SQS queues and messages, EventBridge buses, rules and archives. One SQLite file of
// (namespace, key) → value rows, written in write-ahead mode.
//
// Services stage their changes as they make them (put/erase) and the composition root commits
// them in one transaction at the end of every unit of work — before the answer to the request
// that made them is sent. So what a client was told succeeded is on disk (in the WAL, durable
// across a crash of the process, `kill -9` included), and a crash loses only work nobody was
// told about. Keys sort as bytes; a scan returns a namespace in key order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace emu::durable {

// A key that sorts as the number does (20 digits, zero-padded): for rows kept in arrival order.
std::string number_key(std::uint64_t n);

class store {
 public:
  // Opens (creating if needed) the file at `path`; throws std::runtime_error naming it.
  explicit store(const std::string& path);
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // Staged until commit(), applied in the order given.
  void put(std::string ns, std::string key, std::string value);
  void erase(std::string ns, std::string key);
  void erase_namespace(std::string ns);
  // Writes every staged change in one transaction; throws std::runtime_error (nothing written)
  // if the disk refuses.
  void commit();

  // Committed rows of a namespace, in key order.
  std::vector<std::pair<std::string, std::string>> scan(std::string_view ns);

 private:
  struct change {
    std::string ns, key;
    std::optional<std::string> value;  // a put; none: an erase of the key (or of all of ns)
    bool whole_namespace = false;
  };
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);

  sqlite3* db_ = nullptr;
  sqlite3_stmt *put_ = nullptr, *erase_ = nullptr, *erase_ns_ = nullptr;
  std::vector<change> staged_;
  std::string path_;
};

}  // namespace emu::durable
