// Administration of users: list, change role, deactivate.
#include "AuthContext.h"
#include "Permissions.h"
#include "Caller.h"

namespace auth {

void registerAdminRoutes(AuthContext& auth) {
  auto& plugin = auth.plugin;

  plugin.route("GET", "/users", [&auth](orch::Request& request, orch::Response& response) {
    auto page = orch::Page::of(request);
    orch::json users = orch::json::array();
    for (const auto& row : auth.plugin.db().query(
             "SELECT id FROM auth_users ORDER BY created_at, id LIMIT ? OFFSET ?", {page.limit, page.offset}))
      users.push_back(UserDirectory::publicView(*auth.users.find(row["id"].get<std::string>())));
    response.json(page.envelope("users", std::move(users), static_cast<std::int64_t>(auth.users.count())));
  }, {.permission = "admin:*", .summary = "All users (admin)"});

  plugin.route("PUT", "/users/{id}", [&auth](orch::Request& request, orch::Response& response) {
    auto id = request.param("id");
    if (!auth.users.find(id)) throw orch::HttpError::notFound("User not found");
    auto body = request.jsonObject();
    orch::json columns = orch::json::object();
    if (auto role = orch::optionalString(body, "role", 20)) {
      if (!isRole(*role)) throw orch::HttpError::validation("role", "Must be 'user' or 'admin'");
      columns["role"] = *role;
    }
    bool deactivate = false;
    if (body.contains("is_active")) {
      if (!body["is_active"].is_boolean()) throw orch::HttpError::validation("is_active", "Must be true or false");
      deactivate = !body["is_active"].get<bool>();
      columns["is_active"] = deactivate ? 0 : 1;
    }
    for (const char* field : {"first_name", "last_name", "full_name", "company"})
      if (auto value = orch::optionalString(body, field, 200)) columns[field] = *value;
    if (columns.empty()) throw orch::HttpError::validation("body", "Nothing to change");
    auto row = auth.users.update(id, columns);
    if (deactivate) {
      auth.sessions.revokeAllOf(id, "", "deactivated");
      auth.apiKeys.forgetUser(id);
    }
    response.json(UserDirectory::publicView(row, auth.users.organizationsOf(id)));
  }, {.permission = "admin:*", .summary = "Change a user's role, profile or activity (admin)"});
}

} // namespace auth
