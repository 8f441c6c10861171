// DynamoDB: tables, items, queries, batches, transactions and TTL over the SQLite store, as the
// JSON 1.0 API sees them (request JSON in, response JSON out, aws_error thrown). The wire layer
// (edge) only routes; the scenario runner and built-in functions call the same methods.
//
// Requests are validated in AWS's order — shape first, then the table, then the item — and
// every item is normalised before anything is written. Each write runs in one SQLite
// transaction; TransactWriteItems checks every condition before it writes anything.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/error.h"
#include "emulator/core/histogram.h"
#include "emulator/core/json.h"
#include "emulator/core/runtime.h"
#include "emulator/dynamo/expr.h"
#include "emulator/dynamo/store.h"
#include "emulator/dynamo/streams.h"

namespace emu::dynamo {

struct key_def {
  std::string name;
  std::string type;  // "S", "N" or "B"
};

struct index_info {
  std::string name;
  bool global = true;
  key_def hash;
  std::optional<key_def> range;
  std::string projection = "ALL";  // ALL, KEYS_ONLY, INCLUDE
  std::vector<std::string> non_key;
  int id = 0;       // the store's index table number
  json throughput;  // ProvisionedThroughput as given (GSIs)
};

struct table_info {
  int id = 0;
  std::string name;
  key_def hash;
  std::optional<key_def> range;
  std::vector<index_info> indexes;
  json attribute_definitions = json::array();
  std::string billing_mode = "PAY_PER_REQUEST";
  json throughput;                 // ProvisionedThroughput as given
  double created = 0;              // epoch seconds
  std::string table_id;            // TableId (a UUID)
  std::optional<std::string> ttl;  // TTL attribute when enabled
  json tags = json::array();       // [{Key, Value}]
  json stream;                     // StreamSpecification {StreamEnabled, StreamViewType} while enabled, or null
  int stream_id = 0;               // the latest stream (stream_log), 0 if it never had one
  bool deletion_protection = false;
  int next_index_id = 1;

  const index_info* index(const std::string& name) const;
  json to_meta() const;
  static table_info from_meta(int id, const std::string& name, const json& meta);
};

class service {
 public:
  // `data_dir` empty: in memory; otherwise `<data_dir>/dynamodb.sqlite3`.
  service(runtime& rt, std::string account, std::string region, const std::string& data_dir = "");
  ~service();

  // ---- DynamoDB API ----
  json create_table(json req);
  json describe_table(json req);
  json list_tables(json req);
  json delete_table(json req);
  json update_table(json req);
  json put_item(json req);
  json get_item(json req);
  json update_item(json req);
  json delete_item(json req);
  json query(json req);
  json scan(json req);
  json batch_get_item(json req);
  json batch_write_item(json req);
  json transact_write_items(json req);
  json transact_get_items(json req);
  json update_time_to_live(json req);
  json describe_time_to_live(json req);
  json tag_resource(json req);
  json untag_resource(json req);
  json list_tags_of_resource(json req);
  json describe_endpoints(json req);
  json describe_limits(json req);
  // The same reads answering JSON text for the wire: items that need no filter or projection
  // are copied as stored, never parsed (Query and Scan pages, GetItem).
  std::string query_wire(json req);
  std::string scan_wire(json req);
  std::string get_item_wire(json req);

