#pragma once

#include <orchestrator/plugin.hpp>

#include <string>

namespace workflows {

/// Who is asking, as far as visibility goes: a principal sees its own
/// resources and its organizations'; an admin sees all. Anything else is 404.
struct Tenant {
  std::string userId;
  std::vector<std::string> organizationIds;
  bool admin = false;

  static Tenant of(const orch::Request& request) {
    Tenant tenant;
    const auto& principal = request.principal();
    if (!principal.is_object()) throw orch::HttpError::unauthorized();
    tenant.userId = principal.value("id", std::string());
    for (const auto& id : principal.value("organization_ids", orch::json::array()))
      if (id.is_string()) tenant.organizationIds.push_back(id.get<std::string>());
    std::vector<std::string> permissions;
    for (const auto& p : principal.value("permissions", orch::json::array()))
      if (p.is_string()) permissions.push_back(p.get<std::string>());
    tenant.admin = orch::grants(permissions, "admin:*");
    return tenant;
  }

  bool canSee(const std::string& ownerId, const orch::json& organizationId) const {
    if (admin || ownerId == userId) return true;
    return organizationId.is_string() &&
           std::find(organizationIds.begin(), organizationIds.end(), organizationId.get<std::string>()) !=
               organizationIds.end();
  }

  /// A WHERE fragment limiting rows to what the tenant sees, its parameters appended to `params`.
  std::string filter(const std::string& ownerColumn, const std::string& organizationColumn, orch::json& params) const {
    if (admin) return "1 = 1";
    std::string clause = "(" + ownerColumn + " = ?";
    params.push_back(userId);
    if (!organizationIds.empty()) {
      clause += " OR " + organizationColumn + " IN (";
      for (std::size_t i = 0; i < organizationIds.size(); ++i) {
        clause += i ? ", ?" : "?";
        params.push_back(organizationIds[i]);
      }
      clause += ")";
    }
    return clause + ")";
  }
};

} // namespace workflows
