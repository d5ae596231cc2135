#pragma once

#include <orchestrator/plugin.hpp>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace auth {

/// API keys: shown once, stored as a SHA-256 hash, with scopes, an optional
/// expiry and the time of last use. Lookups are cached briefly; deletions here
/// take effect at once, elsewhere within the cache's lifetime.
class ApiKeys {
public:
  ApiKeys(const orch::Database& db, std::chrono::seconds cacheTtl) : db_(db), cacheTtl_(cacheTtl) {}

  /// Creates a key; the answer is the only place the key ever appears.
  orch::json create(const std::string& userId, const std::string& name, const std::vector<std::string>& scopes,
                    const std::optional<std::string>& expiresAt, std::int64_t expiresEpoch);
  orch::json list(const std::string& userId) const;
  /// False when the key does not exist or belongs to someone else.
  bool remove(const std::string& userId, const std::string& id);

  struct Grant {
    std::string keyId, userId;
    std::vector<std::string> scopes;
  };
  /// The grant of a valid, unexpired key, or nullopt.
  std::optional<Grant> authenticate(const std::string& key);
  /// Records a use; written at most once a minute per key.
  void touched(const std::string& keyId, const std::function<void(std::function<void()>)>& runLater);
  /// Drops cached grants of a user (deactivated).
  void forgetUser(const std::string& userId);

  static constexpr const char* kPrefix = "ok_";

private:
  struct Cached {
    std::optional<Grant> grant;
    std::int64_t expiresEpoch = 0;
    std::chrono::steady_clock::time_point fetched;
  };
  const orch::Database& db_;
  std::chrono::seconds cacheTtl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> byHash_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> lastWritten_;
};

} // namespace auth