  // ---- for scenarios, fixtures, functions and /_emu ----
  bool has_table(const std::string& name) const { return tables_.count(name) > 0; }
  // DynamoDB Streams: the tables' change records and the Streams API (streams.h).
  stream_log& streams() { return streams_; }
  // The ARN of the table's enabled stream, or "" when it has none.
  std::string stream_arn(const std::string& table) const;
  // What /metrics says of each (table, operation): calls, errors, durations. The table is "-"
  // for an operation on several tables or on none that exists.
  using operation_stats = std::map<std::string, std::map<std::string, call_stats, std::less<>>, std::less<>>;
  const operation_stats& operation_metrics() const { return op_stats_; }  // table → operation → stats
  // Capacity units consumed, table → operation → units, by DynamoDB's rules: reads in 4 KB units
  // (halved when eventually consistent), writes in 1 KB units, transactions twice that; a batch
  // is charged to each of its tables. Counted whether or not ReturnConsumedCapacity asked.
  using capacity_stats = std::map<std::string, std::map<std::string, double, std::less<>>, std::less<>>;
  const capacity_stats& capacity_metrics() const { return capacity_; }
  // Counts an operation from construction to destruction (an error if it ends by throwing).
  class op_timer {
   public:
    op_timer(service& s, const char* op_name, const json& req);
    ~op_timer();
    op_timer(const op_timer&) = delete;
    op_timer& operator=(const op_timer&) = delete;

   private:
    service& s_;
    call_stats& stats_;
    std::int64_t started_;
    int uncaught_;
  };
  std::vector<std::string> table_names() const;
  // Deletes expired TTL items now; returns how many. A sweep is scheduled for the moment the
  // next item expires, so expiry happens on time in virtual time and costs nothing otherwise.
  std::size_t sweep_ttl();
  std::string table_arn(const std::string& name) const;

  // The parts of an item operation shared by the single-item calls and transactions.
  struct write_plan;
  // One page of a Query or Scan (read.cc).
  struct page;
  // Records a Query or Scan page in the trace (after the page is read).
  void trace_read(const char* kind, const page& pg, const index_info* ix);

 private:
  table_info& table(const std::string& name);
  const table_info& table_for_arn(const std::string& arn);
  void save_meta(const table_info& t);
  std::vector<index_row> index_rows(const table_info& t, const json& item) const;
  std::optional<json> load(const table_info& t, const std::string& pk, const std::string& sk);
  // Writes (or deletes, when `new_item` is null) and appends the stream record; `ttl`: a
  // deletion by Time to Live.
  void write(const table_info& t, const std::string& pk, const std::string& sk, const json* old_item,
             const json* new_item, bool ttl = false);
  // When `item` expires under the table's TTL, in epoch ms; nullopt if it never does.
  std::optional<std::int64_t> expiry_ms(const table_info& t, const json& item) const;
  void expire_at(std::int64_t ms);  // a sweep no later than `ms`
  void schedule_next_expiry();      // finds the earliest expiry of all TTL tables
  json describe(const table_info& t);
  void run_single(write_plan& p, const std::string& table, const char* trace_kind);
  // ItemCollectionMetrics for a write to `key` (its table key attributes), when the request asks
  // for SIZE and the table has item collections (a local secondary index); null otherwise.
  json collection_metrics(const table_info& t, const json& req, const json& key, const std::string& pk);
  page query_page(json& req, bool raw);
  // GetItem's validation and lookup: the stored text, the projection, the table.
  std::optional<std::string> get_text(json& req, std::vector<doc_path>& proj, const table_info*& t,
                                      std::size_t* size = nullptr);
  void consume(const std::string& table, std::string_view op_name, double units);
  page scan_page(json& req, bool raw);

  runtime& rt_;
  std::string account_, region_;
  store store_;
  stream_log streams_;
  std::map<std::string, table_info> tables_;
  operation_stats op_stats_;
  capacity_stats capacity_;
  call_stats& stats_for(const char* op_name, const json& req);
  std::optional<std::pair<std::int64_t, std::uint64_t>> ttl_task_;  // (due ms, scheduler task id)
  // ClientRequestToken → (request fingerprint, expiry ms, response) for idempotent transactions.
  struct token_entry {
    std::string fingerprint;
    std::int64_t expires_ms;
    json response;
  };
  std::map<std::string, token_entry> tokens_;
};

// Operation name → member; describe_api (api.h) wraps them for every caller.
using operation = json (service::*)(json);
const std::map<std::string, operation>& operations();

}  // namespace emu::dynamo
