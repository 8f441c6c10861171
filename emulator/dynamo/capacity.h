// Internal to the DynamoDB component: capacity units by DynamoDB's rules, split as
// ReturnConsumedCapacity INDEXES reports them — the table's own, and each global and local
// secondary index's. Reads are 4 KB units (halved when eventually consistent), writes 1 KB
// units of the larger of the old and new item; an index is written only when the item is, or
// was, in it and what it projects changed (two writes when its key changed); a transaction
// costs twice. The total, which TOTAL and /metrics report, is the sum of all of them.
#pragma once

#include <map>
#include <string>

#include "emulator/core/json.h"
#include "emulator/dynamo/service.h"

namespace emu::dynamo::detail {

struct capacity {
  double table = 0;
  std::map<std::string, double> global, local;  // by index name

  double total() const;
  capacity& operator+=(const capacity& o);
  capacity& operator*=(double f);
};

// An item read of `size` bytes (0: not found, which still costs the minimum).
double read_units(std::size_t size, bool consistent);
// Replacing `old_item` by `new_item` (either may be null) in the table and its indexes.
capacity write_capacity(const table_info& t, const json* old_item, const json* new_item);
// A read's units charged to the table, or to the index it read.
capacity read_capacity(const index_info* ix, double units);

// ConsumedCapacity for the request's ReturnConsumedCapacity: null for NONE; TOTAL has the table
// name and the total; INDEXES adds Table (unless only an index was read), GlobalSecondaryIndexes
// and LocalSecondaryIndexes.
json consumed(const std::string& table, const json& req, const capacity& c);
// The same for a mode already read from the request.
json consumed(const std::string& table, const std::string& mode, const capacity& c);
// One entry per table (batches, transactions).
json consumed_per_table(const json& req, const std::map<std::string, capacity>& by_table);

}  // namespace emu::dynamo::detail
