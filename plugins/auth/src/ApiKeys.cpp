#include "ApiKeys.h"

#include "TokenCrypto.h"

#include <orchestrator/time.hpp>

namespace auth {

orch::json ApiKeys::create(const std::string& userId, const std::string& name, const std::vector<std::string>& scopes,
                           const std::optional<std::string>& expiresAt, std::int64_t expiresEpoch) {
  auto key = kPrefix + randomToken(32);
  auto id = orch::newId();
  auto prefix = key.substr(0, 11);
  auto now = orch::nowRfc3339();
  orch::json scopeList = scopes;
  db_.execute("INSERT INTO auth_api_keys (id, user_id, name, prefix, key_hash, scopes, expires_at, expires_epoch, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {id, userId, name, prefix, sha256Hex(key), scopeList.dump(), expiresAt ? orch::json(*expiresAt) : nullptr,
               expiresAt ? orch::json(expiresEpoch) : nullptr, now});
  return {{"id", id},       {"name", name},      {"key", key},
          {"prefix", prefix}, {"scopes", scopes}, {"expires_at", expiresAt ? orch::json(*expiresAt) : nullptr},
          {"created_at", now}, {"last_used_at", nullptr}};
}

orch::json ApiKeys::list(const std::string& userId) const {
  orch::json keys = orch::json::array();
  for (auto& row : db_.query("SELECT id, name, prefix, scopes, expires_at, last_used_at, created_at FROM auth_api_keys "
                             "WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at, id",
                             {userId})) {
    row["scopes"] = orch::json::parse(row["scopes"].get<std::string>());
    keys.push_back(row);
  }
  return keys;
}

bool ApiKeys::remove(const std::string& userId, const std::string& id) {
  auto removed = db_.execute("UPDATE auth_api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                             {orch::nowRfc3339(), id, userId});
  if (removed) {
    std::lock_guard lock(mutex_);
    std::erase_if(byHash_, [&](const auto& item) { return item.second.grant && item.second.grant->keyId == id; });
  }
  return removed > 0;
}

std::optional<ApiKeys::Grant> ApiKeys::authenticate(const std::string& key) {
  if (key.rfind(kPrefix, 0) != 0 || key.size() > 200) return std::nullopt;
  auto hash = sha256Hex(key);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = byHash_.find(hash);
    if (it != byHash_.end() && now - it->second.fetched < cacheTtl_) {
      if (it->second.grant && it->second.expiresEpoch && it->second.expiresEpoch <= orch::nowSeconds()) return std::nullopt;
      return it->second.grant;
    }
  }
  Cached cached{std::nullopt, 0, now};
  if (auto row = db_.queryOne("SELECT id, user_id, scopes, expires_epoch FROM auth_api_keys "
                              "WHERE key_hash = ? AND revoked_at IS NULL",
                              {hash})) {
    cached.expiresEpoch = (*row)["expires_epoch"].is_null() ? 0 : (*row)["expires_epoch"].get<std::int64_t>();
    cached.grant = Grant{(*row)["id"].get<std::string>(), (*row)["user_id"].get<std::string>(),
                         orch::json::parse((*row)["scopes"].get<std::string>()).get<std::vector<std::string>>()};
  }
  {
    std::lock_guard lock(mutex_);
    if (byHash_.size() > 100000) byHash_.clear();
    byHash_[hash] = cached;
  }
  if (cached.grant && cached.expiresEpoch && cached.expiresEpoch <= orch::nowSeconds()) return std::nullopt;
  return cached.grant;
}

void ApiKeys::touched(const std::string& keyId, const std::function<void(std::function<void()>)>& runLater) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = lastWritten_.find(keyId);
    if (it != lastWritten_.end() && now - it->second < std::chrono::minutes(1)) return;
    lastWritten_[keyId] = now;
  }
  runLater([this, keyId] {
    db_.execute("UPDATE auth_api_keys SET last_used_at = ? WHERE id = ?", {orch::nowRfc3339(), keyId});
  });
}

void ApiKeys::forgetUser(const std::string& userId) {
  std::lock_guard lock(mutex_);
  std::erase_if(byHash_, [&](const auto& item) { return item.second.grant && item.second.grant->userId == userId; });
}

} // namespace auth
