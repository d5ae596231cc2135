#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace auth {

/// Counts failed logins per account in one-hour windows; past the limit every
/// attempt for that account is refused (429) until the window ends, even
/// with the right password, so guessing cannot go on by interleaving.
class LoginThrottle {
public:
  explicit LoginThrottle(std::uint32_t perHour) : perHour_(perHour) {}

  /// Seconds to wait when the account is locked out, else nullopt.
  std::optional<std::int64_t> lockedFor(const std::string& account);
  void failed(const std::string& account);

private:
  struct Window {
    std::int64_t start = 0;
    std::uint32_t failures = 0;
  };
  std::uint32_t perHour_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

} // namespace auth
