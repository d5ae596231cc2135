// The host's monitoring and system routes with the plugins that feed them,
// on SQLite and PostgreSQL: monitoring/health (the database, the workflows'
// queue, a real SMTP server, the AI provider stand-in) turning unhealthy
// when the SMTP server goes; system/status and its agents and last
// execution; system/metrics' samples, one every sample interval, and the
// health score's formula; monitoring/metrics with the analytics figures.
#include "AnalyticsHost.h"
#include "SmtpServer.h"
#include "TestDocker.h"

#include <orchestrator/time.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

using namespace analytics_test;
using orch::test::SmtpServer;

class Monitoring : public Analytics {
protected:
  std::string extraConfig() const override {
    return Analytics::extraConfig() + smtp_->hostConfig() + "smtp.health_check = true\nsystem.sample_interval_ms = 200\n"
           "health.check_interval_ms = 200\nserver.environment = staging\n";
  }
  void SetUp() override {
    smtp_ = std::make_unique<SmtpServer>(SmtpServer::Options{.tls = false});
    Analytics::SetUp();
  }
  std::unique_ptr<SmtpServer> smtp_;
};

TEST_P(Monitoring, HealthNamesEveryComponentAndTurnsUnhealthyWhenOneIsDown) {
  auto health = get("/api/v1/monitoring/health", alice_);
  ASSERT_EQ(health.status, 200) << health.body;
  auto body = health.json();
  EXPECT_EQ(body["status"], "healthy");
  EXPECT_EQ(body["environment"], "staging");
  EXPECT_EQ(body["version"], get("/health", {}).json()["version"]);
  const auto& services = body["services"];
  EXPECT_EQ(services["database"]["status"], "healthy");
  EXPECT_GE(services["database"]["response_time"].get<double>(), 0.0);
  EXPECT_EQ(services["queue"]["status"], "healthy");
  EXPECT_EQ(services["queue"]["depth"], 0);
  EXPECT_EQ(services["smtp"]["status"], "healthy") << body.dump();
  EXPECT_EQ(services["smtp"]["port"], smtp_->port());
  EXPECT_EQ(services["ai_services"]["openai"]["status"], "healthy") << body.dump();
  std::set<std::string> names;
  for (const auto& component : body["components"]) {
    names.insert(component["name"].get<std::string>());
    EXPECT_EQ(component["status"], "healthy") << component.dump();
  }
  for (const char* name : {"database", "queue", "smtp", "ai_providers", "memory", "disk", "plugins"})
    EXPECT_TRUE(names.count(name)) << name << " in " << body["components"].dump();
  EXPECT_EQ(get("/api/v1/monitoring/health", {}).status, 401);

  // The health score is 1 while everything is well and no request failed.
  json status;
  EXPECT_TRUE(eventually([&] {
    status = get("/api/v1/system/status", alice_).json();
    return status["system_health_score"] == 1.0;
  })) << status.dump();
  EXPECT_EQ(status["status"], "healthy") << status.dump();

  // The SMTP server goes: its component, the whole, and the score say so.
  smtp_.reset();
  json down;
  ASSERT_TRUE(eventually([&] {
    auto answer = get("/api/v1/monitoring/health", alice_);
    down = answer.json();
    return answer.status == 503;
  })) << down.dump();
  EXPECT_EQ(down["status"], "unhealthy");
  EXPECT_EQ(down["services"]["smtp"]["status"], "unhealthy");
  EXPECT_FALSE(down["services"]["smtp"]["message"].get<std::string>().empty());
  auto components = down["components"].size();
  auto expected = std::round(double(components - 1) / double(components) * 100) / 100;
  json degraded;
  EXPECT_TRUE(eventually([&] {
    degraded = get("/api/v1/system/status", alice_).json();
    return degraded["system_health_score"] == expected;
  })) << degraded.dump() << " expected " << expected;
  EXPECT_EQ(degraded["status"], "degraded");
}

