#pragma once

#include "TokenService.h"

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace auth {

/// Login sessions, their rotating refresh tokens, and the set of revoked
/// sessions that every authenticated request is checked against (in memory,
/// refreshed from the database so revocations by another host arrive too).
class Sessions {
public:
  struct Lifetimes {
    std::int64_t accessSeconds = 1800;
    std::int64_t refreshSeconds = 30 * 24 * 3600; ///< absolute: a session never outlives it
  };
  struct Issued {
    std::string accessToken, refreshToken, sessionId;
    std::int64_t expiresIn = 0;
  };

  Sessions(const orch::Database& db, const TokenService& tokens, std::string audience, Lifetimes lifetimes);

  Issued start(const std::string& userId, const std::string& clientIp);
  /// Rotates a refresh token. Throws HttpError 401 when it is invalid, its
  /// session is over, or it was used before (which revokes the session).
  /// `userActive` decides whether the session's user may go on.
  Issued refresh(const std::string& refreshToken, const std::function<bool(const std::string&)>& userActive);

  void revoke(const std::string& sessionId, const std::string& reason);
  /// Revokes every session of a user but `keep` (may be empty).
  void revokeAllOf(const std::string& userId, const std::string& keep, const std::string& reason);
  bool revoked(const std::string& sessionId) const;
  /// Whether the session exists, belongs to `userId`, and has not ended.
  /// Known-good sessions are cached until they end, so this is a lookup.
  bool open(const std::string& sessionId, const std::string& userId);
  /// Reloads the revoked set from the database (a timer calls it).
  void reloadRevocations();

  const Lifetimes& lifetimes() const { return lifetimes_; }

private:
  Issued issue(const std::string& sessionId, const std::string& userId, std::int64_t sessionExpiresAt,
               orch::Transaction* tx);
  void remember(const std::string& sessionId, std::int64_t revokedAt);

  const orch::Database& db_;
  const TokenService& tokens_;
  std::string audience_;
  Lifetimes lifetimes_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::int64_t> revoked_; ///< session id -> revoked at
  struct Known {
    std::string userId;
    std::int64_t expiresAt = 0;
  };
  std::unordered_map<std::string, Known> known_; ///< sessions seen open
};

} // namespace auth
