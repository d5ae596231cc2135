#include "orchestrator/host/RateLimiter.h"

#include <chrono>
#include <functional>

namespace orch::host {

RateLimiter::RateLimiter(bool enabled, std::map<std::string, std::uint32_t> perMinute)
    : enabled_(enabled), perMinute_(std::move(perMinute)) {
  perMinute_.try_emplace("default", defaultLimits().at("default"));
}

std::map<std::string, std::uint32_t> RateLimiter::defaultLimits() {
  return {{"default", 1000}, {"auth", 10}, {"execute", 500}, {"analytics_export", 10}};
}

std::uint32_t RateLimiter::limitFor(const std::string& category) const {
  auto it = perMinute_.find(category);
  return it != perMinute_.end() ? it->second : perMinute_.at("default");
}

RateLimiter::Decision RateLimiter::check(const std::string& category, const std::string& key, bool doubled) {
  Decision decision;
  decision.limit = limitFor(category) * (doubled ? 2 : 1);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto windowStart = now - now % kWindowSeconds;
  decision.resetEpochSeconds = windowStart + kWindowSeconds;

  auto id = category + '\n' + key;
  auto& shard = shards_[std::hash<std::string>{}(id) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  if (shard.windows.size() > 4096) purgeStale(shard, windowStart);
  auto& window = shard.windows[id];
  if (window.start != windowStart) window = Window{windowStart, 0};
  if (window.count >= decision.limit) {
    decision.allowed = false;
    decision.retryAfterSeconds = static_cast<std::uint32_t>(decision.resetEpochSeconds - now);
    if (decision.retryAfterSeconds == 0) decision.retryAfterSeconds = 1;
    return decision;
  }
  ++window.count;
  decision.remaining = decision.limit - window.count;
  return decision;
}

void RateLimiter::purgeStale(Shard& shard, std::int64_t currentWindow) {
  std::erase_if(shard.windows, [&](const auto& item) { return item.second.start != currentWindow; });
}

} // namespace orch::host