TEST_P(Monitoring, StatusAndMetricsCountAgentsExecutionsAndSamples) {
  auto agent = greeterAgent(alice_);
  ASSERT_EQ(agent.status, 201) << agent.body;
  ASSERT_EQ(post("/api/v1/agents", {{"name", "Draft"}, {"definition", {{"nodes", json::array({{{"id", "start"}, {"type", "start"}}})}, {"edges", json::array()}}}}, bob_).status, 201);
  auto done = run(agent.json()["workflow_id"].get<std::string>(), alice_);
  ASSERT_EQ(done["status"], "completed") << done.dump();

  auto status = get("/api/v1/system/status", alice_).json();
  EXPECT_EQ(status["total_agents"], 2) << status.dump();
  EXPECT_EQ(status["active_agents"], 1);
  EXPECT_EQ(status["last_execution"], onDatabase("SELECT MAX(created_at) FROM wf_executions", {}));
  EXPECT_EQ(status["version"], get("/health", {}).json()["version"]);
  EXPECT_EQ(status["environment"], "staging");
  EXPECT_GT(status["uptime_seconds"].get<double>(), 0.0);

  // Samples, one each interval, oldest first, with the agents counted.
  json samples;
  ASSERT_TRUE(eventually([&] {
    samples = get("/api/v1/system/metrics?hours=1", alice_).json();
    return samples.is_array() && samples.size() >= 3 && samples.back()["active_agents_count"] == 1;
  })) << samples.dump();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& sample = samples[i];
    for (const char* field : {"cpu_usage", "memory_usage", "disk_usage", "network_io", "system_health_score"})
      EXPECT_TRUE(sample[field].is_number()) << field << " " << sample.dump();
    EXPECT_GE(sample["memory_usage"].get<double>(), 0.0);
    EXPECT_LE(sample["memory_usage"].get<double>(), 100.0);
    if (i) EXPECT_LE(samples[i - 1]["timestamp"].get<std::string>(), sample["timestamp"].get<std::string>());
  }
  auto stored = std::stoll(onDatabase("SELECT COUNT(*) FROM orch_system_samples", {}));
  EXPECT_GE(stored, static_cast<long long>(samples.size()));
  expectInvalid(get("/api/v1/system/metrics?hours=0", alice_), "hours");
  expectInvalid(get("/api/v1/system/metrics?hours=lots", alice_), "hours");
  expectInvalid(get("/api/v1/system/metrics?hours=100000", alice_), "hours");

  // Seed 001's figures: the host's requests and, from the rollups, the caller's executions.
  json metrics;
  ASSERT_TRUE(eventually([&] {
    metrics = get("/api/v1/monitoring/metrics", alice_).json();
    // The refused hours are counted once their answers were sent.
    return metrics["workflows"]["total_executions"] == 1 && metrics["application"]["failed_requests"] >= 3;
  })) << metrics.dump();
  EXPECT_EQ(metrics["workflows"]["successful_executions"], 1);
  EXPECT_EQ(metrics["workflows"]["executions_last_hour"], 1);
  EXPECT_EQ(metrics["ai_usage"]["total_requests"], 0);
  EXPECT_GT(metrics["application"]["total_requests"].get<int>(), 5);
  EXPECT_GE(metrics["application"]["failed_requests"].get<int>(), 3) << "the three refused hours";
  EXPECT_TRUE(metrics["system"]["cpu_usage"].is_number());
  EXPECT_EQ(get("/api/v1/monitoring/metrics", bob_).json()["workflows"]["total_executions"], 0) << "bob ran nothing";
}

