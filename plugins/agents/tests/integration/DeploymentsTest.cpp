// Deployed agents on the process runtime, end to end (issue 19): a real host
// deploys an agent as a worker process of its own (the same binary, in its
// own control group and network namespace where the machine allows), whose
// steps then run there and only there; killing it loses nothing; undeploying
// leaves nothing behind. The docker runtime's tests are DockerRuntimeTest.cpp.
#include "DeploymentsHost.h"
#include "WebSocketClient.h"

#include <unistd.h>

namespace {

using namespace agents_test;

class Deployments : public DeploymentsHost {};

TEST_P(Deployments, DeployRunsTheAgentsStepsInAWorkerOfItsOwnAndUndeployLeavesNothing) {
  auto probe = agent(chain({where()}), {{"cpu", 1}, {"memory", 256}, {"network_isolation", "none"}});
  auto id = probe["id"].get<std::string>();

  auto deployed = deploy(probe);
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  auto body = deployed.json();
  EXPECT_EQ(body["id"], id);
  EXPECT_EQ(body["status"], "active");
  EXPECT_EQ(body["runtime"], "process");
  ASSERT_TRUE(body["container_id"].is_string()) << body.dump();
  EXPECT_TRUE(orch::parseRfc3339(body["deployed_at"].get<std::string>())) << body.dump();
  auto logs = body["deployment_logs"].dump();
  EXPECT_NE(logs.find("created and started"), std::string::npos) << logs;
  EXPECT_NE(logs.find("Worker connected"), std::string::npos) << logs;
  EXPECT_NE(logs.find("Agent deployed and running"), std::string::npos) << logs;
  auto containerId = body["container_id"].get<std::string>();

  // Twice is once.
  auto again = deploy(probe);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["container_id"], containerId);
  auto shown = get("/api/v1/agents/" + id, alice_).json();
  EXPECT_EQ(shown["status"], "active");
  EXPECT_EQ(shown["container_id"], containerId);

  // Its step ran in the worker: another process, in the container's control group and network.
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto ran = stepOutput(execution, "where");
  EXPECT_EQ(ran["role"], "worker") << ran.dump();
  auto pid = workerPid(probe);
  EXPECT_EQ(ran["pid"], pid);
  EXPECT_NE(ran["pid"], host_->pid());
  auto seen = container(probe);
  auto enforcedBy = seen["limits"].value("enforced_by", "");
  if (enforcedBy.rfind("cgroup", 0) == 0) {
    EXPECT_NE(ran["cgroup"].get<std::string>().find("orchestrator/" + containerId), std::string::npos) << ran.dump();
  }
  if (seen["limits"]["network"] == "none") {
    EXPECT_NE(ran["netns"], ownNetns());
  }

  // GET container: seed 004's fields, from the process itself.
  EXPECT_EQ(seen["container_id"], containerId);
  EXPECT_EQ(seen["status"], "running");
  EXPECT_EQ(seen["health_status"], "healthy");
  EXPECT_TRUE(orch::parseRfc3339(seen["last_health_check"].get<std::string>())) << seen.dump();
  const auto& usage = seen["resource_usage"];
  for (const char* field : {"cpu_percent", "memory_usage", "memory_limit", "network_rx", "network_tx"})
    EXPECT_TRUE(usage[field].is_number()) << field << " " << seen.dump();
  EXPECT_GT(usage["memory_usage"].get<double>(), 1.0) << seen.dump();
  EXPECT_EQ(usage["memory_limit"], 256.0) << seen.dump();
  ASSERT_TRUE(seen["logs"].is_array());
  EXPECT_TRUE(orch::test::eventually([&] { return !container(probe)["logs"].empty(); })) << seen.dump(); // the worker's log is written behind

  // Undeploy: no process, no group, no folder, no token.
  auto undeployed = post("/api/v1/agents/" + id + "/undeploy", json::object(), alice_);
  ASSERT_EQ(undeployed.status, 200) << undeployed.body;
  EXPECT_EQ(undeployed.json()["status"], "inactive");
  EXPECT_TRUE(orch::parseRfc3339(undeployed.json()["undeployed_at"].get<std::string>()));
  EXPECT_TRUE(orch::test::eventually([&] { return !alive(pid); })) << "the worker " << pid << " still runs";
  EXPECT_FALSE(std::filesystem::exists(host_->dataDir() + "/containers/" + containerId));
  EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/orchestrator/" + containerId));
  EXPECT_FALSE(std::filesystem::exists("/sys/fs/cgroup/orchestrator/" + containerId));
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_worker_pools WHERE agent_id = ?", id), "0");
  EXPECT_EQ(get("/api/v1/agents/" + id + "/container", alice_).status, 404);
  EXPECT_EQ(get("/api/v1/agents/" + id, alice_).json()["container_id"], nullptr);

