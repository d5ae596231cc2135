#pragma once

#include <orchestrator/plugin.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace auth {

/// Users in `auth_users`, and a short-lived cache of what authentication needs
/// about each (active, role, permissions, organizations), so an authenticated
/// request costs no query. Changes made here invalidate the cache at once;
/// changes made by another host show within `cacheTtl`.
class UserDirectory {
public:
  UserDirectory(const orch::Database& db, std::chrono::seconds cacheTtl) : db_(db), cacheTtl_(cacheTtl) {}

  std::optional<orch::json> find(const std::string& id) const;
  /// By email (case-insensitive) or username.
  std::optional<orch::json> findByLogin(const std::string& login) const;
  bool emailTaken(const std::string& email) const;
  bool usernameTaken(const std::string& username) const;
  std::size_t count() const;

  /// Inserts a user row; `fields` holds the columns (email already lower case).
  orch::json create(const orch::json& fields);
  /// Updates the given columns of a user and returns the row.
  orch::json update(const std::string& id, const orch::json& columns);

  /// A user as every client reads it: every profile field, never the password hash.
  static orch::json publicView(const orch::json& row, const orch::json& organizations = orch::json::array());

  /// What the principal of this user carries, or nullopt for an unknown or
  /// inactive user.
  struct Identity {
    orch::json principal; ///< id, email, roles, permissions, organizations, organization_ids
    orch::json profile;   ///< publicView with organizations, for auth/me and users/me
    bool active = false;
  };
  /// Shared, so the hot path copies nothing it does not change.
  std::shared_ptr<const Identity> identity(const std::string& id);
  /// Forgets the cached identity (after a change of role, activity or membership).
  void forget(const std::string& id);
  /// The user's organizations: [{id, role}].
  orch::json organizationsOf(const std::string& id) const;

private:
  struct Cached {
    std::shared_ptr<const Identity> identity;
    std::chrono::steady_clock::time_point fetched;
  };
  const orch::Database& db_;
  std::chrono::seconds cacheTtl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Cached> cache_;
};

} // namespace auth
