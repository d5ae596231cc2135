#include "CredentialRoutes.h"

#include "CredentialTypes.h"

#include <orchestrator/clock.hpp>

namespace credentials {
namespace {

constexpr std::size_t kMaxName = 200;

std::string requiredText(const orch::json& body, const std::string& field, std::size_t maxBytes) {
  if (!body.contains(field)) throw orch::HttpError::validation(field, "Required");
  const auto& value = body[field];
  if (!value.is_string() || value.get_ref<const std::string&>().empty())
    throw orch::HttpError::validation(field, "Must be a non-empty string");
  if (value.get_ref<const std::string&>().size() > maxBytes)
    throw orch::HttpError::validation(field, "At most " + std::to_string(maxBytes) + " characters");
  return value.get<std::string>();
}

/// description, organization_id and the expiry, checked.
orch::json extras(const orch::json& body, const orch::Tenant& tenant) {
  orch::json extra = orch::json::object();
  if (body.contains("description") && !body["description"].is_null()) {
    if (!body["description"].is_string()) throw orch::HttpError::validation("description", "Must be a string");
    extra["description"] = body["description"];
  }
  if (auto organization = tenant.organizationFrom(body); !organization.is_null()) extra["organization_id"] = organization;
  if (body.contains("expires_at") && !body["expires_at"].is_null()) {
    auto when = body["expires_at"].is_string() ? orch::clock::parseRfc3339(body["expires_at"].get<std::string>())
                                               : std::nullopt;
    if (!when) throw orch::HttpError::validation("expires_at", "Must be an RFC 3339 date-time, e.g. 2026-12-31T00:00:00Z");
    if (*when <= orch::clock::nowMs()) throw orch::HttpError::validation("expires_at", "Must be in the future");
    extra["expires_ms"] = *when;
    extra["expires_at"] = orch::clock::rfc3339(*when);
  }
  return extra;
}

} // namespace

void registerCredentialRoutes(orch::Plugin& plugin, CredentialStore& store) {
  orch::RouteOptions write{"credential:write", "", "Store a named secret for steps (encrypted; never returned)"};
  plugin.route(
      "POST", "/credentials",
      [&store](orch::Request& request, orch::Response& response) {
        auto tenant = orch::Tenant::of(request);
        auto body = request.json();
        if (!body.is_object()) throw orch::HttpError::badRequest("The body must be a JSON object");
        auto name = requiredText(body, "name", kMaxName);
        auto type = requiredText(body, "type", 32);
        auto data = credential_types::normalize(type, body);
        auto created = store.create(tenant, name, type, data, extras(body, tenant));
        response.status(201).write(created.dump());
      },
      write);
  plugin.route(
      "GET", "/credentials",
      [&store](orch::Request& request, orch::Response& response) {
        auto page = orch::Page::of(request);
        auto [items, total] = store.list(orch::Tenant::of(request), page);
        response.write(page.envelope("credentials", std::move(items), total).dump());
      },
      {"credential:read", "", "List credentials (metadata only)"});
  plugin.route(
      "GET", "/credentials/{id}",
      [&store](orch::Request& request, orch::Response& response) {
        auto found = store.find(request.param("id"), orch::Tenant::of(request));
        if (!found) throw orch::HttpError::notFound("Credential not found");
        response.write(found->dump());
      },
      {"credential:read", "", "One credential (metadata only)"});
  plugin.route(
      "DELETE", "/credentials/{id}",
      [&store](orch::Request& request, orch::Response& response) {
        if (!store.remove(request.param("id"), orch::Tenant::of(request)))
          throw orch::HttpError::notFound("Credential not found");
        response.status(204);
      },
      {"credential:write", "", "Delete a credential"});
}

} // namespace credentials
