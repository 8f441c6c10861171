#include "emulator/dynamo/expr.h"

#include <algorithm>
#include <cctype>

#include "emulator/core/error.h"
#include "emulator/dynamo/value.h"

namespace emu::dynamo {
namespace {

constexpr std::size_t max_expression_bytes = 4096;
constexpr int max_operators = 300;
constexpr std::size_t max_in_operands = 100;
constexpr int max_nesting = 100;

const char* const reserved_words[] = {
#include "emulator/dynamo/reserved_words.inc"
};

bool is_reserved(std::string_view word) {
  std::string up(word);
  for (char& c : up) c = char(std::toupper((unsigned char)c));
  return std::binary_search(std::begin(reserved_words), std::end(reserved_words), up,
                            [](const auto& a, const auto& b) { return std::string_view(a) < std::string_view(b); });
}

struct token {
  enum class type : std::uint8_t { end, ident, name_ref, value_ref, number, punct } t = type::end;
  std::string_view text;
  std::size_t at = 0;
};

class parser {
 public:
  parser(std::string_view src, const char* which, expr_scope& scope) : src_(src), which_(which), scope_(scope) {
    if (src.size() > max_expression_bytes)
      // AWS gives the size for every expression but an UpdateExpression.
      fail(std::string_view(which) == "UpdateExpression"
               ? std::string("Expression size has exceeded the maximum allowed size;")
               : "Expression size has exceeded the maximum allowed size; expression size: " +
                     std::to_string(src.size()));
    tokenize();
    if (toks_.size() == 1) fail("The expression can not be empty;");
  }

  expr_node condition() {
    expr_node n = disjunct();
    while (keyword("OR")) {
      count_operator();
      expr_node r = disjunct();
      n = binary(expr_node::kind::or_, std::move(n), std::move(r));
    }
    return n;
  }

  std::vector<doc_path> projection() {
    std::vector<doc_path> out;
    do out.push_back(path());
    while (punct(","));
    expect_end();
    check_overlaps(out);
    return out;
  }

  std::vector<update_action> update() {
    std::vector<update_action> out;
    std::set<std::string> sections;
    while (peek().t != token::type::end) {
      const token& t = peek();
      std::string sec = upper(t.text);
      if (t.t != token::type::ident || (sec != "SET" && sec != "REMOVE" && sec != "ADD" && sec != "DELETE")) syntax(t);
      next();
      if (!sections.insert(sec).second)
        fail("The \"" + sec + "\" section can only be used once in an update expression;");
      do {
        update_action a{sec == "SET"      ? update_action::kind::set
                        : sec == "REMOVE" ? update_action::kind::remove
                        : sec == "ADD"    ? update_action::kind::add
                                          : update_action::kind::del,
                        path(),
                        {}};
        if (a.k == update_action::kind::set) {
          if (!punct("=")) syntax(peek());
          a.value = set_value();
        } else if (a.k != update_action::kind::remove) {
          a.value = operand();
          if (a.value.k != expr_node::kind::value) syntax(peek());
        }
        out.push_back(std::move(a));
      } while (punct(","));
    }
    std::vector<doc_path> paths;
    for (const auto& a : out) paths.push_back(a.path);
    check_overlaps(paths);
    return out;
  }

  void expect_end() {
    if (peek().t != token::type::end) syntax(peek());
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    throw aws_error::validation("Invalid " + std::string(which_) + ": " + msg);
  }

  [[noreturn]] void syntax(const token& t) const {
    // AWS quotes the offending token and the text around it.
    std::size_t i = std::size_t(&t - toks_.data());
    std::size_t from = i > 0 ? toks_[i - 1].at : t.at;
    std::size_t to = i + 1 < toks_.size() ? toks_[i + 1].at + toks_[i + 1].text.size() : t.at + t.text.size();
    std::string tok = t.t == token::type::end ? "<EOF>" : std::string(t.text);
    fail("Syntax error; token: \"" + tok + "\", near: \"" + std::string(src_.substr(from, to - from)) + "\"");
  }

