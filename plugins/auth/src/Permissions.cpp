#include "Permissions.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace auth {

std::vector<std::string> rolePermissions(const std::string& role) {
  if (role == "admin") return {"admin:*"};
  if (role == "user")
    return {"workflow:*",   "template:*",     "execution:*", "agent:*",      "marketplace:read", "marketplace:publish",
            "ai:route",     "analytics:read", "credential:*", "webhook:*",   "organization:*",   "metrics:read"};
  return {};
}

bool isRole(const std::string& role) { return role == "admin" || role == "user"; }

bool isOrganizationRole(const std::string& role) {
  static constexpr std::array<std::string_view, 4> roles = {"owner", "admin", "member", "viewer"};
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool managesMembers(const std::string& organizationRole) {
  return organizationRole == "owner" || organizationRole == "admin";
}

} // namespace auth
