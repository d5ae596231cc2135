// Who sees what, for plugins that keep per-user resources: every resource has
// an owner user and optionally an organization; a principal sees its own and
// its organizations' resources, an admin sees all, and anything else is 404.
#pragma once

#include "database.hpp"
#include "http.hpp"
#include "pagination.hpp"
#include "permissions.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace orch {

/// Who is asking, as far as visibility goes: a principal sees its own
/// resources and its organizations'; an admin sees all. Anything else is 404.
struct Tenant {
  std::string userId;
  std::vector<std::string> organizationIds;
  bool admin = false;

  static Tenant of(const Request& request) { return ofPrincipal(request.principal()); }

  /// From a principal as the authenticator describes it (a request's, or the
  /// one a step runs for).
  static Tenant ofPrincipal(const json& principal) {
    Tenant tenant;
    if (!principal.is_object()) throw HttpError::unauthorized();
    tenant.userId = principal.value("id", std::string());
    for (const auto& id : principal.value("organization_ids", json::array()))
      if (id.is_string()) tenant.organizationIds.push_back(id.get<std::string>());
    std::vector<std::string> permissions;
    for (const auto& p : principal.value("permissions", json::array()))
      if (p.is_string()) permissions.push_back(p.get<std::string>());
    tenant.admin = grants(permissions, "admin:*");
    return tenant;
  }

  bool canSee(const std::string& ownerId, const json& organizationId) const {
    if (admin || ownerId == userId) return true;
    return organizationId.is_string() &&
           std::find(organizationIds.begin(), organizationIds.end(), organizationId.get<std::string>()) !=
               organizationIds.end();
  }

  /// The body's optional "organization_id", which must be one of the
  /// tenant's organizations (an admin's: any); null when absent. Throws a 422.
  json organizationFrom(const json& body) const {
    if (!body.contains("organization_id") || body["organization_id"].is_null()) return nullptr;
    const auto& organization = body["organization_id"];
    if (!organization.is_string() ||
        (!admin && std::find(organizationIds.begin(), organizationIds.end(), organization.get<std::string>()) ==
                       organizationIds.end()))
      throw HttpError::validation("organization_id", "Must be one of your organizations");
    return organization;
  }

  /// One page of `table`'s rows that the tenant sees (by owner_id and
  /// organization_id), newest `created_at` first, and how many there are.
  std::pair<json, std::int64_t> listVisible(const Database& db, const std::string& table, const std::string& columns,
                                                const Page& page) const {
    json params = json::array();
    auto where = filter("owner_id", "organization_id", params);
    auto total = db.query("SELECT COUNT(*) AS n FROM " + table + " WHERE " + where, params)[0]["n"].get<std::int64_t>();
    params.push_back(page.limit);
    params.push_back(page.offset);
    auto rows = db.query("SELECT " + columns + " FROM " + table + " WHERE " + where +
                             " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                         params);
    return {std::move(rows), total};
  }

  /// filter(), narrowed to one organization when `organizationId` is one
  /// (checked first with organizationFrom): a dashboard of one team.
  std::string filterWithin(const std::string& ownerColumn, const std::string& organizationColumn,
                           const json& organizationId, json& params) const {
    if (!organizationId.is_string()) return filter(ownerColumn, organizationColumn, params);
    params.push_back(organizationId);
    return organizationColumn + " = ?";
  }

  /// A WHERE fragment limiting rows to what the tenant sees, its parameters appended to `params`.
  std::string filter(const std::string& ownerColumn, const std::string& organizationColumn, json& params) const {
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

} // namespace orch
