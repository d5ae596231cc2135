#include "Sessions.h"

#include <orchestrator/time.hpp>

namespace auth {

Sessions::Sessions(const orch::Database& db, const TokenService& tokens, std::string audience, Lifetimes lifetimes)
    : db_(db), tokens_(tokens), audience_(std::move(audience)), lifetimes_(lifetimes) {}

Sessions::Issued Sessions::start(const std::string& userId, const std::string& clientIp) {
  auto sessionId = orch::newId();
  auto now = orch::nowSeconds();
  auto expiresAt = now + lifetimes_.refreshSeconds;
  return db_.transaction([&](orch::Transaction& tx) {
    db_.execute("INSERT INTO auth_sessions (id, user_id, created_at, expires_at, client_ip) VALUES (?, ?, ?, ?, ?)",
                {sessionId, userId, orch::rfc3339(now), expiresAt, clientIp}, &tx);
    return issue(sessionId, userId, expiresAt, &tx);
  });
}

Sessions::Issued Sessions::issue(const std::string& sessionId, const std::string& userId,
                                 std::int64_t sessionExpiresAt, orch::Transaction* tx) {
  auto now = orch::nowSeconds();
  TokenClaims access{userId, sessionId, orch::newId(), "access", audience_, now, now + lifetimes_.accessSeconds};
  TokenClaims refresh{userId, sessionId, orch::newId(), "refresh", audience_, now, sessionExpiresAt};
  db_.execute("INSERT INTO auth_refresh_tokens (jti, session_id, issued_at) VALUES (?, ?, ?)",
              {refresh.id, sessionId, now}, tx);
  return {tokens_.sign(access), tokens_.sign(refresh), sessionId, lifetimes_.accessSeconds};
}

Sessions::Issued Sessions::refresh(const std::string& refreshToken,
                                   const std::function<bool(const std::string&)>& userActive) {
  auto claims = tokens_.verify(refreshToken, "refresh", audience_);
  if (!claims) throw orch::HttpError::unauthorized("Invalid or expired refresh token");
  auto now = orch::nowSeconds();
  // Marking the token used is one conditional update, so two concurrent
  // refreshes with the same token cannot both win.
  auto claimed = db_.execute("UPDATE auth_refresh_tokens SET used_at = ? WHERE jti = ? AND session_id = ? AND used_at IS NULL",
                             {now, claims->id, claims->sessionId});
  if (claimed == 0) {
    if (db_.queryOne("SELECT jti FROM auth_refresh_tokens WHERE jti = ?", {claims->id})) {
      revoke(claims->sessionId, "refresh token reuse");
      throw orch::HttpError::unauthorized("Refresh token was already used; the session has been revoked");
    }
    throw orch::HttpError::unauthorized("Invalid or expired refresh token");
  }
  auto session = db_.queryOne("SELECT user_id, expires_at, revoked_at FROM auth_sessions WHERE id = ?",
                              {claims->sessionId});
  if (!session || !(*session)["revoked_at"].is_null() || (*session)["expires_at"].get<std::int64_t>() <= now ||
      (*session)["user_id"] != claims->subject)
    throw orch::HttpError::unauthorized("Session has ended");
  if (!userActive(claims->subject)) {
    revoke(claims->sessionId, "user inactive");
    throw orch::HttpError::unauthorized("Session has ended");
  }
  return issue(claims->sessionId, claims->subject, (*session)["expires_at"].get<std::int64_t>(), nullptr);
}

void Sessions::revoke(const std::string& sessionId, const std::string& reason) {
  auto now = orch::nowSeconds();
  db_.execute("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
              {now, reason, sessionId});
  remember(sessionId, now);
}

void Sessions::revokeAllOf(const std::string& userId, const std::string& keep, const std::string& reason) {
  auto now = orch::nowSeconds();
  auto open = db_.query("SELECT id FROM auth_sessions WHERE user_id = ? AND revoked_at IS NULL AND id <> ?",
                        {userId, keep});
  db_.execute("UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ? "
              "WHERE user_id = ? AND revoked_at IS NULL AND id <> ?",
              {now, reason, userId, keep});
  for (const auto& row : open) remember(row["id"].get<std::string>(), now);
}

bool Sessions::open(const std::string& sessionId, const std::string& userId) {
  auto now = orch::nowSeconds();
  {
    std::shared_lock lock(mutex_);
    auto it = known_.find(sessionId);
    if (it != known_.end()) return it->second.userId == userId && it->second.expiresAt > now;
  }
  auto row = db_.queryOne("SELECT user_id, expires_at FROM auth_sessions WHERE id = ? AND revoked_at IS NULL",
                          {sessionId});
  if (!row) return false;
  Known known{(*row)["user_id"].get<std::string>(), (*row)["expires_at"].get<std::int64_t>()};
  std::unique_lock lock(mutex_);
  if (known_.size() > 200000)
    std::erase_if(known_, [&](const auto& item) { return item.second.expiresAt <= now; });
  known_[sessionId] = known;
  return known.userId == userId && known.expiresAt > now;
}

bool Sessions::revoked(const std::string& sessionId) const {
  std::shared_lock lock(mutex_);
  return revoked_.count(sessionId) > 0;
}

void Sessions::remember(const std::string& sessionId, std::int64_t revokedAt) {
  std::unique_lock lock(mutex_);
  revoked_[sessionId] = revokedAt;
  known_.erase(sessionId);
}

void Sessions::reloadRevocations() {
  // Access tokens of a session revoked longer ago than their lifetime have
  // expired anyway: only the recent revocations need remembering.
  auto since = orch::nowSeconds() - lifetimes_.accessSeconds - 60;
  auto rows = db_.query("SELECT id, revoked_at FROM auth_sessions WHERE revoked_at IS NOT NULL AND revoked_at > ?",
                        {since});
  std::unordered_map<std::string, std::int64_t> fresh;
  for (const auto& row : rows) fresh[row["id"].get<std::string>()] = row["revoked_at"].get<std::int64_t>();
  std::unique_lock lock(mutex_);
  for (const auto& [id, at] : revoked_)
    if (at > since) fresh.emplace(id, at);
  revoked_.swap(fresh);
}

} // namespace auth
