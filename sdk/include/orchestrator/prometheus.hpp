// The Prometheus text format's details that the host and plugins write alike.
#pragma once

#include <string>

namespace orch::prometheus {

/// A label value as the text format writes it: backslash, quote and newline escaped.
inline std::string escapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

} // namespace orch::prometheus
