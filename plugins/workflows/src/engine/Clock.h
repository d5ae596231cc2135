#pragma once

#include <orchestrator/plugin.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace workflows::clock {

/// Milliseconds since the epoch: every time the engine stores or compares.
inline std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "2025-08-25T15:45:00.123Z": executions are short enough that seconds hide their story.
inline std::string rfc3339(std::int64_t epochMs) {
  auto seconds = epochMs / 1000, millis = epochMs % 1000;
  auto text = orch::formatUtc(seconds, "%Y-%m-%dT%H:%M:%S");
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return text + fraction;
}

/// Epoch milliseconds of an RFC 3339 date-time ("2025-08-25T16:00:00Z",
/// "2025-08-25T16:00:00.5+02:00"), or nullopt when it is not one.
std::optional<std::int64_t> parseRfc3339(const std::string& text);

} // namespace workflows::clock
