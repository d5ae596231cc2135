#pragma once

#include "AgentStore.h"

#include <orchestrator/plugin.hpp>
#include <orchestrator/services/runtime.hpp>

#include <atomic>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace agents {

/// Whether `name` can name a runtime (a service "runtime.<name>").
bool isRuntimeName(const orch::json& name);

/// agents.* settings of deployments, read once.
struct DeploySettings {
  std::string runtime;                    ///< agents.runtime: process, docker, or any runtime a plugin serves
  std::int64_t healthIntervalMs = 0;      ///< agents.health_interval_ms
  std::int64_t healthTimeoutMs = 0;       ///< agents.health_timeout_ms
  std::int64_t deployTimeoutMs = 0;       ///< agents.deploy_timeout_ms: from start to the worker's first claim
  std::int64_t maxRestarts = 0;           ///< agents.max_restarts
  std::int64_t workerConcurrency = 0;     ///< agents.worker.concurrency
  std::vector<std::string> workerSettings; ///< agents.worker.settings: keys of this host's settings the worker gets too

  static DeploySettings from(const orch::Plugin& plugin);
};

/// Agents deployed in a container of their own (issue 19). deploy() starts
/// the agent's worker on a runtime (a service "runtime.<name>", sdk
/// services/runtime.hpp) with a token from the workflows plugin, whose
/// engine then offers the agent's steps to that worker only; it answers once
/// the worker has linked. The host that deployed an agent supervises it: a
/// health check the worker answers, every agents.health_interval_ms; a
/// container that restarts has its steps offered again at once; one that
/// will not come back turns the agent to `error`; one that is gone (a host
/// restart, a `docker rm`) is started anew. Every step of that is logged
/// for the container's logs (source "host").
class Deployments {
public:
  Deployments(orch::Plugin& plugin, AgentStore& store, DeploySettings settings);

  /// The route answers of seed 004 (POST deploy, POST undeploy, GET
  /// container, POST container/restart, GET container/logs); `agent` is the
  /// caller's own (checked by the route).
  orch::json deploy(const orch::json& agent, const orch::json& body);
  orch::json undeploy(const orch::json& agent);
  orch::json container(const orch::json& agent);
  orch::json restart(const orch::json& agent);
  orch::json logs(const orch::json& agent, const std::string& since, const std::string& until, int tail);

  /// At start: takes over what this host's runtimes still run (adopted when
  /// an agent owns it, removed when none does), then supervises.
  void start();
  /// One round of supervision (the timer's).
  void supervise();

private:
  struct Events; // what one deploy did, for its answer and the log
  std::shared_ptr<std::mutex> lockOf(const std::string& agentId);
  std::optional<orch::json> deployment(const std::string& agentId) const;
  void log(const std::string& agentId, const std::string& level, const std::string& message) const;
  /// Starts the worker and waits until it links; throws with the reason, having removed what it started.
  orch::json launch(const orch::json& agent, const std::string& runtime, Events& events);
  /// The part of launch after the start: until the worker links.
  orch::json linked(const orch::json& agent, const std::string& runtime, const orch::services::runtime::Container& container,
                    Events& events);
  /// Removes the container and the worker's token (undeploy, a failed deploy).
  void takeDown(const std::string& agentId, const std::string& runtime, const orch::json& containerId);
  void setState(const orch::json& agent, const std::string& state, const orch::json& changes);
  void superviseOne(const orch::json& row);
  /// A worker started again: unanswered health checks are no alarm for agents.deploy_timeout_ms.
  void startedAgain(const std::string& agentId);
  bool stillStarting(const std::string& agentId);

  orch::Plugin& plugin_;
  AgentStore& store_;
  DeploySettings settings_;
  std::string hostId_, linkSocket_;
  std::atomic<bool> supervising_{false};
  std::mutex locksMutex_;
  std::map<std::string, std::shared_ptr<std::mutex>> locks_;
  std::map<std::string, std::chrono::steady_clock::time_point> starting_;
};

} // namespace agents
