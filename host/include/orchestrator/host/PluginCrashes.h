#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace orch::host {

/// Plugins that crashed inside a guarded call (see CrashGuard), each with what
/// happened. Their state may be broken, so the host calls none of their step
/// types again until it restarts; GET /plugins and health/detailed show them.
class PluginCrashes {
public:
  /// Keeps the first crash of `plugin`.
  void record(const std::string& plugin, const std::string& what) {
    std::lock_guard lock(mutex_);
    crashes_.try_emplace(plugin, what);
    any_.store(true, std::memory_order_release);
  }
  /// What crashed `plugin`, or nullopt; lock-free while nothing ever crashed.
  std::optional<std::string> of(const std::string& plugin) const {
    if (!any_.load(std::memory_order_acquire)) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto found = crashes_.find(plugin);
    return found == crashes_.end() ? std::nullopt : std::optional(found->second);
  }
  /// {plugin: what crashed it}.
  nlohmann::json all() const {
    std::lock_guard lock(mutex_);
    return crashes_;
  }

private:
  std::atomic<bool> any_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::string> crashes_;
};

} // namespace orch::host