  // Not deployed, its steps run in the host again.
  auto local = run(probe);
  ASSERT_EQ(local["status"], "completed") << local.dump();
  EXPECT_EQ(stepOutput(local, "where")["role"], "host");
  EXPECT_EQ(stepOutput(local, "where")["pid"], host_->pid());
}

TEST_P(Deployments, AServiceAStepCallsInTheWorkerIsTheHostsOnTheStepsBehalf) {
  auto other = agent(chain({where()}));
  auto probe = agent(chain({{{"id", "lookup"}, {"type", "lookup_agent"}, {"data", {{"agent_id", other["id"]}}}}}));
  ASSERT_EQ(deploy(probe).status, 200);
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto output = stepOutput(execution, "lookup");
  EXPECT_EQ(output["name"], "Probe") << output.dump(); // the agents plugin is the host's: asked over the link
  EXPECT_EQ(output["pid"], workerPid(probe));

  // A step that claims to be an admin, to see bob's agent: the host asks as the step's principal, alice.
  auto bobs = post("/api/v1/agents", {{"name", "Bob's"}, {"framework", "native"}, {"definition", chain({where()})}}, bob_).json();
  json admin = {{"id", "someone"}, {"permissions", {"admin:*"}}};
  auto forging = agent(chain({{{"id", "lookup"}, {"type", "lookup_agent"}, {"data", {{"agent_id", bobs["id"]}, {"principal", admin}}}}}));
  ASSERT_EQ(deploy(forging).status, 200);
  auto forged = run(forging);
  ASSERT_EQ(forged["status"], "completed") << forged.dump();
  EXPECT_EQ(stepOutput(forged, "lookup")["name"], nullptr) << forged.dump();
  // A method the allowlist leaves out (workflows.workers.services has agents:find only): refused, nothing deleted.
  auto deleting = agent(chain({{{"id", "lookup"}, {"type", "lookup_agent"}, {"data", {{"agent_id", other["id"]}, {"method", "remove"}}}}}));
  ASSERT_EQ(deploy(deleting).status, 200);
  auto refused = run(deleting);
  EXPECT_EQ(refused["status"], "failed") << refused.dump();
  EXPECT_NE(refused.dump().find("may not call the service 'agents' method 'remove'"), std::string::npos) << refused.dump();
  EXPECT_EQ(get("/api/v1/agents/" + other["id"].get<std::string>(), alice_).status, 200);
  // Undeployed, the same step runs in the host, where a plugin is trusted as the host is.
  ASSERT_EQ(post("/api/v1/agents/" + forging["id"].get<std::string>() + "/undeploy", json::object(), alice_).status, 200);
  EXPECT_EQ(stepOutput(run(forging), "lookup")["name"], "Bob's");
}

TEST_P(Deployments, AWorkerKilledInTheMiddleOfAStepIsStartedAgainAndTheExecutionCompletesOnce) {
  auto probe = agent(chain({{{"id", "slow"}, {"type", "pause"}, {"data", {{"ms", 1500}}}}, where()}));
  ASSERT_EQ(deploy(probe).status, 200);
  auto first = workerPid(probe);
  auto started = post("/api/v1/workflows/" + probe["workflow_id"].get<std::string>() + "/execute", json::object(), alice_);
  ASSERT_EQ(started.status, 202) << started.body;
  auto executionId = started.json()["execution_id"].get<std::string>();
  // Killed while the worker runs the step (its log says it started it).
  ASSERT_TRUE(orch::test::eventually([&] {
    auto logs = get("/api/v1/agents/" + probe["id"].get<std::string>() + "/container/logs", alice_).body;
    return logs.find("running step slow") != std::string::npos;
  }));
  ASSERT_EQ(::kill(static_cast<pid_t>(first), SIGKILL), 0);

  auto execution =
      orch::test::awaitExecution(host_->port(), executionId, alice_, orch::test::executionEnded, std::chrono::seconds(60));
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  long second = 0;
  ASSERT_TRUE(orch::test::eventually([&] {
    second = container(probe)["limits"].value("pid", 0L);
    return second > 0 && second != first;
  }));
  EXPECT_EQ(stepOutput(execution, "slow")["pid"], second) << execution.dump(); // ran again in the new worker
  EXPECT_EQ(stepOutput(execution, "where")["pid"], second);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_execution_steps WHERE execution_id = ? AND step_id = 'where'", executionId), "1");
  json seen;
  EXPECT_TRUE(orch::test::eventually([&] {
    seen = container(probe);
    return seen["restart_count"] == 1 && seen["health_status"] == "healthy";
  })) << seen.dump();
  auto logs = get("/api/v1/agents/" + probe["id"].get<std::string>() + "/container/logs?tail=200", alice_).json().dump();
  EXPECT_NE(logs.find("killed by signal"), std::string::npos) << logs;
}

