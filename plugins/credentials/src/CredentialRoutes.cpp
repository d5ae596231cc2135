#include "CredentialRoutes.h"

#include "CredentialTypes.h"

#include <orchestrator/time.hpp>

namespace credentials {
namespace {

constexpr std::size_t kMaxName = 200;

/// description and the expiry, checked; on an update a null expiry means "never".
orch::json describedAndExpiring(const orch::json& body, bool update) {
  orch::json extra = orch::json::object();
  if (body.contains("description") && !(body["description"].is_null() && !update)) {
    if (!body["description"].is_string() && !body["description"].is_null())
      throw orch::HttpError::validation("description", "Must be a string");
    extra["description"] = body["description"];
  }
  if (body.contains("expires_at") && body["expires_at"].is_null() && update) {
    extra["expires_at"] = nullptr;
    extra["expires_ms"] = nullptr;
  } else if (body.contains("expires_at") && !body["expires_at"].is_null()) {
    auto when = body["expires_at"].is_string() ? orch::parseRfc3339(body["expires_at"].get<std::string>())
                                               : std::nullopt;
    if (!when) throw orch::HttpError::validation("expires_at", "Must be an RFC 3339 date-time, e.g. 2026-12-31T00:00:00Z");
    if (*when <= orch::nowMs()) throw orch::HttpError::validation("expires_at", "Must be in the future");
    extra["expires_ms"] = *when;
    extra["expires_at"] = orch::rfc3339Millis(*when);
  }
  return extra;
}

} // namespace

void registerCredentialRoutes(orch::Plugin& plugin, CredentialStore& store) {
  orch::RouteOptions write{"credential:write", "", "Store a named secret for steps (encrypted; never returned)"};
  plugin.route("POST", "/credentials", [&store](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto body = request.jsonObject();
    auto name = orch::requiredString(body, "name", kMaxName);
    auto type = orch::requiredString(body, "type", 32);
    auto data = credential_types::normalize(type, body);
    auto extra = describedAndExpiring(body, false);
    if (auto organization = tenant.organizationFrom(body); !organization.is_null()) extra["organization_id"] = organization;
    auto created = store.create(tenant, name, type, data, extra);
    response.status(201).write(created.dump());
  }, write);
  plugin.route("GET", "/credentials", [&store](orch::Request& request, orch::Response& response) {
    auto page = orch::Page::of(request);
    auto [items, total] = store.list(orch::Tenant::of(request), page);
    response.write(page.envelope("credentials", std::move(items), total).dump());
  }, {"credential:read", "", "List credentials (metadata only)"});
  plugin.route("GET", "/credentials/{id}", [&store](orch::Request& request, orch::Response& response) {
    auto found = store.find(request.param("id"), orch::Tenant::of(request));
    if (!found) throw orch::HttpError::notFound("Credential not found");
    response.write(found->dump());
  }, {"credential:read", "", "One credential (metadata only)"});
  plugin.route("PATCH", "/credentials/{id}", [&store](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto id = request.param("id");
    auto current = store.find(id, tenant);
    if (!current) throw orch::HttpError::notFound("Credential not found");
    auto body = request.jsonObject();
    for (const auto* fixed : {"type", "organization_id", "owner_id"})
      if (body.contains(fixed) && body[fixed] != (*current)[fixed])
        throw orch::HttpError::validation(fixed, "Cannot change; create another credential");
    auto changes = describedAndExpiring(body, true);
    if (body.contains("name")) changes["name"] = orch::requiredString(body, "name", kMaxName);
    // New secret fields replace the old ones whole, checked as on creation.
    if (body.contains("data") || body.contains("value"))
      changes["data"] = credential_types::normalize((*current)["type"].get<std::string>(), body);
    auto updated = store.update(id, tenant, changes);
    if (!updated) throw orch::HttpError::notFound("Credential not found");
    response.write(updated->dump());
  }, {"credential:write", "", "Rename, describe, re-date or replace the secret of a credential (its id stays)"});
  plugin.route("DELETE", "/credentials/{id}", [&store](orch::Request& request, orch::Response& response) {
    if (!store.remove(request.param("id"), orch::Tenant::of(request)))
      throw orch::HttpError::notFound("Credential not found");
    response.status(204);
  }, {"credential:write", "", "Delete a credential"});
}

} // namespace credentials
