// One small SQL interface over the outbox store's two engines: SQLite (embedded, the default)
// and PostgreSQL through libpq (`--postgres URL`). Statements are written once with `$1, $2, …`
// placeholders (SQLite gets `?1, ?2, …`); every value travels as a bound text parameter, never
// spliced into SQL. Results come back as text (NULL as nullopt). Errors throw sql_error with the
// engine's message. One connection per object; not thread-safe (one relay thread per object).
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace emu::outbox {

struct sql_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using sql_value = std::optional<std::string>;
using sql_row = std::vector<sql_value>;

class sql_db {
 public:
  virtual ~sql_db() = default;
  std::vector<sql_row> exec(const std::string& sql, const std::vector<sql_value>& params = {}) {
    return run(sql, params);
  }
  virtual bool is_postgres() const = 0;
  // SQL text that reads timestamp column `col` as "2024-12-01T00:00:00.000Z", and that turns
  // parameter `p` (such text) into the engine's timestamp.
  virtual std::string ts_out(const std::string& col) const = 0;
  virtual std::string ts_in(const std::string& p) const = 0;

 protected:
  virtual std::vector<sql_row> run(const std::string& sql, const std::vector<sql_value>& params) = 0;
};

// `path` empty: an in-memory database.
std::unique_ptr<sql_db> open_sqlite(const std::string& path);
// A libpq connection string or URL (postgresql://user@127.0.0.1:5432/db). `schema` non-empty:
// every statement runs in that schema (created if missing), so several users can share one database.
std::unique_ptr<sql_db> open_postgres(const std::string& url, const std::string& schema = "");

}  // namespace emu::outbox