TEST_P(Deployments, AStepThatAllocatesPastTheMemoryLimitFailsAndTheHostLivesOn) {
  auto probe = agent(chain({{{"id", "hog"}, {"type", "allocate"}, {"data", {{"mib", 400}}}}}), {{"memory", 96}});
  ASSERT_EQ(deploy(probe).status, 200);
  auto enforcedBy = container(probe)["limits"].value("enforced_by", "");
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "failed") << execution.dump();
  auto error = execution["error"].dump();
  if (enforcedBy.rfind("cgroup", 0) == 0) {
    EXPECT_NE(error.find("killed for memory"), std::string::npos) << error;
  }
  EXPECT_EQ(get("/health", {}).status, 200);
  // The worker it took down is back.
  json seen;
  EXPECT_TRUE(orch::test::eventually([&] {
    seen = container(probe);
    return seen["status"] == "running" && seen["health_status"] == "healthy";
  }, std::chrono::seconds(30))) << seen.dump();
}

TEST_P(Deployments, RestartIsRestartingThenRunningWithANewWorker) {
  auto probe = agent(chain({where()}));
  ASSERT_EQ(deploy(probe).status, 200);
  auto first = workerPid(probe);
  auto restarted = post("/api/v1/agents/" + probe["id"].get<std::string>() + "/container/restart", json::object(), alice_);
  ASSERT_EQ(restarted.status, 200) << restarted.body;
  EXPECT_EQ(restarted.json()["status"], "restarting");
  EXPECT_TRUE(restarted.json()["container_id"].is_string());
  EXPECT_TRUE(orch::parseRfc3339(restarted.json()["restarted_at"].get<std::string>()));
  json seen;
  EXPECT_TRUE(orch::test::eventually([&] {
    seen = container(probe);
    return seen["status"] == "running" && seen["deployment_status"] == "running" && seen["limits"]["pid"] != first;
  })) << seen.dump();
  EXPECT_FALSE(alive(first));
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(stepOutput(execution, "where")["pid"], seen["limits"]["pid"]);
}

TEST_P(Deployments, StatusChangesAndAnUnhealthyWorkerReachTheTenantsWebSocket) {
  auto probe = agent(chain({where()}));
  orch::test::WebSocketClient socket(host_->port(), "/api/v1/ws");
  socket.send({{"type", "auth"}, {"token", alice_["Authorization"].substr(7)}});
  ASSERT_TRUE(socket.until("connected").is_object());
  auto deployed = deploy(probe);
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  auto update = socket.until("agent_status_update");
  EXPECT_EQ(update["data"]["agent_id"], probe["id"]) << update.dump();
  EXPECT_EQ(update["data"]["status"], "active") << update.dump();
  EXPECT_EQ(update["data"]["container_id"], deployed.json()["container_id"]) << update.dump();

  // A worker that stops answering (stopped, not dead) is unhealthy: an alert to its tenant.
  auto pid = workerPid(probe);
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGSTOP), 0);
  auto alert = socket.until("system_alert");
  ::kill(static_cast<pid_t>(pid), SIGCONT);
  EXPECT_EQ(alert["data"]["agent_id"], probe["id"]) << alert.dump();
  EXPECT_NE(alert.dump().find("did not answer its health check"), std::string::npos) << alert.dump();
  json seen;
  EXPECT_TRUE(orch::test::eventually([&] {
    seen = container(probe);
    return seen["health_status"] == "healthy";
  })) << seen.dump();
  EXPECT_EQ(container(probe)["limits"]["pid"], pid); // the same worker, answering again
}

