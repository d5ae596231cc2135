#pragma once

#include "Bundle.h"

#include <orchestrator/plugin.hpp>

#include <set>
#include <string>

namespace marketplace {

/// Agents into bundles and bundles into agents, through the services of the
/// agents, workflows and credentials plugins: what export, import, install
/// and upgrade share.
class Packages {
public:
  Packages(const orch::Plugin& plugin, SigningKey key, std::set<std::string> trusted, std::string hostId)
      : plugin_(plugin), key_(std::move(key)), trusted_(std::move(trusted)), hostId_(std::move(hostId)) {
    trusted_.insert(key_.publicKey()); // a host trusts what it signed itself
  }

  const SigningKey& key() const { return key_; }
  const std::set<std::string>& trusted() const { return trusted_; }

  /// The agent (as the agents service shows it) the principal sees, or a 404.
  json agent(const json& principal, const std::string& agentId) const;
  /// The agent, its other workflows and what it needs, signed by this host.
  /// Credentials travel by name only, never with a secret.
  json exportAgent(const json& principal, const json& agent) const;
  /// The bundle inside an envelope, verified; a 422 on "bundle" with the reason.
  json verified(const json& envelope) const { return verify(envelope, trusted_); }

  /// A 409 naming the plugin when a step type or framework the bundle needs is not loaded here.
  void requireLoaded(const json& bundle) const;

  struct Installed {
    json agent;                ///< the copy, as the agents service shows it
    json workflowIds;          ///< the bundle's workflow index -> the copy's workflow id
    json missingCredentials;   ///< [{name, type}] the installer has none of by that name
  };
  /// A copy of the bundle's agent and workflows for the principal, in
  /// `organizationId` when given; `metadata` is added to the copy's.
  Installed install(const json& principal, const json& bundle, const json& organizationId, const json& metadata,
                    const std::string& version) const;
  /// The copy `agent` moved to `bundle`: its definition and workflows replaced.
  Installed upgrade(const json& principal, const json& agent, const json& bundle, json workflowIds, const json& metadata,
                    const std::string& version) const;

private:
  json missingCredentials(const json& principal, const json& bundle) const;
  json saveWorkflows(const json& principal, const json& agent, const json& bundle, json workflowIds) const;

  const orch::Plugin& plugin_;
  SigningKey key_;
  std::set<std::string> trusted_;
  std::string hostId_;
};

} // namespace marketplace
