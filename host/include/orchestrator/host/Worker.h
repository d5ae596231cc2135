#pragma once

#include "orchestrator/host/Config.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/PluginManager.h"
#include "orchestrator/host/Server.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace orch::host {

class WorkerLink;

/// `orchestrator worker`'s settings (worker.*), read once.
struct WorkerSettings {
  std::string link;    ///< worker.link: the host's Unix socket (server.unix_socket there)
  std::string token;   ///< worker.token: the credential of this worker's pool, from the deployment
  std::string agentId; ///< worker.agent_id: whose steps it runs (for its log and health answers)
  int concurrency = 4; ///< worker.concurrency: steps run at once
  int pollMs = 5000;   ///< worker.poll_ms: how long one claim waits for work (well inside the host's lease)
  /// worker.host_plugins: plugins left out here, whose services the host serves.
  std::set<std::string> hostPlugins = {"auth", "agents", "ai", "analytics", "containers", "credentials", "marketplace", "realtime", "webhooks"};

  static WorkerSettings fromConfig(const Config& config);
};

/// The worker mode of the host binary (issue 19, "What runs in the
/// container"): the same plugins, minus those of `hostPlugins`, on a storage
/// of its own (SQLite in its data folder, which holds nothing the host needs),
/// and no listener. It claims the steps of one deployed agent from the host
/// over the link, runs each with the plugins here, and answers; a service no
/// plugin here serves is asked of the host, on behalf of the step being run.
/// The host holds the truth: a worker that dies loses nothing.
class Worker {
public:
  Worker(Config& config, ServerSettings server, WorkerSettings settings);
  ~Worker();

  /// Opens storage and loads the plugins; throws as Server::start does.
  void start();
  /// Claims and runs until stop() or until the host refuses the token (undeployed).
  void run();
  void stop();
  /// Why run() returned: empty when asked to stop.
  const std::string& endedBecause() const { return endedBecause_; }

private:
  void runAttempt(const nlohmann::json& attempt);
  nlohmann::json health() const;

  Config& config_;
  ServerSettings server_;
  WorkerSettings settings_;
  HostContext context_;
  PluginManager plugins_;
  std::unique_ptr<WorkerLink> link_;
  std::string instance_; ///< this process's own id, new each start: the host tells a restarted worker by it
  std::atomic<bool> stopping_{false};
  std::string endedBecause_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::set<std::string> running_; ///< attempt ids being run
  std::chrono::steady_clock::time_point startedAt_;
};

} // namespace orch::host
