#include "CredentialStore.h"

#include <algorithm>

#include <orchestrator/time.hpp>

namespace credentials {
namespace {

constexpr const char* kColumns =
    "id, owner_id, organization_id, name, type, description, fields, expires_at, expires_ms, last_used_at, "
    "created_at, updated_at";

} // namespace

orch::json CredentialStore::publicView(const orch::json& row, std::int64_t nowMs) {
  bool expired = row["expires_ms"].is_number() && row["expires_ms"].get<std::int64_t>() <= nowMs;
  return {{"id", row["id"]},
          {"name", row["name"]},
          {"type", row["type"]},
          {"description", row["description"]},
          {"fields", orch::json::parse(row["fields"].get<std::string>())},
          {"owner_id", row["owner_id"]},
          {"organization_id", row["organization_id"]},
          {"status", expired ? "expired" : "active"},
          {"expired", expired},
          {"expires_at", row["expires_at"]},
          {"last_used_at", row["last_used_at"]},
          {"created_at", row["created_at"]},
          {"updated_at", row["updated_at"]}};
}

orch::json CredentialStore::create(const orch::Tenant& owner, const std::string& name, const std::string& type,
                                   const orch::json& data, const orch::json& extra) {
  auto id = orch::newId();
  auto now = orch::rfc3339Millis(orch::nowMs());
  orch::json fields = orch::json::array();
  for (const auto& [field, value] : data.items()) fields.push_back(field);
  orch::json row = {{"id", id},
                    {"owner_id", owner.userId},
                    {"organization_id", extra.value("organization_id", orch::json())},
                    {"name", name},
                    {"type", type},
                    {"description", extra.value("description", orch::json())},
                    {"fields", fields.dump()},
                    {"secret", keys_.seal(id, data.dump())},
                    {"key_id", keys_.keyId()},
                    {"expires_at", extra.value("expires_at", orch::json())},
                    {"expires_ms", extra.value("expires_ms", orch::json())},
                    {"created_at", now},
                    {"updated_at", now}};
  writeNamed(owner.userId, name, "", [&] { db_.insert("cr_credentials", row); });
  row["last_used_at"] = nullptr;
  return publicView(row, orch::nowMs());
}

void CredentialStore::writeNamed(const std::string& ownerId, const std::string& name, const std::string& id,
                                 const std::function<void()>& write) const {
  try {
    write();
  } catch (const std::exception&) {
    // The unique (owner, name) index refused it, or the database failed.
    if (!db_.query("SELECT id FROM cr_credentials WHERE owner_id = ? AND name = ? AND id <> ?", {ownerId, name, id}).empty())
      throw orch::HttpError::conflict("You already have a credential named '" + name + "'");
    throw;
  }
}

std::optional<orch::json> CredentialStore::update(const std::string& id, const orch::Tenant& tenant, const orch::json& changes) {
  auto rows = db_.query("SELECT owner_id, organization_id, name FROM cr_credentials WHERE id = ?", {id});
  if (rows.empty() || !tenant.canSee(rows[0]["owner_id"].get<std::string>(), rows[0]["organization_id"])) return std::nullopt;
  std::string set = "updated_at = ?";
  orch::json params = {orch::rfc3339Millis(orch::nowMs())};
  auto assign = [&](const std::string& column, orch::json value) {
    set += ", " + column + " = ?";
    params.push_back(std::move(value));
  };
  for (const auto* field : {"name", "description"})
    if (changes.contains(field)) assign(field, changes[field]);
  if (changes.contains("data")) {
    orch::json fields = orch::json::array();
    for (const auto& [field, value] : changes["data"].items()) fields.push_back(field);
    assign("fields", fields.dump());
    assign("secret", keys_.seal(id, changes["data"].dump()));
    assign("key_id", keys_.keyId());
  }
  if (changes.contains("expires_ms")) {
    // A new expiry is announced again when it comes.
    assign("expires_at", changes["expires_at"]);
    assign("expires_ms", changes["expires_ms"]);
    assign("expiry_published", 0);
  }
  params.push_back(id);
  auto name = changes.value("name", rows[0]["name"].get<std::string>());
  writeNamed(rows[0]["owner_id"].get<std::string>(), name, id,
             [&] { db_.execute("UPDATE cr_credentials SET " + set + " WHERE id = ?", params); });
  return find(id, tenant);
}

std::optional<orch::json> CredentialStore::find(const std::string& id, const orch::Tenant& tenant) const {
  auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM cr_credentials WHERE id = ?", {id});
  if (rows.empty() || !tenant.canSee(rows[0]["owner_id"].get<std::string>(), rows[0]["organization_id"]))
    return std::nullopt;
  return publicView(rows[0], orch::nowMs());
}

std::pair<orch::json, std::int64_t> CredentialStore::list(const orch::Tenant& tenant, const orch::Page& page) const {
  auto [rows, total] = tenant.listVisible(db_, "cr_credentials", kColumns, page);
  orch::json items = orch::json::array();
  auto now = orch::nowMs();
  for (const auto& row : rows) items.push_back(publicView(row, now));
  return {items, total};
}

bool CredentialStore::remove(const std::string& id, const orch::Tenant& tenant) {
  if (!find(id, tenant)) return false;
  return db_.execute("DELETE FROM cr_credentials WHERE id = ?", {id}) == 1;
}

orch::services::credentials::Credential CredentialStore::resolve(const std::string& id, const orch::Tenant& tenant) {
  auto rows = db_.query("SELECT id, owner_id, organization_id, name, type, secret, key_id, expires_ms "
                        "FROM cr_credentials WHERE id = ?",
                        {id});
  if (rows.empty() || !tenant.canSee(rows[0]["owner_id"].get<std::string>(), rows[0]["organization_id"]))
    throw orch::HttpError::notFound("Credential '" + id + "' not found");
  const auto& row = rows[0];
  auto now = orch::nowMs();
  if (row["expires_ms"].is_number() && row["expires_ms"].get<std::int64_t>() <= now)
    throw orch::HttpError::conflict("Credential '" + row["name"].get<std::string>() + "' has expired");
  orch::json data;
  try {
    data = orch::json::parse(keys_.open(id, row["secret"].get<std::string>(), row["key_id"].get<std::string>()));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("credential " + id + " cannot be opened: " + e.what());
  }
  db_.execute("UPDATE cr_credentials SET last_used_at = ? WHERE id = ?", {orch::rfc3339Millis(now), id});
  return {id, row["name"].get<std::string>(), row["type"].get<std::string>(), std::move(data)};
}

orch::services::credentials::Credential CredentialStore::resolveNamed(const std::string& name, const orch::Tenant& tenant) {
  // By name, only what is the caller's own or its organizations': an admin's
  // right to see everything must not pick another user's secret for it.
  std::vector<std::string> shared;
  for (const auto& row : db_.query("SELECT id, owner_id, organization_id FROM cr_credentials WHERE name = ? ORDER BY id", {name})) {
    if (row["owner_id"] == tenant.userId) return resolve(row["id"].get<std::string>(), tenant);
    const auto& organization = row["organization_id"];
    if (organization.is_string() && std::find(tenant.organizationIds.begin(), tenant.organizationIds.end(),
                                              organization.get<std::string>()) != tenant.organizationIds.end())
      shared.push_back(row["id"].get<std::string>());
  }
  if (shared.empty()) throw orch::HttpError::notFound("No credential named '" + name + "' was found");
  if (shared.size() > 1)
    throw orch::HttpError::conflict("Several of your organizations' credentials are named '" + name +
                                    "'; name one by its credential_id");
  return resolve(shared.front(), tenant);
}

orch::json CredentialStore::claimExpired(std::int64_t nowMs) {
  auto rows = db_.query(std::string("SELECT ") + kColumns +
                            " FROM cr_credentials WHERE expiry_published = 0 AND expires_ms <= ? ORDER BY expires_ms LIMIT 100",
                        {nowMs});
  orch::json claimed = orch::json::array();
  for (const auto& row : rows)
    if (db_.execute("UPDATE cr_credentials SET expiry_published = 1 WHERE id = ? AND expiry_published = 0",
                    {row["id"]}) == 1)
      claimed.push_back(publicView(row, nowMs));
  return claimed;
}

} // namespace credentials