TEST_P(Monitoring, PrometheusTextHasTheEngineTheAiRouterAndTheAgentsAndPassesPromtool) {
  auto agent = greeterAgent(alice_);
  ASSERT_EQ(agent.status, 201) << agent.body;
  auto ai = workflow("AI", {{{"id", "p"}, {"type", "ai_prompt"}, {"config", {{"prompt", "Say hello"}}}}}, alice_);
  EXPECT_EQ(run(ai, alice_)["status"], "completed");
  EXPECT_EQ(run(agent.json()["workflow_id"].get<std::string>(), alice_)["status"], "completed");
  auto failing = workflow("Failing", {transform("t", {{"v", "{{missing_value}}"}})}, alice_);
  EXPECT_EQ(run(failing, alice_)["status"], "failed");

  // The ai plugin writes its call records in batches, a moment after the call.
  ASSERT_TRUE(eventually([&] { return onDatabase("SELECT COUNT(*) FROM ai_calls", {}) == "1"; }));
  // A request is counted once its answer is sent: the text is read until it has them all.
  const std::vector<std::string> lines = {"orch_executions_total{status=\"completed\"} 2\n",
                                          "orch_executions_total{status=\"failed\"} 1\n", "orch_queue_depth 0\n",
                                          "orch_agents{status=\"active\"} 1\n", "aimos_active_agents 1\n",
                                          "aimos_requests_total{method=\"POST\",endpoint=\"/workflows/{id}/execute\"} 3\n",
                                          "# TYPE orch_step_duration_seconds histogram\n", "aimos_system_health_score "};
  std::string text;
  EXPECT_TRUE(eventually([&] {
    text = get("/api/v1/system/metrics/prometheus", {}).body;
    return std::all_of(lines.begin(), lines.end(), [&](const std::string& line) { return text.find(line) != std::string::npos; });
  })) << text;
  for (const auto& line : lines) EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  auto model = onDatabase("SELECT model FROM ai_calls", {});
  EXPECT_NE(text.find("orch_ai_requests_total{model=\"" + model + "\",provider=\"openai\",status=\"completed\"} 1\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("orch_ai_tokens_total{model=\"" + model + "\",provider=\"openai\",kind=\"prompt\"} 12\n"),
            std::string::npos) << "the stand-in's 12 prompt tokens";

  // Debian's promtool, which scripts/lib/deps.sh installs, checks the format and the names.
  auto file = std::filesystem::temp_directory_path() / ("orch-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << text;
  ASSERT_EQ(std::system("command -v promtool >/dev/null"), 0) << "promtool is installed by scripts/lib/deps.sh";
  auto checked = std::system(("promtool check metrics < " + file.string() + " > " + file.string() + ".out 2>&1").c_str());
  std::ifstream out(file.string() + ".out");
  std::string problems((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(checked, 0) << problems;
  std::filesystem::remove(file);
  std::filesystem::remove(file.string() + ".out");
}

/// The containers plugin too, checking Docker Engine on socket_.
class DockerMonitoring : public Monitoring {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "monitoring-docker", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/ai.so",
                              ORCH_PLUGIN_DIR "/containers.so"});
    return folder;
  }
  std::string extraConfig() const override {
    return Monitoring::extraConfig() + "containers.docker.health_check = true\ncontainers.docker.socket = " + socket_ + "\n";
  }
  std::string socket_;
};

/// A socket where no engine listens.
class DockerDown : public DockerMonitoring {
protected:
  void SetUp() override {
    socket_ = (std::filesystem::temp_directory_path() / "orch-no-docker-here.sock").string();
    DockerMonitoring::SetUp();
  }
};

/// The engine of CTest's `docker` fixture (skipped where none can run).
class DockerUp : public DockerMonitoring {
protected:
  void SetUp() override {
    ORCH_REQUIRE_DOCKER(socket_);
    DockerMonitoring::SetUp();
  }
};

TEST_P(DockerDown, AnEngineThatDoesNotAnswerIsAnUnhealthyComponent) {
  auto health = get("/api/v1/monitoring/health", alice_);
  EXPECT_EQ(health.status, 503) << health.body;
  auto body = health.json();
  const auto& docker = body["services"]["docker"];
  EXPECT_EQ(docker["status"], "unhealthy") << health.body;
  EXPECT_NE(docker["message"].get<std::string>().find("orch-no-docker-here.sock"), std::string::npos) << docker.dump();
  EXPECT_TRUE(docker["latency_ms"].is_number());
}

TEST_P(DockerUp, ARunningEngineIsHealthyWithItsApiVersion) {
  auto health = get("/api/v1/monitoring/health", alice_);
  auto body = health.json();
  const auto& docker = body["services"]["docker"];
  EXPECT_EQ(docker["status"], "healthy") << health.body;
  EXPECT_FALSE(docker["api_version"].get<std::string>().empty()) << docker.dump();
}

INSTANTIATE_TEST_SUITE_P(Backends, DockerDown, ::testing::Values(Backend::Sqlite),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });
INSTANTIATE_TEST_SUITE_P(Backends, DockerUp, ::testing::Values(Backend::Sqlite),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

INSTANTIATE_TEST_SUITE_P(Backends, Monitoring, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