  void tokenize() {
    std::size_t i = 0;
    auto word = [&](std::size_t j) {
      while (j < src_.size() && (std::isalnum((unsigned char)src_[j]) || src_[j] == '_')) ++j;
      return j;
    };
    while (i < src_.size()) {
      char c = src_[i];
      if (std::isspace((unsigned char)c)) {
        ++i;
        continue;
      }
      token t;
      t.at = i;
      std::size_t j = i + 1;
      if (c == '#' || c == ':') {
        j = word(i + 1);
        t.t = c == '#' ? token::type::name_ref : token::type::value_ref;
        if (j == i + 1) {
          t.t = token::type::punct;
          t.text = src_.substr(i, 1);
          toks_.push_back(t);
          syntax(toks_.back());
        }
      } else if (std::isalpha((unsigned char)c) || c == '_') {
        j = word(i);
        t.t = token::type::ident;
      } else if (std::isdigit((unsigned char)c)) {
        while (j < src_.size() && std::isdigit((unsigned char)src_[j])) ++j;
        t.t = token::type::number;
      } else if ((c == '<' && i + 1 < src_.size() && (src_[i + 1] == '>' || src_[i + 1] == '=')) ||
                 (c == '>' && i + 1 < src_.size() && src_[i + 1] == '=')) {
        j = i + 2;
        t.t = token::type::punct;
      } else if (std::string_view("()[],.=<>+-").find(c) != std::string_view::npos) {
        t.t = token::type::punct;
      } else {
        t.t = token::type::punct;
        // A whole UTF-8 sequence counts as one token in the message.
        while (j < src_.size() && (src_[j] & 0xC0) == 0x80) ++j;
        t.text = src_.substr(i, j - i);
        toks_.push_back(t);
        syntax(toks_.back());
      }
      t.text = src_.substr(i, j - i);
      toks_.push_back(t);
      i = j;
    }
    token end;
    end.at = src_.size();
    toks_.push_back(end);
  }

  const token& peek(std::size_t ahead = 0) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  const token& next() { return toks_[std::min(pos_++, toks_.size() - 1)]; }
  static std::string upper(std::string_view s) {
    std::string u(s);
    for (char& c : u) c = char(std::toupper((unsigned char)c));
    return u;
  }
  bool keyword(const char* kw) {
    if (peek().t == token::type::ident && upper(peek().text) == kw) return ++pos_, true;
    return false;
  }
  bool punct(std::string_view p) {
    if (peek().t == token::type::punct && peek().text == p) return ++pos_, true;
    return false;
  }
  void count_operator() {
    if (++operators_ > max_operators)
      fail("The expression contains too many operators; operator count: " + std::to_string(operators_));
  }
  struct depth_guard {
    parser& p;
    explicit depth_guard(parser& pp) : p(pp) {
      if (++p.depth_ > max_nesting)
        p.fail("The expression has too many nested levels; nesting limit: " + std::to_string(max_nesting));
    }
    ~depth_guard() { --p.depth_; }
  };

  static expr_node binary(expr_node::kind k, expr_node a, expr_node b) {
    expr_node n;
    n.k = k;
    n.kids.push_back(std::move(a));
    n.kids.push_back(std::move(b));
    return n;
  }

  expr_node disjunct() {
    expr_node n = conjunct();
    while (keyword("AND")) {
      count_operator();
      expr_node r = conjunct();
      n = binary(expr_node::kind::and_, std::move(n), std::move(r));
    }
    return n;
  }

  expr_node conjunct() {
    depth_guard g(*this);
    if (keyword("NOT")) {
      count_operator();
      expr_node n;
      n.k = expr_node::kind::not_;
      n.kids.push_back(conjunct());
      return n;
    }
    if (punct("(")) {
      expr_node n = condition();
      if (!punct(")")) syntax(peek());
      if (n.grouped) fail("The expression has redundant parentheses;");
      n.grouped = true;
      return n;
    }
    return predicate();
  }

  // `a = a`, contains(#a, #a): DynamoDB refuses a first operand that is also another one.
  void distinct_first(std::string_view op, const expr_node& n) const {
    if (n.kids.empty() || n.kids[0].k != expr_node::kind::path) return;
    for (std::size_t i = 1; i < n.kids.size(); ++i) {
      const expr_node& o = n.kids[i];
      if (o.k != expr_node::kind::path || o.path.size() != n.kids[0].path.size()) continue;
      bool same = true;
      for (std::size_t j = 0; j < o.path.size() && same; ++j)
        same = o.path[j].name == n.kids[0].path[j].name && o.path[j].index == n.kids[0].path[j].index;
      if (!same) continue;
      std::string shown;
      for (const auto& step : o.path)
        shown += (shown.empty() ? "" : ", ") + (step.index >= 0 ? "[" + std::to_string(step.index) + "]" : step.name);
      fail(
          "The first operand must be distinct from the remaining operands for this operator or function; "
          "operator: " +
          std::string(op) + ", first operand: [" + shown + "]");
    }
  }

