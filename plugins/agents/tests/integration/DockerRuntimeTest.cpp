// Deployed agents on the docker runtime, end to end (issue 19), against the
// Docker Engine the `docker` test fixture provides (the machine's, or a
// dockerd it starts; skipped, saying why, where none can run). The image is
// made from this build's binary and plugins, once: every test here reuses it.
#include "DeploymentsHost.h"
#include "TestDocker.h"

#include <Poco/URI.h>

#include <fstream>


namespace {

using namespace agents_test;

class Docker : public DeploymentsHost {
protected:
  void SetUp() override {
    ORCH_REQUIRE_DOCKER(socket_);
    DeploymentsHost::SetUp();
  }
  void TearDown() override {
    // Containers outlive their host by design: a test's go with it.
    if (host_) {
      std::ifstream file(host_->dataDir() + "/host_id");
      std::string hostId;
      std::getline(file, hostId);
      auto [status, listed] = engine("GET", "/containers/json?all=1&filters=" + encodedFilter("orchestrator.host=" + hostId));
      if (status == 200)
        for (const auto& container : listed) engine("DELETE", "/containers/" + container["Id"].get<std::string>() + "?force=1");
    }
    DeploymentsHost::TearDown();
  }
  static std::string encodedFilter(const std::string& label) {
    std::string out;
    Poco::URI::encode(json{{"label", {label}}}.dump(), "!#$&'()*+,/:;=?@[]{}\"", out);
    return out;
  }
  std::string suiteConfig() const override {
    return "agents.runtime = docker\ncontainers.docker.socket = " + socket_ + "\n";
  }

  /// The engine's own answer, behind the host's back: what Docker really runs.
  std::pair<int, json> engine(const std::string& method, const std::string& path) { return onSocket(socket_, method, path); }

