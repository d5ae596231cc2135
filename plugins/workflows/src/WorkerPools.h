#pragma once

#include "engine/RemoteSteps.h"

#include <orchestrator/plugin.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace workflows {

/// The pools of deployed agents' workers (`wf_worker_pools`) and their
/// tokens: attach() gives an agent a pool and its worker a new token (the
/// old one stops working), detach() takes both away. Opens and closes the
/// pools of the engine's RemoteSteps to match.
class WorkerPools {
public:
  /// `hostId`: this host's (server.host_id); its workers link to it alone.
  WorkerPools(const orch::Database& db, RemoteSteps& remote, std::string hostId)
      : db_(db), remote_(remote), hostId_(std::move(hostId)) {}

  /// Opens every pool of this host's in the table (at start).
  void load();
  /// A new token for the agent's worker; its pool opens.
  std::string attach(const std::string& agentId);
  /// Settings a worker's copy of this plugin needs to run steps as the host
  /// does ({"workflows.webhook_secret": ...}); set once at start.
  void share(orch::json settings) { shared_ = std::move(settings); }
  const orch::json& shared() const { return shared_; }
  /// Revokes the token and closes the pool: its waiting steps run in the host again.
  void detach(const std::string& agentId);
  /// The agent whose worker holds `token`, if any.
  std::optional<std::string> poolOf(const std::string& token) const;

private:
  static std::string hash(const std::string& token);

  const orch::Database& db_;
  RemoteSteps& remote_;
  std::string hostId_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> byHash_; ///< token hash -> agent id
  orch::json shared_ = orch::json::object();
};

} // namespace workflows
