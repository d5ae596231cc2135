#pragma once

#include <orchestrator/plugin.hpp>

#include <optional>
#include <string>

namespace auth {

/// Organizations and their members with roles owner, admin,
/// member, viewer. Slugs are unique.
class Organizations {
public:
  explicit Organizations(const orch::Database& db) : db_(db) {}

  /// Throws HttpError 409 when the slug is taken.
  orch::json create(const std::string& ownerId, const std::string& name, const std::string& slug,
                    const std::string& tier);
  orch::json listFor(const std::string& userId) const;
  std::optional<orch::json> find(const std::string& id) const;
  /// The user's role in the organization, or nullopt when not a member.
  std::optional<std::string> roleOf(const std::string& organizationId, const std::string& userId) const;
  orch::json members(const std::string& organizationId) const;
  /// Adds a member, or changes the role of an existing one.
  orch::json setMember(const std::string& organizationId, const std::string& userId, const std::string& role);
  bool removeMember(const std::string& organizationId, const std::string& userId);
  std::size_t ownerCount(const std::string& organizationId) const;

private:
  const orch::Database& db_;
};

} // namespace auth
