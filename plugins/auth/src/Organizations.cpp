#include "Organizations.h"

#include <orchestrator/time.hpp>

namespace auth {

orch::json Organizations::create(const std::string& ownerId, const std::string& name, const std::string& slug,
                                 const std::string& tier) {
  if (db_.queryOne("SELECT id FROM auth_organizations WHERE slug = ?", {slug}))
    throw orch::HttpError::conflict("An organization with slug '" + slug + "' already exists");
  auto id = orch::newId();
  auto now = orch::nowRfc3339();
  db_.transaction([&](orch::Transaction& tx) {
    db_.execute("INSERT INTO auth_organizations (id, name, slug, subscription_tier, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                {id, name, slug, tier, ownerId, now, now}, &tx);
    db_.execute("INSERT INTO auth_org_members (id, organization_id, user_id, role, joined_at) VALUES (?, ?, ?, ?, ?)",
                {orch::newId(), id, ownerId, "owner", now}, &tx);
  });
  return *find(id);
}

orch::json Organizations::listFor(const std::string& userId) const {
  return db_.query("SELECT o.id, o.name, o.slug, o.subscription_tier, m.role, o.created_at "
                   "FROM auth_organizations o JOIN auth_org_members m ON m.organization_id = o.id "
                   "WHERE m.user_id = ? ORDER BY o.created_at, o.id",
                   {userId});
}

std::optional<orch::json> Organizations::find(const std::string& id) const {
  return db_.queryOne("SELECT id, name, slug, subscription_tier, created_at, updated_at FROM auth_organizations "
                      "WHERE id = ?",
                      {id});
}

std::optional<std::string> Organizations::roleOf(const std::string& organizationId, const std::string& userId) const {
  auto row = db_.queryOne("SELECT role FROM auth_org_members WHERE organization_id = ? AND user_id = ?",
                          {organizationId, userId});
  if (!row) return std::nullopt;
  return (*row)["role"].get<std::string>();
}

orch::json Organizations::members(const std::string& organizationId) const {
  return db_.query("SELECT m.id, m.user_id, u.email, m.role, m.joined_at FROM auth_org_members m "
                   "JOIN auth_users u ON u.id = m.user_id WHERE m.organization_id = ? ORDER BY m.joined_at, m.id",
                   {organizationId});
}

orch::json Organizations::setMember(const std::string& organizationId, const std::string& userId,
                                    const std::string& role) {
  if (roleOf(organizationId, userId)) {
    db_.execute("UPDATE auth_org_members SET role = ? WHERE organization_id = ? AND user_id = ?",
                {role, organizationId, userId});
  } else {
    db_.execute("INSERT INTO auth_org_members (id, organization_id, user_id, role, joined_at) VALUES (?, ?, ?, ?, ?)",
                {orch::newId(), organizationId, userId, role, orch::nowRfc3339()});
  }
  return *db_.queryOne("SELECT m.id, m.user_id, u.email, m.role, m.joined_at FROM auth_org_members m "
                       "JOIN auth_users u ON u.id = m.user_id WHERE m.organization_id = ? AND m.user_id = ?",
                       {organizationId, userId});
}

bool Organizations::removeMember(const std::string& organizationId, const std::string& userId) {
  return db_.execute("DELETE FROM auth_org_members WHERE organization_id = ? AND user_id = ?",
                     {organizationId, userId}) > 0;
}

std::size_t Organizations::ownerCount(const std::string& organizationId) const {
  return db_.queryOne("SELECT COUNT(*) AS n FROM auth_org_members WHERE organization_id = ? AND role = 'owner'",
                      {organizationId})
      ->at("n")
      .get<std::size_t>();
}

} // namespace auth
