#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace auth {

inline std::int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// RFC 3339 UTC ("2026-11-23T10:00:00Z") of an epoch second.
inline std::string rfc3339(std::int64_t epochSeconds) {
  std::time_t t = static_cast<std::time_t>(epochSeconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

inline std::string nowRfc3339() { return rfc3339(nowSeconds()); }

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