  std::string socket_;
};

TEST_P(Docker, DeployRunsTheAgentInAContainerOfItsOwnWithItsLimitsAndUndeployRemovesIt) {
  auto probe = agent(chain({where()}), {{"cpu", 0.5}, {"memory", 128}, {"network_isolation", "none"}});
  auto deployed = deploy(probe);
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  auto body = deployed.json();
  EXPECT_EQ(body["runtime"], "docker");
  auto logs = body["deployment_logs"].dump();
  EXPECT_NE(logs.find("Image orchestrator-worker:"), std::string::npos) << logs;
  EXPECT_NE(logs.find("Worker connected"), std::string::npos) << logs;
  auto containerId = body["container_id"].get<std::string>();

  // Docker's view: labelled, limited, no network, the restart policy.
  auto [status, inspected] = engine("GET", "/containers/" + containerId + "/json");
  ASSERT_EQ(status, 200) << inspected.dump();
  EXPECT_EQ(inspected["Config"]["Labels"]["orchestrator.agent"], probe["id"]);
  EXPECT_TRUE(inspected["Config"]["Labels"]["orchestrator.host"].is_string());
  EXPECT_EQ(inspected["HostConfig"]["Memory"], 128LL << 20);
  EXPECT_EQ(inspected["HostConfig"]["NanoCpus"], 500000000LL);
  EXPECT_EQ(inspected["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ(inspected["HostConfig"]["RestartPolicy"]["Name"], "on-failure");

  // The step ran inside: the container's host name is its id.
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto ran = stepOutput(execution, "where");
  EXPECT_EQ(ran["role"], "worker");
  EXPECT_EQ(ran["hostname"], containerId) << ran.dump();
  EXPECT_NE(ran["cgroup"].get<std::string>().find(containerId), std::string::npos) << ran.dump();

  auto seen = container(probe);
  EXPECT_EQ(seen["status"], "running");
  EXPECT_EQ(seen["health_status"], "healthy");
  EXPECT_EQ(seen["resource_usage"]["memory_limit"], 128.0) << seen.dump();
  EXPECT_GT(seen["resource_usage"]["memory_usage"].get<double>(), 1.0) << seen.dump();
  EXPECT_EQ(seen["limits"]["enforced_by"], "docker");

  // Its logs: Docker's multiplexed stream decoded into the worker's own lines, with filters.
  auto path = "/api/v1/agents/" + probe["id"].get<std::string>() + "/container/logs";
  json all;
  EXPECT_TRUE(orch::test::eventually([&] {
    all = get(path, alice_).json()["logs"];
    for (const auto& entry : all)
      if (entry["source"] == "container" && entry["message"].get<std::string>().find("linked to the host") != std::string::npos)
        return true;
    return false;
  })) << all.dump();
  EXPECT_EQ(get(path + "?tail=1", alice_).json()["logs"].size(), 1u);
  EXPECT_TRUE(get(path + "?until=2020-01-01T00:00:00Z", alice_).json()["logs"].empty());

  ASSERT_EQ(post("/api/v1/agents/" + probe["id"].get<std::string>() + "/undeploy", json::object(), alice_).status, 200);
  EXPECT_EQ(engine("GET", "/containers/" + containerId + "/json").first, 404);
}

TEST_P(Docker, ADockerKillInTheMiddleOfAnExecutionStillCompletesItOnce) {
  auto probe = agent(chain({{{"id", "slow"}, {"type", "pause"}, {"data", {{"ms", 1500}}}}, where()}));
  auto deployed = deploy(probe);
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  auto containerId = deployed.json()["container_id"].get<std::string>();
  auto started = post("/api/v1/workflows/" + probe["workflow_id"].get<std::string>() + "/execute", json::object(), alice_);
  ASSERT_EQ(started.status, 202) << started.body;
  auto executionId = started.json()["execution_id"].get<std::string>();
  ASSERT_TRUE(orch::test::eventually([&] {
    return get("/api/v1/agents/" + probe["id"].get<std::string>() + "/container/logs", alice_).body.find("running step slow") !=
           std::string::npos;
  }));
  ASSERT_EQ(engine("POST", "/containers/" + containerId + "/kill").first, 204);

  auto execution =
      orch::test::awaitExecution(host_->port(), executionId, alice_, orch::test::executionEnded, std::chrono::seconds(90));
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  // The same container, started again (on the host's network its host name is the host's; its cgroup is Docker's).
  EXPECT_NE(stepOutput(execution, "where")["cgroup"].get<std::string>().find(containerId), std::string::npos) << execution.dump();
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_execution_steps WHERE execution_id = ? AND step_id = 'where'", executionId), "1");
}

TEST_P(Docker, AStepPastTheMemoryLimitFailsAndTheHostLivesOn) {
  auto probe = agent(chain({{{"id", "hog"}, {"type", "allocate"}, {"data", {{"mib", 400}}}}}), {{"memory", 96}});
  ASSERT_EQ(deploy(probe).status, 200);
  auto execution = run(probe);
  ASSERT_EQ(execution["status"], "failed") << execution.dump();
  EXPECT_NE(execution["error"].dump().find("killed for memory"), std::string::npos)
      << execution["error"] << "\n" << get("/api/v1/agents/" + probe["id"].get<std::string>() + "/container/logs?tail=40", alice_).body;
  EXPECT_EQ(get("/health", {}).status, 200);
}

TEST_P(Docker, AHostThatRestartsAdoptsItsContainersAndRemovesTheOnesNoAgentOwns) {
  auto kept = agent(chain({where()}));
  auto deployed = deploy(kept);
  ASSERT_EQ(deployed.status, 200) << deployed.body;
  auto keptId = deployed.json()["container_id"].get<std::string>();
  auto orphan = agent(chain({where()}));
  auto orphaned = deploy(orphan);
  ASSERT_EQ(orphaned.status, 200) << orphaned.body;
  auto orphanId = orphaned.json()["container_id"].get<std::string>();
  // Its record goes behind the host's back: after the restart, no agent owns that container.
  onDatabase("DELETE FROM ag_deployments WHERE agent_id = ?", {orphan["id"].get<std::string>()});

  killAndRestart();
  json seen;
  EXPECT_TRUE(orch::test::eventually([&] { return engine("GET", "/containers/" + orphanId + "/json").first == 404; },
                                     std::chrono::seconds(30)));
  EXPECT_TRUE(orch::test::eventually([&] {
    seen = container(kept);
    return seen["status"] == "running" && seen["health_status"] == "healthy";
  }, std::chrono::seconds(30))) << seen.dump();
  EXPECT_EQ(seen["container_id"], keptId); // adopted, not replaced
  auto execution = run(kept);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_NE(stepOutput(execution, "where")["cgroup"].get<std::string>().find(keptId), std::string::npos) << execution.dump();
  ASSERT_EQ(post("/api/v1/agents/" + kept["id"].get<std::string>() + "/undeploy", json::object(), alice_).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, Docker, ::testing::Values(Backend::Sqlite),
                         [](const auto&) { return "Sqlite"; });

} // namespace
