#include "Deployments.h"

#include "AgentEvents.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/services/runtime.hpp>
#include <orchestrator/services/workflows.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

namespace agents {
namespace {

namespace runtime = orch::services::runtime;
namespace workflows = orch::services::workflows;
using Clock = std::chrono::steady_clock;

std::int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// The runtime an agent is deployed on: the deploy's body, else its
/// resource_limits (checked when it was set), else agents.runtime.
std::string runtimeFor(const orch::json& limits, const orch::json& body, const std::string& fallback) {
  if (body.contains("runtime")) {
    if (!isRuntimeName(body["runtime"]))
      throw orch::HttpError::validation("runtime", "A runtime's name: process, docker, or another a plugin serves");
    return body["runtime"].get<std::string>();
  }
  if (limits.is_object() && limits.value("runtime", orch::json()).is_string()) return limits["runtime"].get<std::string>();
  return fallback;
}

/// Seed 004's resource_limits (checked when they were set) as a runtime's
/// start request: cpu (cores), memory (MiB), network_isolation.
void applyLimits(const orch::json& limits, runtime::StartRequest& request) {
  if (!limits.is_object()) return;
  if (limits.value("cpu", orch::json()).is_number()) request.cpus = limits["cpu"].get<double>();
  if (limits.value("memory", orch::json()).is_number_integer()) request.memoryMib = limits["memory"].get<std::int64_t>();
  // "isolated" and "none" are both a network of its own with nothing in it.
  request.network = limits.value("network_isolation", std::string("shared")) == "shared" ? "shared" : "none";
}

orch::HttpError deployFailed(const std::string& reason, const std::vector<std::string>& logs) {
  return {502, "DEPLOYMENT_FAILED", reason, orch::json{{"deployment_logs", logs}}};
}

} // namespace

bool isRuntimeName(const orch::json& name) {
  static const std::regex kName("[a-z][a-z0-9_]{0,31}");
  return name.is_string() && std::regex_match(name.get<std::string>(), kName);
}

const orch::SettingsMap<DeploySettings> kDeploySettings = {
    {"agents.runtime", &DeploySettings::runtime, "process",
     "Where deployed agents' workers run: process, docker, or a runtime another plugin serves (runtime.<name>)"},
    {"agents.health_interval_ms", &DeploySettings::healthIntervalMs, "2000",
     "How often the host checks each deployed agent's worker", {.minimum = "50"}},
    {"agents.health_timeout_ms", &DeploySettings::healthTimeoutMs, "3000",
     "A worker that does not answer its health check within this is unhealthy", {.minimum = "50"}},
    {"agents.deploy_timeout_ms", &DeploySettings::deployTimeoutMs, "120000",
     "How long a deploy waits for the worker to link (a first Docker image build included)", {.minimum = "100"}},
    {"agents.max_restarts", &DeploySettings::maxRestarts, "5",
     "A worker that crashes is started again this many times, with backoff, before its agent turns error",
     {.minimum = "0"}},
    {"agents.worker.concurrency", &DeploySettings::workerConcurrency, "4", "Steps one worker runs at once",
     {.minimum = "1", .maximum = "256"}},
    {"agents.worker.settings", &DeploySettings::workerSettings,
     "smtp.host,smtp.port,smtp.starttls,smtp.username,smtp.password,smtp.from,smtp.tls.ca_file,smtp.timeout_ms,"
     "steps.api_call.allow_private_networks,steps.tls.ca_file,log.level",
     "Settings of this host that workers get too, so that their steps run as the host's would"},
};

DeploySettings DeploySettings::from(const orch::Plugin& plugin) { return plugin.settings(kDeploySettings); }

/// What one deploy did, in order: the answer's deployment_logs, and the log.
struct Deployments::Events {
  Deployments& owner;
  std::string agentId;
  std::vector<std::string> lines;
  void operator()(const std::string& line, const std::string& level = "INFO") {
    lines.push_back(line);
    owner.log(agentId, level, line);
  }
};

Deployments::Deployments(orch::Plugin& plugin, AgentStore& store, DeploySettings settings)
    : plugin_(plugin), store_(store), settings_(std::move(settings)) {
  hostId_ = plugin.config("server.host_id", "");
  linkSocket_ = plugin.config("server.unix_socket", "");
}

std::shared_ptr<std::mutex> Deployments::lockOf(const std::string& agentId) {
  std::lock_guard lock(locksMutex_);
  auto& held = locks_[agentId];
  if (!held) held = std::make_shared<std::mutex>();
  return held;
}

std::optional<orch::json> Deployments::deployment(const std::string& agentId) const {
  return plugin_.db().queryOne("SELECT * FROM ag_deployments WHERE agent_id = ?", {agentId});
}

void Deployments::log(const std::string& agentId, const std::string& level, const std::string& message) const {
  plugin_.db().execute("INSERT INTO ag_deployment_events (agent_id, at_us, level, message) VALUES (?, ?, ?, ?)",
                       {agentId, nowMicros(), level, message});
}

void Deployments::setState(const orch::json& agent, const std::string& state, const orch::json& changes) {
  auto id = agent["id"].get<std::string>();
  orch::json columns = changes;
  columns["state"] = state;
  columns["updated_at"] = orch::nowRfc3339();
  std::string set;
  orch::json params = orch::json::array();
  for (const auto& [column, value] : columns.items()) {
    set += (set.empty() ? "" : ", ") + column + " = ?";
    params.push_back(value);
  }
  params.push_back(id);
  plugin_.db().execute("UPDATE ag_deployments SET " + set + " WHERE agent_id = ?", params);
}

orch::json Deployments::launch(const orch::json& agent, const std::string& runtimeName, Events& events) {
  auto id = agent["id"].get<std::string>();
  auto service = runtime::serviceName(runtimeName);
  if (linkSocket_.empty())
    throw deployFailed("The host serves no Unix socket for workers to link over (server.unix_socket)", events.lines);
  runtime::StartRequest request;
  request.name = "orch-agent-" + id;
  request.labels = {{"orchestrator.host", hostId_}, {"orchestrator.agent", id}};
  request.linkDir = std::filesystem::path(linkSocket_).parent_path().string();
  request.maxRestarts = static_cast<int>(settings_.maxRestarts);
  applyLimits(orch::json::parse(agent["resource_limits"].get<std::string>(), nullptr, false), request);

  auto attached = plugin_.callService(workflows::kService, workflows::kAttachWorker, {{"agent_id", id}});
  for (const auto& key : settings_.workerSettings)
    if (auto value = plugin_.config(key)) request.environment[orch::settings::environmentName(key)] = *value;
  auto shared = attached.value("settings", orch::json::object()); // items() of a temporary would dangle
  for (const auto& [key, value] : shared.items())
    if (value.is_string()) request.environment[orch::settings::environmentName(key)] = value.get<std::string>();
  request.environment["ORCH_WORKER__LINK"] = linkSocket_;
  request.environment["ORCH_WORKER__TOKEN"] = attached["token"].get<std::string>();
  request.environment["ORCH_WORKER__AGENT_ID"] = id;
  request.environment["ORCH_WORKER__CONCURRENCY"] = std::to_string(settings_.workerConcurrency);
  if (auto plugins = plugin_.config("plugins.dir")) request.environment["ORCH_PLUGINS__DIR"] = *plugins;

  runtime::Container container;
  try {
    container = runtime::Container::fromJson(plugin_.callService(service, runtime::kStart, request.toJson()));
  } catch (const std::exception& e) {
    plugin_.callServiceIfServed(workflows::kService, workflows::kDetachWorker, {{"agent_id", id}});
    throw deployFailed(std::string("The runtime could not start the worker: ") + e.what(), events.lines);
  }
  try {
    return linked(agent, runtimeName, container, events);
  } catch (...) {
    takeDown(id, runtimeName, container.id); // nothing left running, no token left valid
    throw;
  }
}

orch::json Deployments::linked(const orch::json& agent, const std::string& runtimeName, const runtime::Container& container,
                               Events& events) {
  auto id = agent["id"].get<std::string>();
  auto service = runtime::serviceName(runtimeName);
  for (const auto& line : container.events) events(line);
  events("Container " + container.id + " created and started on the " + runtimeName + " runtime (limits held by " +
         container.limits.value("enforced_by", std::string("nothing")) + ")");
  for (const auto& note : container.notes) events(note, "WARNING");

  // Ready when the worker answers a health check over the link.
  auto deadline = Clock::now() + std::chrono::milliseconds(settings_.deployTimeoutMs);
  for (;;) {
    auto check = plugin_.callService(workflows::kService, workflows::kCheckWorker, {{"agent_id", id}, {"timeout_ms", 250}});
    if (check.value("healthy", false)) {
      const auto& answer = check["answer"];
      events("Worker connected: pid " + answer.value("pid", orch::json()).dump() + " on " +
             answer.value("hostname", std::string("?")) + ", " + std::to_string(answer.value("plugins", orch::json::array()).size()) +
             " plugins loaded");
      return {{"container", container.toJson()}, {"worker", answer}};
    }
    auto now = runtime::Container::fromJson(plugin_.callService(service, runtime::kInspect, {{"container_id", container.id}}));
    bool gone = now.status == "exited" || now.status == "missing";
    if (gone || Clock::now() >= deadline) {
      auto reason = gone ? "The worker stopped before it linked (" + (now.error.empty() ? now.status : now.error) + ")"
                         : "The worker did not link within agents.deploy_timeout_ms (" +
                               std::to_string(settings_.deployTimeoutMs) + " ms)";
      try {
        auto tail = plugin_.callService(service, runtime::kLogs, runtime::LogQuery{container.id, "", "", 5}.toJson());
        for (const auto& line : tail.value("logs", orch::json::array())) events("container: " + line.value("message", std::string()), "WARNING");
      } catch (const std::exception&) {
        // Its last words are a help, not a need.
      }
      throw deployFailed(reason, events.lines);
    }
  }
}

void Deployments::takeDown(const std::string& agentId, const std::string& runtimeName, const orch::json& containerId) {
  if (containerId.is_string() && !containerId.get<std::string>().empty())
    plugin_.callServiceIfServed(runtime::serviceName(runtimeName), runtime::kRemove, {{"container_id", containerId}});
  plugin_.callServiceIfServed(workflows::kService, workflows::kDetachWorker, {{"agent_id", agentId}});
}

orch::json Deployments::deploy(const orch::json& agent, const orch::json& body) {
  auto id = agent["id"].get<std::string>();
  auto held = lockOf(id);
  std::lock_guard lock(*held);
  auto limits = orch::json::parse(agent["resource_limits"].get<std::string>(), nullptr, false);
  auto runtimeName = runtimeFor(limits, body, settings_.runtime);
  if (!agent["workflow_id"].is_string())
    throw orch::HttpError::validation("definition", "The agent has no definition to run: give it one before deploying it");
  auto current = deployment(id);
  if (current && (*current)["state"] != "error" && (*current)["container_id"].is_string()) {
    auto container = runtime::Container::fromJson(plugin_.callService(
        runtime::serviceName((*current)["runtime"].get<std::string>()), runtime::kInspect, {{"container_id", (*current)["container_id"]}}));
    if (container.status == "running" || container.status == "restarting")
      return {{"id", id},
              {"status", agent["status"]},
              {"container_id", container.id},
              {"deployed_at", (*current)["deployed_at"]},
              {"runtime", (*current)["runtime"]},
              {"deployment_logs", {"Already deployed: container " + container.id + " is " + container.status}}};
  }
  if (current) takeDown(id, (*current)["runtime"].get<std::string>(), (*current)["container_id"]);
  std::optional<orch::json> served;
  try {
    served = plugin_.callServiceIfServed(runtime::serviceName(runtimeName), runtime::kList,
                                         {{"labels", {{"orchestrator.agent", id}}}});
  } catch (const std::exception& e) {
    throw orch::HttpError(503, "RUNTIME_UNAVAILABLE", "The " + runtimeName + " runtime cannot be used now: " + e.what());
  }
  if (!served)
    throw orch::HttpError::validation("runtime", "No plugin serves the runtime '" + runtimeName + "' (runtime." + runtimeName +
                                                     "): enable the containers plugin, or name another");
  auto now = orch::nowRfc3339();
  plugin_.db().execute("DELETE FROM ag_deployments WHERE agent_id = ?", {id});
  plugin_.db().insert("ag_deployments", {{"agent_id", id}, {"host_id", hostId_}, {"runtime", runtimeName}, {"state", "deploying"},
                                         {"restart_count", 0}, {"updated_at", now}});
  Events events{*this, id, {}};
  events("Deploying version " + agent["version"].get<std::string>() + " on the " + runtimeName + " runtime");
  orch::json launched;
  try {
    launched = launch(agent, runtimeName, events);
  } catch (const std::exception& e) {
    events(std::string("Deployment failed: ") + e.what(), "ERROR");
    setState(agent, "error", {{"error", e.what()}, {"container_id", nullptr}});
    auto row = store_.update(id, {{"status", "error"}, {"container_id", nullptr}, {"deployed_at", nullptr}});
    publishAgentEvent(plugin_, "agent_status_update", row, {{"status", "error"}, {"container_id", nullptr}, {"error", e.what()}});
    throw deployFailed(e.what(), events.lines);
  }
  auto containerId = launched["container"]["container_id"];
  events("Agent deployed and running");
  setState(agent, "running", {{"container_id", containerId}, {"health_status", "healthy"}, {"last_health_check", orch::nowRfc3339()},
                              {"deployed_at", now}, {"error", nullptr}});
  auto row = store_.update(id, {{"status", "active"}, {"container_id", containerId}, {"deployed_at", now}});
  publishAgentEvent(plugin_, "agent_status_update", row,
                    {{"status", "active"}, {"previous_status", agent["status"]}, {"container_id", containerId}});
  return {{"id", id},           {"status", "active"},   {"container_id", containerId},
          {"deployed_at", now}, {"runtime", runtimeName}, {"deployment_logs", events.lines}};
}

orch::json Deployments::undeploy(const orch::json& agent) {
  auto id = agent["id"].get<std::string>();
  auto held = lockOf(id);
  std::lock_guard lock(*held);
  auto current = deployment(id);
  if (current) {
    takeDown(id, (*current)["runtime"].get<std::string>(), (*current)["container_id"]);
    log(id, "INFO", "Undeployed: the container and the worker's token are gone");
    plugin_.db().execute("DELETE FROM ag_deployments WHERE agent_id = ?", {id});
  }
  auto row = store_.update(id, {{"status", "inactive"}, {"container_id", nullptr}, {"deployed_at", nullptr}});
  publishAgentEvent(plugin_, "agent_status_update", row,
                    {{"status", "inactive"}, {"previous_status", agent["status"]}, {"container_id", nullptr}});
  return {{"id", id}, {"status", "inactive"}, {"undeployed_at", orch::nowRfc3339()}};
}

orch::json Deployments::container(const orch::json& agent) {
  auto id = agent["id"].get<std::string>();
  auto current = deployment(id);
  if (!current || !(*current)["container_id"].is_string()) {
    if (current && (*current)["error"].is_string())
      throw orch::HttpError(404, "NOT_FOUND", "The agent has no container: " + (*current)["error"].get<std::string>());
    throw orch::HttpError::notFound("The agent has no container: deploy it first");
  }
  auto service = runtime::serviceName((*current)["runtime"].get<std::string>());
  auto containerId = (*current)["container_id"];
  auto container = runtime::Container::fromJson(plugin_.callService(service, runtime::kInspect, {{"container_id", containerId}}));
  auto usage = container.status == "running" ? plugin_.callService(service, runtime::kStats, {{"container_id", containerId}})
                                             : runtime::Usage{}.toJson();
  auto tail = plugin_.callService(service, runtime::kLogs, runtime::LogQuery{containerId.get<std::string>(), "", "", 10}.toJson());
  auto lines = orch::json::array();
  for (const auto& line : tail.value("logs", orch::json::array())) lines.push_back(line.value("message", std::string()));
  return {{"container_id", containerId},
          {"status", container.status},
          {"runtime", (*current)["runtime"]},
          {"resource_usage", usage},
          {"health_status", (*current)["health_status"]},
          {"last_health_check", (*current)["last_health_check"]},
          {"deployment_status", (*current)["state"]},
          {"restart_count", container.restartCount + (*current)["host_restarts"].get<int>()},
          {"started_at", container.startedAt.empty() ? orch::json() : orch::json(container.startedAt)},
          {"error", container.error.empty() ? (*current)["error"] : orch::json(container.error)},
          {"limits", container.limits},
          {"notes", container.notes},
          {"logs", lines}};
}

orch::json Deployments::restart(const orch::json& agent) {
  auto id = agent["id"].get<std::string>();
  auto held = lockOf(id);
  std::unique_lock lock(*held);
  auto current = deployment(id);
  if (!current || !(*current)["container_id"].is_string()) throw orch::HttpError::notFound("The agent has no container: deploy it first");
  auto runtimeName = (*current)["runtime"].get<std::string>();
  auto service = runtime::serviceName(runtimeName);
  auto containerId = (*current)["container_id"];
  auto restartedAt = orch::nowRfc3339();
  if ((*current)["state"] == "error") {
    // Given up on: its token is spent and its pool fails what it is offered, so it starts anew.
    log(id, "INFO", "Restarting the container, as asked: the agent was in error, so it is deployed anew");
    lock.unlock();
    auto deployed = deploy(agent, {{"runtime", runtimeName}});
    return {{"container_id", deployed["container_id"]}, {"status", "restarting"}, {"restarted_at", restartedAt},
            {"deployment_logs", deployed["deployment_logs"]}};
  }
  log(id, "INFO", "Restarting the container, as asked");
  setState(agent, "restarting", {{"health_status", "starting"}, {"host_restarts", 0}});
  startedAgain(id);
  publishAgentEvent(plugin_, "agent_status_update", agent, {{"status", agent["status"]}, {"deployment_status", "restarting"},
                                                            {"container_id", containerId}});
  auto again = runtime::Container::fromJson(plugin_.callService(service, runtime::kRestart, {{"container_id", containerId}}));
  setState(agent, "restarting", {{"restart_count", again.restartCount}});
  // What the worker ran is offered to the new one at once; the supervisor sees it link.
  plugin_.callServiceIfServed(workflows::kService, workflows::kWorkerLost,
                              {{"agent_id", id}, {"worker", (*current)["worker_id"].is_string() ? (*current)["worker_id"] : orch::json("")},
                               {"reason", "its container was restarted"}});
  return {{"container_id", containerId}, {"status", "restarting"}, {"restarted_at", restartedAt}};
}

orch::json Deployments::logs(const orch::json& agent, const std::string& since, const std::string& until, int tail) {
  auto id = agent["id"].get<std::string>();
  for (auto [name, value] : {std::pair{"since", &since}, std::pair{"until", &until}})
    if (!value->empty() && !orch::parseRfc3339(*value))
      throw orch::HttpError::validation(name, "An ISO 8601 timestamp (2024-12-19T10:00:00Z)");
  auto entries = orch::json::array();
  if (auto current = deployment(id); current && (*current)["container_id"].is_string()) {
    auto answer = plugin_.callService(runtime::serviceName((*current)["runtime"].get<std::string>()), runtime::kLogs,
                                      runtime::LogQuery{(*current)["container_id"].get<std::string>(), since, until, tail}.toJson());
    entries = answer.value("logs", orch::json::array());
  }
  // And what the host did about it.
  std::string sql = "SELECT at_us, level, message FROM ag_deployment_events WHERE agent_id = ?";
  orch::json params = {id};
  if (!since.empty()) {
    sql += " AND at_us >= ?";
    params.push_back(*orch::parseRfc3339(since) * 1000);
  }
  if (!until.empty()) {
    sql += " AND at_us <= ?";
    params.push_back(*orch::parseRfc3339(until) * 1000 + 999);
  }
  sql += " ORDER BY at_us DESC LIMIT ?";
  params.push_back(tail);
  for (const auto& row : plugin_.db().query(sql, params))
    entries.push_back({{"timestamp", orch::rfc3339Millis(row["at_us"].get<std::int64_t>() / 1000)},
                       {"level", row["level"]},
                       {"message", row["message"]},
                       {"source", "host"}});
  std::stable_sort(entries.begin(), entries.end(), [](const orch::json& a, const orch::json& b) {
    return orch::parseRfc3339(a["timestamp"].get<std::string>()).value_or(0) <
           orch::parseRfc3339(b["timestamp"].get<std::string>()).value_or(0);
  });
  if (entries.size() > static_cast<std::size_t>(tail)) entries.erase(entries.begin(), entries.end() - tail);
  return {{"logs", entries}};
}

void Deployments::start() {
  // What this host's runtimes still run: adopted when a deployment owns it, removed otherwise.
  std::set<std::string> runtimes = {settings_.runtime};
  for (const auto& row : plugin_.db().query("SELECT DISTINCT runtime FROM ag_deployments WHERE host_id = ?", {hostId_}))
    runtimes.insert(row["runtime"].get<std::string>());
  for (const auto& name : runtimes) {
    std::optional<orch::json> listed;
    try {
      listed = plugin_.callServiceIfServed(runtime::serviceName(name), runtime::kList,
                                           {{"labels", {{"orchestrator.host", hostId_}}}});
    } catch (const std::exception& e) {
      plugin_.logWarning("agents: the " + name + " runtime cannot be asked what it runs (" + e.what() +
                         "); its agents are started again once it answers");
    }
    if (!listed) continue;
    for (const auto& found : listed->value("containers", orch::json::array())) {
      auto container = runtime::Container::fromJson(found);
      auto owner = container.labels.count("orchestrator.agent") ? container.labels["orchestrator.agent"] : "";
      auto current = deployment(owner);
      if (current && (*current)["container_id"] == container.id && (*current)["state"] != "error") {
        log(owner, "INFO", "The host restarted and adopted its container " + container.id);
        continue;
      }
      plugin_.logInfo("agents: removing container " + container.id + ", which no deployed agent owns");
      try {
        plugin_.callServiceIfServed(runtime::serviceName(name), runtime::kRemove, {{"container_id", container.id}});
      } catch (const std::exception& e) {
        plugin_.logWarning("agents: could not remove container " + container.id + ": " + e.what());
      }
    }
  }
  plugin_.timer(static_cast<std::uint64_t>(settings_.healthIntervalMs), static_cast<std::uint64_t>(settings_.healthIntervalMs),
                [this] { supervise(); });
}

void Deployments::startedAgain(const std::string& agentId) {
  std::lock_guard lock(locksMutex_);
  starting_[agentId] = Clock::now();
}

bool Deployments::stillStarting(const std::string& agentId) {
  std::lock_guard lock(locksMutex_);
  auto found = starting_.find(agentId);
  return found != starting_.end() && Clock::now() - found->second < std::chrono::milliseconds(settings_.deployTimeoutMs);
}

void Deployments::supervise() {
  // One round at a time: a slow one (a health check timing out, a relaunch) is not piled on.
  if (supervising_.exchange(true)) return;
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = false; }
  } done{supervising_};
  for (const auto& row : plugin_.db().query("SELECT * FROM ag_deployments WHERE host_id = ? AND state <> 'error'", {hostId_})) {
    auto held = lockOf(row["agent_id"].get<std::string>());
    std::unique_lock lock(*held, std::try_to_lock);
    if (!lock.owns_lock()) continue; // a deploy, undeploy or restart is under way
    try {
      superviseOne(row);
    } catch (const std::exception& e) {
      plugin_.logWarning("agents: supervising agent " + row["agent_id"].get<std::string>() + ": " + e.what());
    }
  }
}

