// The services "runtime.<name>" (runtime.process, runtime.docker of the
// containers plugin): where a deployed agent's worker runs. The agents plugin
// asks the runtime its settings name; a plugin that serves "runtime.kubernetes"
// with these methods is all another runtime takes. Both sides use these
// types, so the JSON they exchange is written here once.
#pragma once

#include "../plugin.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orch::services::runtime {

inline std::string serviceName(const std::string& runtime) { return "runtime." + runtime; }

/// Starts a worker: StartRequest -> Container.
inline constexpr const char* kStart = "start";
/// Stops it and removes everything it had: {container_id} -> {}. Unknown ids are no error.
inline constexpr const char* kRemove = "remove";
/// Stops it and starts it again, as it was: {container_id} -> Container.
inline constexpr const char* kRestart = "restart";
/// What it is now: {container_id} -> Container (status "missing" when gone).
inline constexpr const char* kInspect = "inspect";
/// Its use of the machine: {container_id} -> Usage.
inline constexpr const char* kStats = "stats";
/// Its output, oldest first: LogQuery -> {logs: [{timestamp, level, message, source}]}.
inline constexpr const char* kLogs = "logs";
/// Every container it has with all of `labels`: {labels} -> {containers: [Container]}.
inline constexpr const char* kList = "list";

/// What to run: the host's own binary (`orchestrator worker`), with `environment`
/// (its worker.* settings), and the folder of the host's Unix socket (`linkDir`)
/// reachable at the same path inside.
struct StartRequest {
  std::string name;                              ///< unique per host: "orch-agent-<agent id>"
  std::map<std::string, std::string> labels;     ///< kept with it, for list (orchestrator.host, orchestrator.agent)
  std::map<std::string, std::string> environment;
  std::string linkDir;
  double cpus = 0;                 ///< 0: no limit
  std::int64_t memoryMib = 0;      ///< 0: no limit
  std::string network = "shared";  ///< "shared" or "none" (a network of its own with nothing in it)
  int maxRestarts = 5;             ///< a worker that exits unasked is started again this many times, with backoff

  json toJson() const {
    return {{"name", name},         {"labels", labels}, {"environment", environment}, {"link_dir", linkDir},
            {"cpus", cpus},         {"memory_mib", memoryMib}, {"network", network},  {"max_restarts", maxRestarts}};
  }
  static StartRequest fromJson(const json& m) {
    StartRequest r;
    r.name = m.value("name", std::string());
    r.labels = m.value("labels", std::map<std::string, std::string>());
    r.environment = m.value("environment", std::map<std::string, std::string>());
    r.linkDir = m.value("link_dir", std::string());
    r.cpus = m.value("cpus", 0.0);
    r.memoryMib = m.value("memory_mib", std::int64_t{0});
    r.network = m.value("network", std::string("shared"));
    r.maxRestarts = m.value("max_restarts", 5);
    return r;
  }
};

/// A container as the runtime sees it.
struct Container {
  std::string id;
  std::string status;      ///< "running", "restarting", "exited", "missing"
  std::map<std::string, std::string> labels;
  std::string startedAt;   ///< RFC 3339, when it last started
  int restartCount = 0;    ///< restarts after it exited unasked
  std::optional<int> exitCode;
  bool oomKilled = false;  ///< it last ended killed for memory
  std::string error;       ///< why it last ended, in words
  /// How its limits are held: {cpus, memory_mib, network, enforced_by: "cgroup v1" | "cgroup v2" | "rlimit" | "docker"}
  json limits = json::object();
  std::vector<std::string> notes; ///< what could not be applied here, and why
  std::vector<std::string> events; ///< what start did, in order ("Image ... built", "Container ... created")

  json toJson() const {
    return {{"container_id", id},          {"status", status},          {"events", events},
            {"labels", labels},             {"started_at", startedAt.empty() ? json() : json(startedAt)},
            {"restart_count", restartCount}, {"exit_code", exitCode ? json(*exitCode) : json()},
            {"oom_killed", oomKilled},      {"error", error.empty() ? json() : json(error)},
            {"limits", limits},             {"notes", notes}};
  }
  static Container fromJson(const json& m) {
    Container c;
    c.id = m.value("container_id", std::string());
    c.status = m.value("status", std::string("missing"));
    c.labels = m.value("labels", std::map<std::string, std::string>());
    c.startedAt = m.value("started_at", json()).is_string() ? m["started_at"].get<std::string>() : "";
    c.restartCount = m.value("restart_count", 0);
    if (m.value("exit_code", json()).is_number_integer()) c.exitCode = m["exit_code"].get<int>();
    c.oomKilled = m.value("oom_killed", false);
    c.error = m.value("error", json()).is_string() ? m["error"].get<std::string>() : "";
    c.limits = m.value("limits", json::object());
    c.notes = m.value("notes", std::vector<std::string>());
    c.events = m.value("events", std::vector<std::string>());
    return c;
  }
};

/// Seed 004's resource_usage: cpu_percent over the last two samples, memory in MiB, network in bytes.
struct Usage {
  double cpuPercent = 0, memoryUsageMib = 0, memoryLimitMib = 0;
  std::int64_t networkRx = 0, networkTx = 0;

  json toJson() const {
    return {{"cpu_percent", cpuPercent}, {"memory_usage", memoryUsageMib}, {"memory_limit", memoryLimitMib},
            {"network_rx", networkRx},   {"network_tx", networkTx}};
  }
};

/// Log lines of a container: those since and until (RFC 3339, either may be
/// empty), the last `tail` of them.
struct LogQuery {
  std::string containerId, since, until;
  int tail = 100;

  json toJson() const { return {{"container_id", containerId}, {"since", since}, {"until", until}, {"tail", tail}}; }
  static LogQuery fromJson(const json& m) {
    return {m.value("container_id", std::string()), m.value("since", std::string()), m.value("until", std::string()),
            m.value("tail", 100)};
  }
};

} // namespace orch::services::runtime
