#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace orch::host {

/// Logs a refused or timed-out connection once per client address and
/// minute, so a hostile client cannot flood the log with its own refusals.
class RefusalLog {
public:
  void note(const std::string& clientIp, int status, std::string_view what);

private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> lastLogged_;
};

} // namespace orch::host