TEST_P(Deployments, LogsTakeSinceUntilAndTailAndRefuseWhatIsNoTime) {
  auto probe = agent(chain({where()}));
  auto before = orch::rfc3339Millis(orch::nowMs() - 1000);
  ASSERT_EQ(deploy(probe).status, 200);
  ASSERT_EQ(run(probe)["status"], "completed");
  auto path = "/api/v1/agents/" + probe["id"].get<std::string>() + "/container/logs";
  json all;
  std::set<std::string> sources;
  // The worker's own lines arrive as its log is written: waited for.
  EXPECT_TRUE(orch::test::eventually([&] {
    all = get(path, alice_).json()["logs"];
    sources.clear();
    for (const auto& entry : all) sources.insert(entry.value("source", ""));
    return all.size() >= 3 && sources.count("container") && sources.count("host");
  })) << all.dump();
  for (const auto& entry : all)
    for (const char* field : {"timestamp", "level", "message", "source"}) EXPECT_TRUE(entry[field].is_string()) << entry.dump();
  EXPECT_TRUE(sources.count("container")) << all.dump(); // the worker's own output
  EXPECT_TRUE(sources.count("host")) << all.dump();      // what the host did about it
  EXPECT_EQ(get(path + "?tail=2", alice_).json()["logs"].size(), 2u);
  EXPECT_EQ(get(path + "?tail=2", alice_).json()["logs"], json(std::vector<json>(all.end() - 2, all.end())));
  EXPECT_TRUE(get(path + "?until=" + before, alice_).json()["logs"].empty());
  auto since = get(path + "?since=" + before, alice_).json()["logs"];
  EXPECT_EQ(since.size(), all.size());
  auto middle = all[all.size() / 2]["timestamp"].get<std::string>();
  for (const auto& entry : get(path + "?since=" + middle, alice_).json()["logs"])
    EXPECT_GE(orch::parseRfc3339(entry["timestamp"].get<std::string>()), orch::parseRfc3339(middle));
  expectInvalid(get(path + "?tail=0", alice_), "tail");
  expectInvalid(get(path + "?tail=lots", alice_), "tail");
  expectInvalid(get(path + "?since=yesterday", alice_), "since");
}

TEST_P(Deployments, AnotherTenantCanNeitherSeeNorControlTheContainer) {
  auto probe = agent(chain({where()}));
  ASSERT_EQ(deploy(probe).status, 200);
  auto id = probe["id"].get<std::string>();
  EXPECT_EQ(post("/api/v1/agents/" + id + "/deploy", json::object(), bob_).status, 404);
  EXPECT_EQ(post("/api/v1/agents/" + id + "/undeploy", json::object(), bob_).status, 404);
  EXPECT_EQ(get("/api/v1/agents/" + id + "/container", bob_).status, 404);
  EXPECT_EQ(post("/api/v1/agents/" + id + "/container/restart", json::object(), bob_).status, 404);
  EXPECT_EQ(get("/api/v1/agents/" + id + "/container/logs", bob_).status, 404);
  EXPECT_EQ(container(probe)["status"], "running"); // untouched
  // Nor reach the link: it is the Unix socket's, with the worker's token; and the socket serves nothing else.
  auto claim = post("/api/v1/workers/claim", {{"max", 1}}, {{"X-Worker-Token", "wrk_guess"}});
  EXPECT_EQ(claim.status, 403) << claim.body;
  auto socket = host_->dataDir() + "/run/orchestrator.sock";
  EXPECT_EQ(onSocket(socket, "POST", "/api/v1/workers/claim", {{"X-Worker-Token", "wrk_guess"}}, "{}").first, 401);
  EXPECT_EQ(onSocket(socket, "GET", "/api/v1/agents/" + id, alice_).first, 404);
}

TEST_P(Deployments, BadDeploysAreRefusedBeforeAnythingStarts) {
  auto probe = agent(chain({where()}));
  expectInvalid(deploy(probe, {{"runtime", "kubernetes"}}), "runtime");
  expectInvalid(deploy(probe, {{"runtime", "../x"}}), "runtime");
  expectInvalid(deploy(probe, {{"runtime", 7}}), "runtime");
  auto id = probe["id"].get<std::string>();
  expectInvalid(put("/api/v1/agents/" + id, {{"resource_limits", {{"runtime", "Docker!"}}}}, alice_), "resource_limits.runtime");
  expectInvalid(post("/api/v1/agents/" + id + "/deploy", json::array(), alice_), "body");
  EXPECT_EQ(get("/api/v1/agents/" + probe["id"].get<std::string>() + "/container", alice_).status, 404);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM ag_deployments WHERE agent_id = ?", probe["id"].get<std::string>()), "0");
}

