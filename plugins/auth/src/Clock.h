#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <ctime>
#include <string>

namespace auth {

// Time in API.md's form comes from the SDK; parsing is the auth plugin's own need.
using orch::nowRfc3339;
using orch::nowSeconds;
using orch::rfc3339;

/// Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+00:00]" to epoch seconds; -1 when malformed.
inline std::int64_t parseRfc3339(const std::string& text) {
  std::tm utc{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
  if (!end) return -1;
  while (*end == '.' || (*end >= '0' && *end <= '9')) ++end;
  if (*end != '\0' && *end != 'Z' && std::string(end) != "+00:00") return -1;
  return static_cast<std::int64_t>(timegm(&utc));
}

} // namespace auth