  // Function names of the condition language and what they are.
  static bool function_kind(std::string_view name, expr_node::kind& k) {
    static const std::pair<const char*, expr_node::kind> fns[] = {
        {"attribute_exists", expr_node::kind::attribute_exists},
        {"attribute_not_exists", expr_node::kind::attribute_not_exists},
        {"attribute_type", expr_node::kind::attribute_type},
        {"begins_with", expr_node::kind::begins_with},
        {"contains", expr_node::kind::contains},
        {"size", expr_node::kind::size},
        {"if_not_exists", expr_node::kind::if_not_exists},
        {"list_append", expr_node::kind::list_append},
    };
    for (const auto& [n, kk] : fns)
      if (name == n) return k = kk, true;
    return false;
  }

  bool at_function() const {
    return peek().t == token::type::ident && peek(1).t == token::type::punct && peek(1).text == "(";
  }

  std::vector<expr_node> arguments(bool in_update) {
    std::vector<expr_node> args;
    if (!punct("(")) syntax(peek());
    do args.push_back(in_update ? set_operand() : operand());
    while (punct(","));
    if (!punct(")")) syntax(peek());
    return args;
  }

  // The function call at the current token, once the caller has allowed `k` here.
  expr_node call(std::string_view fname, expr_node::kind k, bool in_update, std::size_t operands) {
    next();
    count_operator();
    expr_node n;
    n.k = k;
    n.kids = arguments(in_update);
    arity(fname, n.kids, operands);
    return n;
  }

  // The function name at the current token; "Invalid function name" for an unknown one.
  expr_node::kind function_at(std::string_view fname) const {
    expr_node::kind k;
    if (!function_kind(fname, k)) fail("Invalid function name; function: " + std::string(fname));
    return k;
  }

  expr_node path_or_value() {
    if (peek().t == token::type::value_ref) return value_ref();
    expr_node n;
    n.k = expr_node::kind::path;
    n.path = path();
    return n;
  }

  void arity(std::string_view fname, const std::vector<expr_node>& args, std::size_t want) const {
    if (args.size() != want)
      fail("Incorrect number of operands for operator or function; operator or function: " + std::string(fname) +
           ", number of operands: " + std::to_string(args.size()));
  }

  // BETWEEN's bounds given as values must be of one type and in order (DynamoDB's wording).
  void check_bounds(const expr_node& lo, const expr_node& hi) const {
    if (lo.k != expr_node::kind::value || hi.k != expr_node::kind::value || !lo.value || !hi.value) return;
    auto shown = [](const json& v) {
      const json& x = v.begin().value();
      return "AttributeValue: {" + type_of(v) + ":" + (x.is_string() ? x.get<std::string>() : x.dump()) + "}";
    };
    std::string both = "; lower bound operand: " + shown(*lo.value) + ", upper bound operand: " + shown(*hi.value);
    if (type_of(*lo.value) != type_of(*hi.value))
      fail("The BETWEEN operator requires same data type for lower and upper bounds" + both);
    if (auto c = compare(*lo.value, *hi.value); c && *c > 0)
      fail("The BETWEEN operator requires upper bound to be greater than or equal to lower bound" + both);
  }

  void want_path(std::string_view fname, const expr_node& arg) const {
    if (arg.k != expr_node::kind::path)
      fail("Operator or function requires a document path; operator or function: " + std::string(fname));
  }

