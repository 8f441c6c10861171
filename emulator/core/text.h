// Small text helpers shared by the wire layer and the reports.
#pragma once

#include <string>

namespace emu {

// Escapes & < > " ' for XML text and attributes. Control characters that XML 1.0 forbids even
// when escaped become '?', so a report or error body is always well-formed.
inline std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if ((unsigned char)c < 0x20 && c != '\n' && c != '\t' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

}  // namespace emu
