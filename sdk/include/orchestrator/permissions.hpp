// Permissions as the host checks them on routes, for plugins that check
// finer rules themselves.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace orch {

/// Whether held permissions grant `permission` ("workflow:read"): exactly, or
/// through "*", "admin:*" or "<resource>:*" ("workflow:*").
inline bool grants(const std::vector<std::string>& held, std::string_view permission) {
  auto resource = permission.substr(0, permission.find(':'));
  for (const auto& p : held) {
    if (p == permission || p == "*" || p == "admin:*") return true;
    if (p.size() == resource.size() + 2 && p.compare(0, resource.size(), resource) == 0 &&
        p.compare(resource.size(), 2, ":*") == 0)
      return true;
  }
  return false;
}

} // namespace orch