  expr_node predicate() {
    if (at_function()) {
      std::string_view fname = peek().text;
      expr_node::kind k = function_at(fname);
      if (k == expr_node::kind::if_not_exists || k == expr_node::kind::list_append)
        fail("The function is not allowed in a condition expression; function: " + std::string(fname));
      if (k != expr_node::kind::size) {
        expr_node n =
            call(fname, k, false,
                 k == expr_node::kind::attribute_exists || k == expr_node::kind::attribute_not_exists ? 1 : 2);
        if (k != expr_node::kind::contains && k != expr_node::kind::begins_with) want_path(fname, n.kids[0]);
        if (k == expr_node::kind::contains || k == expr_node::kind::begins_with) distinct_first(fname, n);
        // A prefix is a string or binary: another type given as a value is refused before any item is read.
        if (k == expr_node::kind::begins_with)
          for (const expr_node& arg : n.kids)
            if (arg.k == expr_node::kind::value && arg.value && type_of(*arg.value) != "S" &&
                type_of(*arg.value) != "B")
              fail(
                  "Incorrect operand type for operator or function; operator or function: begins_with, operand "
                  "type: " +
                  type_of(*arg.value));
        if (k == expr_node::kind::attribute_type) {
          const json* t = n.kids[1].value;
          static const std::set<std::string> types = {"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"};
          if (!t || type_of(*t) != "S" || !types.count((*t)["S"].get<std::string>()))
            fail("Invalid attribute type name found; type: " +
                 (t && type_of(*t) == "S" ? (*t)["S"].get<std::string>() : std::string("?")) +
                 ", valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }");
        }
        return n;
      }
    }
    expr_node left = operand();
    const token& t = peek();
    if (t.t == token::type::punct &&
        (t.text == "=" || t.text == "<>" || t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">=")) {
      next();
      count_operator();
      expr_node n = binary(expr_node::kind::compare, std::move(left), operand());
      n.op = std::string(t.text);
      distinct_first(n.op, n);
      return n;
    }
    if (keyword("BETWEEN")) {
      count_operator();
      expr_node n;
      n.k = expr_node::kind::between;
      n.kids.push_back(std::move(left));
      n.kids.push_back(operand());
      if (!keyword("AND")) syntax(peek());
      n.kids.push_back(operand());
      check_bounds(n.kids[1], n.kids[2]);
      return n;
    }
    if (keyword("IN")) {
      count_operator();
      expr_node n;
      n.k = expr_node::kind::in;
      n.kids.push_back(std::move(left));
      if (!punct("(")) syntax(peek());
      do n.kids.push_back(operand());
      while (punct(","));
      if (!punct(")")) syntax(peek());
      if (n.kids.size() - 1 > max_in_operands)
        fail("The expression contains too many operands for IN; operand count: " + std::to_string(n.kids.size() - 1));
      return n;
    }
    syntax(peek());
  }

  expr_node operand() {
    if (at_function()) {
      std::string_view fname = peek().text;
      expr_node::kind k = function_at(fname);
      if (k != expr_node::kind::size)
        fail("The function is not allowed to be used this way in an expression; function: " + std::string(fname));
      expr_node n = call(fname, k, false, 1);
      want_path(fname, n.kids[0]);
      return n;
    }
    return path_or_value();
  }

  // Operands of SET: paths, values, if_not_exists and list_append (no size, no comparisons).
  expr_node set_operand() {
    depth_guard g(*this);
    if (at_function()) {
      std::string_view fname = peek().text;
      expr_node::kind k = function_at(fname);
      if (k != expr_node::kind::if_not_exists && k != expr_node::kind::list_append)
        fail("The function is not allowed in an update expression; function: " + std::string(fname));
      expr_node n = call(fname, k, true, 2);
      if (k == expr_node::kind::if_not_exists) want_path(fname, n.kids[0]);
      return n;
    }
    return path_or_value();
  }

  expr_node set_value() {
    expr_node a = set_operand();
    if (punct("+")) {
      count_operator();
      return binary(expr_node::kind::plus, std::move(a), set_operand());
    }
    if (punct("-")) {
      count_operator();
      return binary(expr_node::kind::minus, std::move(a), set_operand());
    }
    return a;
  }

  expr_node value_ref() {
    const token& t = next();
    std::string key(t.text);
    const json* v = nullptr;
    if (scope_.values) {
      auto it = scope_.values->find(key);
      if (it != scope_.values->end()) v = &*it;
    }
    // With values given but not this one, AWS words it inside its validation envelope.
    if (!v && scope_.values)
      throw aws_error::validation("1 validation error detected: Invalid " + std::string(which_) +
                                  ": An expression attribute value used in expression is not defined; attribute "
                                  "value: " +
                                  key);
    if (!v) fail("An expression attribute value used in expression is not defined; attribute value: " + key);
    scope_.used_values.insert(key);
    expr_node n;
    n.k = expr_node::kind::value;
    n.value = v;
    return n;
  }

