#pragma once

#include "sealing/KeyRing.h"

#include <orchestrator/plugin.hpp>
#include <orchestrator/services/credentials.hpp>
#include <orchestrator/tenancy.hpp>

#include <functional>
#include <optional>
#include <string>

namespace credentials {

/// Credentials in the table `cr_credentials`: metadata in the clear, the
/// secret fields sealed (sealing::KeyRing). Nothing here returns a secret except
/// resolve(), which the credentials service serves to steps.
class CredentialStore {
public:
  CredentialStore(const orch::Database& db, sealing::KeyRing keys) : db_(db), keys_(std::move(keys)) {}

  /// Where the secrets are, for sealing::reseal().
  static sealing::SealedColumn sealedColumn() { return {.table = "cr_credentials"}; }
  const sealing::KeyRing& keys() const { return keys_; }

  /// Creates one from a validated request; returns its public view. 409 when
  /// the owner already has a credential of that name.
  orch::json create(const orch::Tenant& owner, const std::string& name, const std::string& type,
                    const orch::json& data, const orch::json& extra);
  std::optional<orch::json> find(const std::string& id, const orch::Tenant& tenant) const;
  std::pair<orch::json, std::int64_t> list(const orch::Tenant& tenant, const orch::Page& page) const;
  bool remove(const std::string& id, const orch::Tenant& tenant);
  /// Changes what `changes` holds, each already checked: "name",
  /// "description", "data" (the secret fields, sealed again), "expires_at"
  /// with "expires_ms" (null: never). Nullopt when it is not the tenant's;
  /// 409 when the owner has another credential of the new name.
  std::optional<orch::json> update(const std::string& id, const orch::Tenant& tenant, const orch::json& changes);

  /// The secret fields of a credential the principal may use: {"id", "type",
  /// "data"}. Throws orch::HttpError: 404 when it does not exist or is not
  /// the principal's, 409 when it has expired.
  orch::services::credentials::Credential resolve(const std::string& id, const orch::Tenant& tenant);
  /// The same, by name: the tenant's user's own credential of that name
  /// before one of its organizations'.
  orch::services::credentials::Credential resolveNamed(const std::string& name, const orch::Tenant& tenant);

  /// Marks credentials past their expiry and returns them (their public
  /// view), each once across every host sharing the database.
  orch::json claimExpired(std::int64_t nowMs);

private:
  static orch::json publicView(const orch::json& row, std::int64_t nowMs);
  /// Runs `write`; a refusal because `ownerId` already has another
  /// credential (not `id`) named `name` becomes a 409.
  void writeNamed(const std::string& ownerId, const std::string& name, const std::string& id,
                  const std::function<void()>& write) const;

  const orch::Database& db_;
  sealing::KeyRing keys_;
};

} // namespace credentials
