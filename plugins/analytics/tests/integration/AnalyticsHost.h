// A real host with auth, workflows, agents, ai (its provider the local LLM
// stand-in) and analytics, on SQLite or PostgreSQL, and what the analytics
// and monitoring tests ask of it.
#pragma once

#include "Buckets.h"
#include "WorkflowsHost.h"

#include "Eventually.h"
#include "Executions.h"
#include "FakeLlmServer.h"

#include <cmath>

namespace analytics_test {

using namespace workflows_test;
using Auth = std::map<std::string, std::string>;
using orch::test::eventually;
using orch::test::FakeLlmServer;

inline std::string analyticsPlugins() {
  static const std::string folder = orch::test::linkedPluginFolder(
      "analytics", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/agents.so",
                    ORCH_PLUGIN_DIR "/ai.so", ORCH_PLUGIN_DIR "/analytics.so", ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so"});
  return folder;
}

inline json transform(const std::string& id, const json& mapping, const json& dependencies = json::array()) {
  return {{"id", id}, {"type", "transform"}, {"config", {{"mapping", mapping}}}, {"dependencies", dependencies}};
}

class Analytics : public WorkflowsHost {
protected:
  std::string pluginsDir() const override { return analyticsPlugins(); }
  std::string extraConfig() const override {
    return llm_.hostConfig() + "analytics.refresh_ms = 100\nworkflows.engine.poll_ms = 50\nworkflows.engine.lease_ms = 1500\n"
           "steps.api_call.allow_private_networks = true\n" + extra_;
  }

  std::string workflow(const std::string& name, const std::vector<json>& steps, const Auth& auth) {
    auto created = post("/api/v1/workflows", {{"name", name}, {"steps", json(steps)}}, auth);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", "");
  }

  /// Runs a workflow to its end (sync); the execution.
  json run(const std::string& workflowId, const Auth& auth, const json& input = json::object()) {
    auto answer = post("/api/v1/workflows/" + workflowId + "/execute", {{"input_data", input}, {"execution_mode", "sync"}}, auth);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.json();
  }

  /// An active native agent of `auth`: start, then a transform.
  HttpResult greeterAgent(const Auth& auth) {
    return post("/api/v1/agents", {{"name", "Greeter"}, {"status", "active"}, {"framework", "native"},
                                   {"definition", {{"nodes", {{{"id", "start"}, {"type", "start"}},
                                                              {{"id", "say"}, {"type", "transform"}, {"data", {{"mapping", {{"hi", 1}}}}}}}},
                                                   {"edges", {{{"id", "e"}, {"source", "start"}, {"target", "say"}}}}}}},
                auth);
  }

  std::string userId(const Auth& auth) { return get("/api/v1/auth/me", auth).json()["id"].get<std::string>(); }

  /// A number the raw rows give (the first column of the first row; NULL is 0).
  double raw(const std::string& sql, const std::vector<std::string>& params) {
    auto value = onDatabase(sql, params);
    return value == "<null>" || value == "<none>" ? 0.0 : std::stod(value);
  }
  std::int64_t rawInt(const std::string& sql, const std::vector<std::string>& params) {
    return std::llround(raw(sql, params));
  }

  /// The answer of `path` once `ready` holds for it.
  json once(const std::string& path, const Auth& auth, const std::function<bool(const json&)>& ready) {
    json seen;
    EXPECT_TRUE(eventually([&] {
      auto answer = get(path, auth);
      seen = answer.json();
      return answer.status == 200 && ready(seen);
    }, std::chrono::seconds(30))) << path << ": " << seen.dump();
    return seen;
  }

  /// The latency bins of these executions' raw durations.
  std::vector<std::int64_t> rawBins(const std::vector<std::string>& executionIds) {
    std::vector<std::int64_t> bins(analytics::latencyBounds().size() + 1, 0);
    for (const auto& id : executionIds)
      ++bins[analytics::latencyBin(rawInt("SELECT duration_ms FROM wf_executions WHERE id = ?", {id}))];
    return bins;
  }

  static json orNull(const std::optional<std::int64_t>& value) { return value ? json(*value) : json(nullptr); }

  FakeLlmServer llm_;
  std::string extra_;
};

} // namespace analytics_test
