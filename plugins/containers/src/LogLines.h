#pragma once

#include <orchestrator/plugin.hpp>

#include <string>
#include <string_view>

namespace containers {

/// Seed 004's log entries {timestamp, level, message, source} from a
/// worker's output, which is the host's log format
/// ("2026-12-07T15:12:02.123Z Information worker: linked to the host").
class LogLines {
public:
  /// `since`/`until`: RFC 3339, empty for no bound; `tail`: the last so many (0: all).
  LogLines(const std::string& since, const std::string& until, int tail);

  /// One line of output; `fallbackTime` dates a line that has no time of its own.
  void add(std::string_view line, const std::string& source, const std::string& fallbackTime);
  /// The lines kept, oldest first (by time, then as added).
  orch::json take();

private:
  std::int64_t since_ = 0, until_ = 0;
  int tail_;
  orch::json lines_ = orch::json::array();
};

} // namespace containers
