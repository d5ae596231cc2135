#include "LoginThrottle.h"

#include <orchestrator/time.hpp>

namespace auth {
namespace {
constexpr std::int64_t kWindowSeconds = 3600;
}

std::optional<std::int64_t> LoginThrottle::lockedFor(const std::string& account) {
  auto now = orch::nowSeconds();
  std::lock_guard lock(mutex_);
  auto it = windows_.find(account);
  if (it == windows_.end() || now - it->second.start >= kWindowSeconds || it->second.failures < perHour_)
    return std::nullopt;
  return it->second.start + kWindowSeconds - now;
}

void LoginThrottle::failed(const std::string& account) {
  auto now = orch::nowSeconds();
  std::lock_guard lock(mutex_);
  if (windows_.size() > 100000)
    std::erase_if(windows_, [&](const auto& item) { return now - item.second.start >= kWindowSeconds; });
  auto& window = windows_[account];
  if (now - window.start >= kWindowSeconds) window = Window{now, 0};
  ++window.failures;
}

} // namespace auth
