// Attribute values as they travel: DynamoDB JSON (`{"S": "x"}`, `{"N": "1"}`, `{"M": {…}}`, …)
// held in emu::json. Items are validated and normalised once on the way in (numbers
// normalised, sets checked), so everything after that may assume well-formed values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/json.h"

namespace emu::dynamo {

// Documents nest at most this deep (AWS: 32 levels).
inline constexpr int max_document_depth = 32;
inline constexpr std::size_t max_item_bytes = 400 * 1024;
inline constexpr std::size_t max_attribute_name_bytes = 65535;
inline constexpr std::size_t max_transaction_bytes = 4 * 1024 * 1024;  // a transaction's items together

// The value's type tag: "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
const std::string& type_of(const json& av);

// DynamoDB checks request values in one of two layers, and the operation decides which, and so
// how a bad value is worded (AWS captures of 2026-10-09):
//   older      BatchWriteItem, TransactWriteItems, TransactGetItems, Scan: numbers read as
//              Java's BigDecimal, duplicate set members listed as sent, an expression value's
//              error wrapped in "ExpressionAttributeValues contains invalid value: … for key :k";
//   current    GetItem, BatchGetItem, Query: duplicates listed quoted in byte order, no wrapper;
//   enveloped  PutItem, UpdateItem, DeleteItem: the current layer inside the
//              "1 validation error detected: " envelope, as are some request checks.
enum class dialect : std::uint8_t { older, current, enveloped };

// Validates one attribute value and normalises it in place (numbers, number sets). Throws
// ValidationException / SerializationException, worded in `d`.
void normalise_value(json& av, int depth, dialect d);
// Every attribute of an item (a JSON object of attribute values).
void normalise_item(json& item, dialect d);

// DynamoDB's size accounting (names + values), used for the 400 KB limit and 1 MB pages.
std::size_t value_size(const json& av);
std::size_t item_size(const json& item);

// Deep equality (sets compare as sets; numbers numerically).
bool equal(const json& a, const json& b);
// Ordering for <, <=, >, >=, BETWEEN: only N, S and B, and only within one type.
std::optional<int> compare(const json& a, const json& b);

// Bytes whose memcmp order is the key order of a scalar key value (S, N or B).
std::string key_bytes(const json& av);

// Plain JSON ↔ attribute values, for scenarios and fixtures: strings, numbers, booleans, null,
// arrays (lists) and objects (maps).
json to_plain(const json& av);
json item_to_plain(const json& item);
// dump_lossy(item_to_plain(item)), with string attributes written without a document: the
// trace names every written item's key this way.
std::string item_to_plain_text(const json& item);
json from_plain(const json& v);
json item_from_plain(const json& v);

// The same conversion on text, without building documents (the Query Handler's read path):
// appends `item_to_plain(parse(av_item)).dump()` (numbers may keep their decimal form, e.g.
// 1E+5) leaving out the top-level attributes in `drop`. Throws std::invalid_argument on text
// that is not an attribute-value item.
void append_plain_item(std::string& out, std::string_view av_item, std::initializer_list<std::string_view> drop = {});

// The top-level attributes of an attribute-value item's text that `names` lists, as a document
// of just those (a key, read from a stored item without parsing all of it). Throws
// std::invalid_argument on text that is not an object.
json pick_attributes(std::string_view av_item, const std::vector<std::string>& names);

// A Query, Scan or GetItem answer's text (query_wire, scan_wire, get_item_wire) split without a
// document: the text of each item (GetItem: its one Item, if any) and of LastEvaluatedKey
// (empty when absent).
struct page_text_parts {
  std::vector<std::string_view> items;
  std::string_view last_evaluated_key;
};
page_text_parts split_page_text(std::string_view answer);

}  // namespace emu::dynamo
