// Organizations and their members. Anyone outside an organization
// gets 404 for it, as if it did not exist.
#include "AuthContext.h"
#include "Permissions.h"
#include "Caller.h"

namespace auth {
namespace {

std::string slugFrom(const std::string& name) {
  std::string slug;
  for (unsigned char c : name) {
    if (std::isalnum(c)) {
      slug += static_cast<char>(std::tolower(c));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

bool validSlug(const std::string& slug) {
  return slug.size() >= 2 && slug.size() <= 64 &&
         std::all_of(slug.begin(), slug.end(), [](unsigned char c) { return std::islower(c) || std::isdigit(c) || c == '-'; });
}

/// The caller's role in the organization; 404 when it is not a member (admins see every organization).
std::string requireMembership(AuthContext& auth, const orch::Request& request, const std::string& organizationId) {
  if (!auth.organizations.find(organizationId)) throw orch::HttpError::notFound("Organization not found");
  if (auto role = auth.organizations.roleOf(organizationId, callerId(request))) return *role;
  if (callerIsAdmin(request)) return "admin";
  throw orch::HttpError::notFound("Organization not found");
}

void requireManager(AuthContext& auth, const orch::Request& request, const std::string& organizationId) {
  if (!managesMembers(requireMembership(auth, request, organizationId)))
    throw orch::HttpError::forbidden("Only an owner or admin of the organization manages its members");
}

} // namespace

void registerOrganizationRoutes(AuthContext& auth) {
  auto& plugin = auth.plugin;

  plugin.route("GET", "/organizations", [&auth](orch::Request& request, orch::Response& response) {
    auto list = auth.organizations.listFor(callerId(request));
    response.json({{"organizations", list}, {"total", list.size()}});
  }, {.summary = "The caller's organizations"});

  plugin.route("POST", "/organizations", [&auth](orch::Request& request, orch::Response& response) {
    auto body = request.jsonObject();
    auto name = orch::requiredString(body, "name", 200);
    auto slug = orch::optionalString(body, "slug", 64).value_or(slugFrom(name));
    if (!validSlug(slug))
      throw orch::HttpError::validation("slug", "2 to 64 lower-case letters, digits or '-'");
    auto tier = orch::optionalString(body, "subscription_tier", 50).value_or("free");
    auto userId = callerId(request);
    auto created = auth.organizations.create(userId, name, slug, tier);
    auth.users.forget(userId);
    response.status(201).json(created);
  }, {.summary = "Create an organization; the caller becomes its owner"});

  plugin.route("GET", "/organizations/{id}", [&auth](orch::Request& request, orch::Response& response) {
    auto id = request.param("id");
    auto role = requireMembership(auth, request, id);
    auto organization = *auth.organizations.find(id);
    organization["members"] = auth.organizations.members(id);
    organization["role"] = role;
    response.json(organization);
  }, {.summary = "An organization with its members"});

  plugin.route("POST", "/organizations/{id}/members", [&auth](orch::Request& request, orch::Response& response) {
    auto id = request.param("id");
    requireManager(auth, request, id);
    auto body = request.jsonObject();
    auto role = orch::optionalString(body, "role", 20).value_or("member");
    if (!isOrganizationRole(role))
      throw orch::HttpError::validation("role", "Must be owner, admin, member or viewer");
    if (role == "owner" && auth.organizations.roleOf(id, callerId(request)) != "owner" && !callerIsAdmin(request))
      throw orch::HttpError::forbidden("Only an owner can make another owner");
    std::optional<orch::json> user;
    if (auto userId = orch::optionalString(body, "user_id", 64)) {
      user = auth.users.find(*userId);
    } else if (auto email = orch::optionalString(body, "email", 254)) {
      user = auth.users.findByLogin(*email);
    } else {
      throw orch::HttpError::validation("user_id", "user_id or email is required");
    }
    if (!user) throw orch::HttpError::validation(body.contains("user_id") ? "user_id" : "email", "No such user");
    auto userId = (*user)["id"].get<std::string>();
    auto member = auth.organizations.setMember(id, userId, role);
    auth.users.forget(userId);
    response.status(201).json(member);
  }, {.summary = "Add a member, or change a member's role"});

  plugin.route("DELETE", "/organizations/{id}/members/{user_id}", [&auth](orch::Request& request, orch::Response& response) {
    auto id = request.param("id");
    auto userId = request.param("user_id");
    if (userId != callerId(request)) requireManager(auth, request, id); // anyone may leave
    else requireMembership(auth, request, id);
    if (auth.organizations.roleOf(id, userId) == "owner" && auth.organizations.ownerCount(id) == 1)
      throw orch::HttpError::conflict("An organization keeps at least one owner");
    if (!auth.organizations.removeMember(id, userId)) throw orch::HttpError::notFound("Member not found");
    auth.users.forget(userId);
    response.status(204);
  }, {.summary = "Remove a member"});
}

} // namespace auth
