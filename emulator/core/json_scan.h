// Checking JSON text without building a document. PutEvents' Detail arrives as text and, on the
// bus, is matched as text (the rule index reads it in place): building a document of it only
// to check that it is an object was most of an event's cost. The scan accepts exactly what
// parse_client_json accepts, so a scanned text parses later, when a target needs a document.
#pragma once

#include <cstddef>
#include <string_view>

namespace emu {

struct json_object_scan {
  // A JSON object as parse_client_json(text, max_depth) would accept it: RFC 8259 (a leading
  // byte order mark allowed, and a NUL after the object ending the text, as nlohmann's parser
  // allows them), well-formed UTF-8, escapes with paired surrogates, no number past a double's
  // range, at most max_depth levels.
  bool valid = false;
  // No object in it repeats a key, escapes one, or has more than max_plain_keys keys. A
  // document keeps a repeated key's last value; a reader of the text sees both, so only text
  // with plain keys reads the same either way. Rare, and cheap to tell: the caller parses then.
  bool plain_keys = true;
  std::string_view object;  // the object's text (without the mark and the white space around it)
  // The raw text of the top-level member named `key`, when there is one (a string keeps its quotes).
  std::string_view member;
  static constexpr std::size_t max_plain_keys = 64;
};

json_object_scan scan_json_object(std::string_view text, int max_depth, std::string_view key = {});

// The character a two-character escape "\\e" stands for; NUL when `e` makes none ('u' included).
inline char json_short_escape(char e) {
  switch (e) {
    case '"':
    case '\\':
    case '/':
      return e;
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return '\0';
  }
}

}  // namespace emu
