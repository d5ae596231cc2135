#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace orch::host {

/// In-memory fixed-window rate limiting per (category, key), one-minute
/// windows. The key is the principal's id, or the client IP for anonymous
/// requests and for categories limited per IP (auth). Sharded so concurrent
/// requests rarely share a lock.
class RateLimiter {
public:
  struct Decision {
    bool allowed = true;
    std::uint32_t limit = 0;
    std::uint32_t remaining = 0;
    std::int64_t resetEpochSeconds = 0; ///< when the window ends
    std::uint32_t retryAfterSeconds = 0;
  };

  /// Per-minute limits by category; categories not listed use "default".
  RateLimiter(bool enabled, std::map<std::string, std::uint32_t> perMinute);

  /// The defaults per category: default 1000, auth 10, execute 500, analytics_export 10.
  static std::map<std::string, std::uint32_t> defaultLimits();

  /// Counts one request; `doubled` (admins) doubles the limit.
  Decision check(const std::string& category, const std::string& key, bool doubled);
  std::uint32_t limitFor(const std::string& category) const;
  bool enabled() const { return enabled_; }

  static constexpr std::uint32_t kWindowSeconds = 60;

private:
  struct Window {
    std::int64_t start = 0;
    std::uint32_t count = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Window> windows;
  };
  void purgeStale(Shard& shard, std::int64_t currentWindow);

  bool enabled_;
  std::map<std::string, std::uint32_t> perMinute_;
  std::array<Shard, 16> shards_;
};

} // namespace orch::host
