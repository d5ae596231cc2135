#pragma once

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
/// Same matching as the host: exact, "*", "admin:*" or "<resource>:*".
bool grants(const std::vector<std::string>& held, const std::string& permission);

} // namespace auth