TEST_P(Deployments, AHostThatRestartsStartsTheWorkersOfItsDeployedAgentsAgain) {
  auto probe = agent(chain({where()}));
  auto deployed = deploy(probe);
  ASSERT_EQ(deployed.status, 200);
  auto first = workerPid(probe);
  killAndRestart();
  EXPECT_TRUE(orch::test::eventually([&] { return !alive(first); })) << "a worker outlived its host";
  json seen;
  EXPECT_TRUE(orch::test::eventually([&] {
    auto answer = get("/api/v1/agents/" + probe["id"].get<std::string>() + "/container", alice_);
    seen = answer.json();
    return answer.status == 200 && seen["status"] == "running" && seen["health_status"] == "healthy" &&
           seen["container_id"] != deployed.json()["container_id"];
  }, std::chrono::seconds(30))) << seen.dump();
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(stepOutput(execution, "where")["role"], "worker");
}

INSTANTIATE_TEST_SUITE_P(Backends, Deployments, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

/// Where no control group can be made (here: told not to make one), rlimits hold the memory limit.
class RlimitDeployments : public DeploymentsHost {
protected:
  std::string suiteConfig() const override { return "containers.process.cgroups = false\n"; }
};

TEST_P(RlimitDeployments, WithoutControlGroupsAnAllocationPastTheLimitFailsItsStepAndTheWorkerLivesOn) {
  auto probe = agent(chain({{{"id", "hog"}, {"type", "allocate"}, {"data", {{"mib", 400}}}}}), {{"memory", 96}});
  ASSERT_EQ(deploy(probe).status, 200);
  auto seen = container(probe);
  EXPECT_EQ(seen["limits"]["enforced_by"], "rlimit") << seen.dump();
  EXPECT_NE(seen["notes"].dump().find("RLIMIT_DATA"), std::string::npos) << seen.dump();
  auto pid = workerPid(probe);
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "failed") << execution.dump();
  EXPECT_NE(execution["error"].dump().find("bad_alloc"), std::string::npos) << execution["error"];
  EXPECT_EQ(container(probe)["limits"]["pid"], pid); // refused memory, not killed
  EXPECT_EQ(container(probe)["restart_count"], 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RlimitDeployments, ::testing::Values(Backend::Sqlite),
                         [](const auto&) { return "Sqlite"; });

/// A worker that cannot start: its settings (handed on by agents.worker.settings) are refused.
class FailingDeployments : public DeploymentsHost {
protected:
  std::string suiteConfig() const override {
    return "agents.max_restarts = 1\nagents.worker.settings = worker.poll_ms\nworker.poll_ms = 5\n";
  }
};

TEST_P(FailingDeployments, ADeployThatFailsLeavesTheAgentInErrorWithTheReasonAndNothingRunning) {
  auto probe = agent(chain({where()}));
  auto id = probe["id"].get<std::string>();
  auto deployed = deploy(probe);
  ASSERT_EQ(deployed.status, 502) << deployed.body;
  auto body = deployed.json();
  EXPECT_EQ(body["error"]["code"], "DEPLOYMENT_FAILED");
  EXPECT_NE(body["error"]["message"].get<std::string>().find("stopped before it linked"), std::string::npos) << deployed.body;
  EXPECT_FALSE(body["error"]["details"]["deployment_logs"].empty()) << deployed.body;
  auto shown = get("/api/v1/agents/" + id, alice_).json();
  EXPECT_EQ(shown["status"], "error");
  EXPECT_EQ(shown["container_id"], nullptr);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_worker_pools WHERE agent_id = ?", id), "0");
  std::error_code ignored;
  EXPECT_TRUE(std::filesystem::is_empty(host_->dataDir() + "/containers", ignored));
  // Its steps run in the host, as an agent's that is not deployed.
  EXPECT_EQ(stepOutput(run(probe), "where")["role"], "host");
}

INSTANTIATE_TEST_SUITE_P(Backends, FailingDeployments, ::testing::Values(Backend::Sqlite),
                         [](const auto&) { return "Sqlite"; });

} // namespace
