#pragma once

#include <orchestrator/plugin.hpp>

#include <string>
#include <vector>

namespace auth {

/// What a global role grants. Unknown roles grant nothing.
std::vector<std::string> rolePermissions(const std::string& role);
bool isRole(const std::string& role);
/// Organization roles, most powerful first: owner, admin, member, viewer.
bool isOrganizationRole(const std::string& role);
/// Whether an organization role may manage members.
bool managesMembers(const std::string& organizationRole);
/// The host's matching (exact, "*", "admin:*", "<resource>:*"), from the SDK.
using orch::grants;

} // namespace auth
