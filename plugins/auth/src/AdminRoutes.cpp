// Administration of users: list, change role, deactivate.
#include "AuthContext.h"
#include "Permissions.h"
#include "RequestFields.h"

namespace auth {
namespace {

/// page/limit/page_size/skip as API.md settles them.
struct Page {
  std::int64_t page = 1, limit = 20, offset = 0;
};

Page pageOf(const orch::Request& request) {
  auto number = [&](const char* name, std::int64_t fallback, std::int64_t min, std::int64_t max) -> std::int64_t {
    auto text = request.query(name);
    if (!text) return fallback;
    try {
      std::size_t used = 0;
      auto value = std::stoll(*text, &used);
      if (used == text->size() && value >= min && value <= max) return value;
    } catch (const std::exception&) {
    }
    throw orch::HttpError::validation(name, "Must be a whole number from " + std::to_string(min) + " to " +
                                                std::to_string(max));
  };
  Page page;
  // A limit above the maximum is capped, as API.md settles, not refused.
  page.limit = std::min<std::int64_t>(number("limit", number("page_size", 20, 1, 1000000), 1, 1000000), 100);
  page.page = number("page", 1, 1, 1000000);
  page.offset = request.query("skip") ? number("skip", 0, 0, 100000000) : (page.page - 1) * page.limit;
  if (request.query("skip")) page.page = page.offset / page.limit + 1;
  return page;
}

} // namespace

void registerAdminRoutes(AuthContext& auth) {
  auto& plugin = auth.plugin;

  plugin.route("GET", "/users", [&auth](orch::Request& request, orch::Response& response) {
    auto page = pageOf(request);
    auto total = static_cast<std::int64_t>(auth.users.count());
    orch::json users = orch::json::array();
    for (const auto& row : auth.plugin.db().query(
             "SELECT id FROM auth_users ORDER BY created_at, id LIMIT ? OFFSET ?", {page.limit, page.offset}))
      users.push_back(UserDirectory::publicView(*auth.users.find(row["id"].get<std::string>())));
    auto pages = (total + page.limit - 1) / page.limit;
    response.json({{"users", users},
                   {"total", total},
                   {"page", page.page},
                   {"limit", page.limit},
                   {"page_size", page.limit},
                   {"total_pages", pages},
                   {"has_next", page.offset + static_cast<std::int64_t>(users.size()) < total},
                   {"pagination", {{"page", page.page}, {"limit", page.limit}, {"total", total}, {"pages", pages}}}});
  }, {.permission = "admin:*", .summary = "All users (admin)"});

  plugin.route("PUT", "/users/{id}", [&auth](orch::Request& request, orch::Response& response) {
    auto id = request.param("id");
    if (!auth.users.find(id)) throw orch::HttpError::notFound("User not found");
    auto body = objectBody(request);
    orch::json columns = orch::json::object();
    if (auto role = optionalString(body, "role", 20)) {
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
      if (auto value = optionalString(body, field, 200)) columns[field] = *value;
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