void Deployments::superviseOne(const orch::json& stale) {
  auto id = stale["agent_id"].get<std::string>();
  auto row = deployment(id); // read again under the agent's lock
  if (!row || (*row)["state"] == "error") return;
  auto agent = store_.findAny(id);
  auto runtimeName = (*row)["runtime"].get<std::string>();
  if (agent && (*row)["state"] == "deploying") {
    // Under its lock and still deploying: the host that deployed it stopped half way.
    takeDown(id, runtimeName, (*row)["container_id"]);
    log(id, "ERROR", "The deploy did not finish (the host stopped during it): deploy the agent again");
    setState(*agent, "error", {{"error", "The deploy did not finish: the host stopped during it"}, {"container_id", nullptr}});
    auto updated = store_.update(id, {{"status", "error"}, {"container_id", nullptr}, {"deployed_at", nullptr}});
    publishAgentEvent(plugin_, "agent_status_update", updated, {{"status", "error"}, {"container_id", nullptr}});
    return;
  }
  if (!agent) { // deleted since
    takeDown(id, runtimeName, (*row)["container_id"]);
    plugin_.db().execute("DELETE FROM ag_deployments WHERE agent_id = ?", {id});
    return;
  }
  auto service = runtime::serviceName(runtimeName);
  auto container = runtime::Container::fromJson(plugin_.callService(service, runtime::kInspect, {{"container_id", (*row)["container_id"]}}));
  auto restarts = (*row)["restart_count"].get<int>();
  auto worker = (*row)["worker_id"].is_string() ? (*row)["worker_id"] : orch::json(""); // the one its health check named
  auto publish = [&](const std::string& state, orch::json extra) {
    extra["status"] = (*agent)["status"];
    extra["deployment_status"] = state;
    extra["container_id"] = (*row)["container_id"];
    publishAgentEvent(plugin_, "agent_status_update", *agent, std::move(extra));
  };
  if (container.status == "missing") {
    // Gone from under us (a host restart on the process runtime, a `docker rm`): start a new one.
    log(id, "WARNING", "The container " + (*row)["container_id"].get<std::string>() + " is gone: starting a new one");
    setState(*agent, "restarting", {{"health_status", "starting"}});
    plugin_.callServiceIfServed(workflows::kService, workflows::kWorkerLost, {{"agent_id", id}, {"reason", "its container was gone"}});
    Events events{*this, id, {}};
    try {
      auto launched = launch(*agent, runtimeName, events);
      auto containerId = launched["container"]["container_id"];
      setState(*agent, "running", {{"container_id", containerId}, {"health_status", "healthy"}, {"restart_count", 0},
                                   {"host_restarts", 0}, {"last_health_check", orch::nowRfc3339()}});
      store_.update(id, {{"container_id", containerId}});
      publish("running", {{"container_id", containerId}});
    } catch (const std::exception& e) {
      log(id, "ERROR", std::string("Could not start it again: ") + e.what());
      setState(*agent, "error", {{"error", e.what()}, {"container_id", nullptr}});
      auto updated = store_.update(id, {{"status", "error"}, {"container_id", nullptr}});
      publishAgentEvent(plugin_, "agent_status_update", updated, {{"status", "error"}, {"error", e.what()}});
    }
    return;
  }
  auto hostRestarts = (*row)["host_restarts"].get<int>();
  if (container.restartCount > restarts) {
    // It died and the runtime started it again: what it ran is offered to the new worker at once.
    auto reason = container.error.empty() ? std::string("it stopped") : container.error;
    plugin_.callServiceIfServed(workflows::kService, workflows::kWorkerLost, {{"agent_id", id}, {"worker", worker}, {"reason", reason}});
    log(id, "WARNING", "The worker " + reason + "; the runtime starts it again (restart " +
                           std::to_string(container.restartCount + hostRestarts) + " of " + std::to_string(settings_.maxRestarts) + ")");
    setState(*agent, "restarting", {{"restart_count", container.restartCount}, {"health_status", "starting"}});
    startedAgain(id);
    publish("restarting", {{"restart_count", container.restartCount + hostRestarts}, {"reason", reason}});
    return;
  }
  if (container.status == "exited") {
    auto total = container.restartCount + hostRestarts;
    auto why = container.error.empty() ? std::string("it exited") : container.error;
    // Stopped unasked (a `docker kill`, which Docker's own policy leaves be): started again while restarts remain.
    if (container.exitCode.value_or(1) != 0 && total < settings_.maxRestarts) {
      try {
        auto again = runtime::Container::fromJson(plugin_.callService(service, runtime::kRestart, {{"container_id", (*row)["container_id"]}}));
        plugin_.callServiceIfServed(workflows::kService, workflows::kWorkerLost, {{"agent_id", id}, {"worker", worker}, {"reason", why}});
        log(id, "WARNING", "The worker " + why + "; started it again (restart " + std::to_string(total + 1) + " of " +
                               std::to_string(settings_.maxRestarts) + ")");
        setState(*agent, "restarting", {{"restart_count", again.restartCount}, {"host_restarts", hostRestarts + 1},
                                        {"health_status", "starting"}});
        startedAgain(id);
        publish("restarting", {{"restart_count", total + 1}, {"reason", why}});
        return;
      } catch (const std::exception& e) {
        why += std::string("; starting it again failed: ") + e.what();
      }
    }
    auto reason = "The agent's worker is down and will not be started again: " + why + " (after " + std::to_string(total) +
                  " restarts)";
    plugin_.callServiceIfServed(workflows::kService, workflows::kWorkerFailed, {{"agent_id", id}, {"reason", reason}});
    log(id, "ERROR", reason);
    setState(*agent, "error", {{"error", reason}, {"health_status", "unhealthy"}});
    auto updated = store_.update(id, {{"status", "error"}});
    publishAgentEvent(plugin_, "agent_status_update", updated,
                      {{"status", "error"}, {"previous_status", (*agent)["status"]}, {"container_id", (*row)["container_id"]}, {"error", reason}});
    plugin_.publish("system_alert", {{"level", "error"}, {"type", "agent_container_down"}, {"agent_id", id},
                                     {"owner_id", (*agent)["owner_id"]}, {"organization_id", (*agent)["organization_id"]},
                                     {"message", reason}, {"timestamp", orch::nowRfc3339()}});
    return;
  }
  if (container.status != "running") return; // restarting: the runtime's backoff
  auto check = plugin_.callService(workflows::kService, workflows::kCheckWorker,
                                   {{"agent_id", id}, {"timeout_ms", settings_.healthTimeoutMs}});
  bool healthy = check.value("healthy", false);
  auto was = (*row)["health_status"];
  if (!healthy && was == "starting" && stillStarting(id)) return; // a worker starting again has deploy_timeout_ms to link
  orch::json changes = {{"last_health_check", orch::nowRfc3339()}, {"health_status", healthy ? "healthy" : "unhealthy"}};
  if (healthy) changes["worker_id"] = check["answer"].value("worker_id", std::string());
  setState(*agent, healthy ? "running" : "unhealthy", changes);
  if (was == changes["health_status"]) return;
  if (healthy) {
    log(id, "INFO", was == "starting" ? "The worker linked again" : "The worker is healthy again");
    publish("running", {{"health_status", "healthy"}});
    return;
  }
  auto message = "Agent " + (*agent)["name"].get<std::string>() + "'s worker did not answer its health check within " +
                 std::to_string(settings_.healthTimeoutMs) + " ms";
  log(id, "WARNING", message);
  publish("unhealthy", {{"health_status", "unhealthy"}});
  plugin_.publish("system_alert", {{"level", "warning"}, {"type", "agent_unhealthy"}, {"agent_id", id},
                                   {"owner_id", (*agent)["owner_id"]}, {"organization_id", (*agent)["organization_id"]},
                                   {"message", message}, {"timestamp", orch::nowRfc3339()}});
}

} // namespace agents
