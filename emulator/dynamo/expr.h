// DynamoDB's expression languages — condition, filter, key condition, projection and update —
// parsed by hand (recursive descent), resolved against ExpressionAttributeNames/Values while
// parsing, then evaluated against items. Grammar (keywords case-insensitive, functions not):
//
//   condition  := disjunct ( OR disjunct )*
//   disjunct   := conjunct ( AND conjunct )*
//   conjunct   := NOT conjunct | '(' condition ')' | predicate
//   predicate  := function '(' operand ( ',' operand )* ')'      -- attribute_exists, begins_with, …
//               | operand comparator operand                     -- = <> < <= > >=
//               | operand BETWEEN operand AND operand
//               | operand IN '(' operand ( ',' operand )* ')'
//   operand    := path | ':value' | size '(' path ')'
//   path       := name ( '.' name | '[' digits ']' )*           -- name is an identifier or '#name'
//   projection := path ( ',' path )*
//   update     := ( SET set ( ',' set )* | REMOVE path ( ',' path )*
//                 | ADD path ':value' ( ',' … )* | DELETE path ':value' ( ',' … )* )+
//   set        := path '=' value ( ( '+' | '-' ) value )?
//   value      := operand | if_not_exists '(' path ',' value ')' | list_append '(' value ',' value ')'
//
// Limits as AWS: 4 KB of text, 300 operators, 100 IN operands; nesting is bounded so no input
// can exhaust the stack. Messages follow AWS: "Invalid ConditionExpression: Syntax error; …".
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/json.h"

namespace emu::dynamo {

struct path_step {
  std::string name;  // for a map key
  long index = -1;   // ≥ 0 for a list element
};
using doc_path = std::vector<path_step>;
std::string to_string(const doc_path& p);  // "a.b[2]", for messages

struct expr_node {
  enum class kind : std::uint8_t {
    path,
    value,
    size,
    if_not_exists,
    list_append,
    plus,
    minus,  // operands
    compare,
    between,
    in,
    and_,
    or_,
    not_,  // conditions
    attribute_exists,
    attribute_not_exists,
    attribute_type,
    begins_with,
    contains,  // functions
  };
  kind k = kind::value;
  std::string op;               // the comparator for `compare`
  doc_path path;                // for `path`
  const json* value = nullptr;  // for `value`: the resolved ExpressionAttributeValues entry
  std::vector<expr_node> kids;
  bool grouped = false;  // written in parentheses (a second pair around it is redundant)
};

// Resolution state shared by all expressions of one request, so that unused names and values
// can be reported afterwards, as AWS does.
struct expr_scope {
  const json* names = nullptr;   // ExpressionAttributeNames (object) or null
  const json* values = nullptr;  // ExpressionAttributeValues (object, already normalised) or null
  std::set<std::string> used_names, used_values;
  // Throws ValidationException for names or values no expression used.
  void check_all_used() const;
};

struct update_action {
  enum class kind : std::uint8_t { set, remove, add, del } k;
  doc_path path;
  expr_node value;  // SET's value; ADD/DELETE's :value; unused for REMOVE
};

// `which` names the request member in messages: "ConditionExpression", "FilterExpression", …
expr_node parse_condition(std::string_view text, const char* which, expr_scope& scope);
std::vector<doc_path> parse_projection(std::string_view text, expr_scope& scope);
std::vector<update_action> parse_update(std::string_view text, expr_scope& scope);

// --- evaluation (eval.cc); `item` is a map of attribute values, empty when there is no item ---

// The value at `p`, or null.
const json* find_path(const json& item, const doc_path& p);
bool evaluate(const expr_node& condition, const json& item);
// A copy of `item` with only the given paths.
json project(const json& item, const std::vector<doc_path>& paths);
// The updated item. Throws ValidationException for operand type errors and invalid paths.
json apply_update(const json& item, const std::vector<update_action>& actions);

}  // namespace emu::dynamo