  std::string name_part() {
    const token& t = next();
    if (t.t == token::type::name_ref) {
      std::string key(t.text);
      const json* names = scope_.names;
      if (!names || !names->contains(key))
        fail("An expression attribute name used in the document path is not defined; attribute name: " + key);
      scope_.used_names.insert(key);
      return names->at(key).get<std::string>();
    }
    if (t.t != token::type::ident) syntax(t);
    if (is_reserved(t.text)) fail("Attribute name is a reserved keyword; reserved keyword: " + std::string(t.text));
    return std::string(t.text);
  }

  doc_path path() {
    doc_path p;
    p.push_back({name_part(), -1});
    for (;;) {
      if (punct(".")) {
        p.push_back({name_part(), -1});
      } else if (punct("[")) {
        const token& t = next();
        if (t.t != token::type::number) syntax(t);
        if (t.text.size() > 9) fail("List index is too large; index: " + std::string(t.text));
        p.push_back({"", std::stol(std::string(t.text))});
        if (!punct("]")) syntax(peek());
      } else {
        break;
      }
      if (p.size() > 32)
        fail("The document path has too many nesting levels; nesting levels: " + std::to_string(p.size()));
    }
    return p;
  }

  static std::string listed(const doc_path& p) {
    std::string s = "[";
    for (std::size_t i = 0; i < p.size(); ++i)
      s += (i ? ", " : "") + (p[i].index >= 0 ? "[" + std::to_string(p[i].index) + "]" : p[i].name);
    return s + "]";
  }

  // Two paths of one expression may not name the same place or one inside the other ("overlap":
  // [a] and [a, b], or [a] twice), nor take a map key and a list index at the same step
  // ("conflict": [a, b] and [a, [0]]). DynamoDB's wording.
  void check_overlaps(const std::vector<doc_path>& paths) const {
    for (std::size_t i = 0; i < paths.size(); ++i)
      for (std::size_t j = i + 1; j < paths.size(); ++j) {
        const doc_path& a = paths[i];
        const doc_path& b = paths[j];
        const char* problem = "Two document paths overlap with each other";
        bool apart = false;
        for (std::size_t k = 0; k < std::min(a.size(), b.size()) && !apart; ++k) {
          if ((a[k].index >= 0) != (b[k].index >= 0)) {
            problem = "Two document paths conflict with each other";
            break;
          }
          apart = a[k].name != b[k].name || a[k].index != b[k].index;
        }
        if (apart) continue;
        fail(std::string(problem) + "; must remove or rewrite one of these paths; path one: " + listed(a) +
             ", path two: " + listed(b));
      }
  }

  std::string_view src_;
  const char* which_;
  expr_scope& scope_;
  std::vector<token> toks_;
  std::size_t pos_ = 0;
  int operators_ = 0;
  int depth_ = 0;
};

}  // namespace

std::string to_string(const doc_path& p) {
  std::string s;
  for (const auto& st : p) s += st.index >= 0 ? "[" + std::to_string(st.index) + "]" : (s.empty() ? "" : ".") + st.name;
  return s;
}

void expr_scope::check_all_used() const {
  auto unused = [](const json* m, const std::set<std::string>& used) {
    std::string keys;
    if (m)
      for (const auto& [k, v] : m->items())
        if (!used.count(k)) keys += (keys.empty() ? "" : ", ") + k;
    return keys;
  };
  std::string n = unused(names, used_names);
  if (!n.empty())
    throw aws_error::validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + n + "}");
  std::string v = unused(values, used_values);
  if (!v.empty())
    throw aws_error::validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + v + "}");
}

expr_node parse_condition(std::string_view text, const char* which, expr_scope& scope) {
  parser p(text, which, scope);
  expr_node n = p.condition();
  p.expect_end();
  return n;
}

std::vector<doc_path> parse_projection(std::string_view text, expr_scope& scope) {
  return parser(text, "ProjectionExpression", scope).projection();
}

std::vector<update_action> parse_update(std::string_view text, expr_scope& scope) {
  return parser(text, "UpdateExpression", scope).update();
}

}  // namespace emu::dynamo
