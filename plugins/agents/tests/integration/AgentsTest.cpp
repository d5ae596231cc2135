// Agents end to end: a real host (auth, workflows, agents, realtime,
// webhooks) on SQLite and PostgreSQL; seed 003's and seed 004's bodies as
// written, definitions compiled into real workflows, runs of several agents
// on the engine with their events on a WebSocket and a webhook receiver.
#include "LangGraphRouter.h"
#include "N8nWorkflow.h"
#include "LocalHttpServer.h"
#include "WebSocketClient.h"
#include "WorkflowsHost.h"

#include "Eventually.h"

#include <csignal>

namespace {

using namespace workflows_test;
using orch::test::LocalHttpServer;
using orch::test::WebSocketClient;

/// A native definition: start, then a transform whose output names the agent.
json transformGraph(const std::string& says) {
  return {{"nodes", {{{"id", "start"}, {"type", "start"}},
                     {{"id", "answer"}, {"type", "transform"}, {"data", {{"mapping", {{"says", says}}}}}}}},
          {"edges", {{{"id", "e1"}, {"source", "start"}, {"target", "answer"}}}}};
}

/// A native definition whose one step fails: an API call to a private address the guard refuses.
json failingGraph() {
  return {{"nodes", {{{"id", "start"}, {"type", "start"}},
                     {{"id", "call"}, {"type", "api_call"}, {"data", {{"url", "http://127.0.0.1:9/x"}, {"method", "GET"}}}}}},
          {"edges", {{{"id", "e1"}, {"source", "start"}, {"target", "call"}}}}};
}

class Agents : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "agents", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/agents.so",
                   ORCH_PLUGIN_DIR "/realtime.so", ORCH_PLUGIN_DIR "/webhooks.so"});
    return folder;
  }
  std::string extraConfig() const override {
    return "webhooks.allow_private_networks = true\nsteps.api_call.allow_private_networks = true\nwebhooks.poll_interval_ms = 50\nworkflows.engine.retry_base_ms = 20\n"
           "workflows.engine.lease_ms = 1500\nworkflows.engine.poll_ms = 50\n";
  }

  HttpResult del(const std::string& path, const std::map<std::string, std::string>& auth) {
    return HttpClient(host_->port()).request("DELETE", path, "", auth);
  }

  json agent(const json& body, const std::map<std::string, std::string>& auth) {
    auto created = post("/api/v1/agents", body, auth);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json();
  }

  std::string userId(const std::map<std::string, std::string>& auth) {
    return get("/api/v1/auth/me", auth).json().value("id", "");
  }

  /// The agent as GET shows it once `condition` holds (or after the deadline, for the failure message).
  json agentOnce(const std::string& id, const std::function<bool(const json&)>& condition) {
    json seen;
    EXPECT_TRUE(orch::test::eventually([&] {
      seen = get("/api/v1/agents/" + id, alice_).json();
      return condition(seen);
    })) << seen.dump();
    return seen;
  }
};

TEST_P(Agents, Seed003BodiesAsWritten) {
  auto created = post("/api/agents",
                      {{"name", "CustomBot"}, {"role", "Custom Analysis"}, {"description", "Performs custom business analysis tasks"}},
                      alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = created.json();
  for (const char* field : {"id", "name", "role", "description", "status", "created_at", "last_execution", "success_rate",
                            "total_executions", "successful_executions"})
    EXPECT_TRUE(body.contains(field)) << field;
  EXPECT_EQ(body["status"], "inactive") << "seed 003 creates agents inactive";
  EXPECT_EQ(body["role"], "Custom Analysis");
  EXPECT_TRUE(body["last_execution"].is_null());
  EXPECT_EQ(body["success_rate"], 0.0);
  EXPECT_EQ(body["total_executions"], 0);
  auto id = body["id"].get<std::string>();

  // The seed's client reads a bare array from GET /api/agents.
  auto none = get("/api/agents?skip=0&limit=100&status=active", alice_);
  ASSERT_EQ(none.status, 200) << none.body;
  ASSERT_TRUE(none.json().is_array()) << none.body;
  EXPECT_TRUE(none.json().empty());

  auto updated = put("/api/agents/" + id,
                     {{"role", "Enhanced Custom Analysis"}, {"description", "Updated description with new capabilities"},
                      {"status", "active"}},
                     alice_);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.json()["status"], "active");
  EXPECT_EQ(updated.json()["role"], "Enhanced Custom Analysis");
  EXPECT_EQ(updated.json()["version"], "1.0.0") << "no definition changed";

  auto active = get("/api/agents?skip=0&limit=100&status=active", alice_).json();
  ASSERT_EQ(active.size(), 1u) << active.dump();
  EXPECT_EQ(active[0]["id"], id);
  EXPECT_EQ(get("/api/agents/" + id, alice_).json()["description"], "Updated description with new capabilities");

  auto deleted = del("/api/agents/" + id, alice_);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.json()["message"], "Agent deleted successfully");
  auto gone = get("/api/agents/" + id, alice_);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.json()["detail"], "Agent not found");
  EXPECT_EQ(del("/api/agents/" + id, alice_).status, 404);
  EXPECT_NE(storedValue("SELECT deleted_at FROM ag_agents WHERE id = ?", id), "<null>") << "kept, marked deleted";
}

TEST_P(Agents, Seed004BodiesAsWrittenWithFiltersAndPages) {
  auto body = agent({{"name", "Customer Support Bot"}, {"description", "AI agent for customer support"}, {"owner_type", "user"},
                     {"framework", "langgraph"}, {"agent_type", "visual"}},
                    alice_);
  for (const char* field : {"id", "name", "description", "owner_type", "owner_id", "framework", "agent_type", "status",
                            "version", "created_at", "deployed_at", "container_id", "resource_limits", "metadata"})
    EXPECT_TRUE(body.contains(field)) << field;
  EXPECT_EQ(body["status"], "draft") << "seed 004 creates agents as drafts";
  EXPECT_EQ(body["version"], "1.0.0");
  EXPECT_EQ(body["owner_id"], userId(alice_));
  EXPECT_EQ(body["resource_limits"], json({{"cpu", 1}, {"memory", 512}, {"network_isolation", "shared"}}));
  EXPECT_EQ(body["metadata"]["node_count"], 0);
  auto id = body["id"].get<std::string>();

  agent({{"name", "Crew of two"}, {"framework", "crewai"}, {"status", "ACTIVE"},
         {"resource_limits", {{"cpu", 4}, {"memory", 8192}, {"network_isolation", "shared"}}}},
        alice_);
  agent({{"name", "Native helper"}, {"description", "answers support questions"}}, alice_);

  auto list = get("/api/v1/agents?page=1&limit=2", alice_);
  ASSERT_EQ(list.status, 200) << list.body;
  auto page = list.json();
  EXPECT_EQ(page["agents"].size(), 2u);
  EXPECT_EQ(page["pagination"], json({{"page", 1}, {"limit", 2}, {"total", 3}, {"pages", 2}}));
  EXPECT_EQ(get("/api/v1/agents?page=2&limit=2", alice_).json()["agents"].size(), 1u);
  EXPECT_EQ(get("/api/v1/agents?framework=langgraph", alice_).json()["agents"][0]["id"], id);
  EXPECT_EQ(get("/api/v1/agents?status=active", alice_).json()["agents"][0]["framework"], "crewai");
  EXPECT_EQ(get("/api/v1/agents?status=DRAFT", alice_).json()["total"], 2);
  EXPECT_EQ(get("/api/v1/agents?owner_type=organization", alice_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/agents?search=SUPPORT", alice_).json()["total"], 2) << "name or description, any case";
  expectInvalid(get("/api/v1/agents?status=sleeping", alice_), "status");
  expectInvalid(get("/api/v1/agents?owner_type=robot", alice_), "owner_type");

  auto one = get("/api/v1/agents/" + id, alice_).json();
  EXPECT_EQ(one["name"], "Customer Support Bot");
  EXPECT_TRUE(one["metadata"].contains("execution_time"));

  auto renamed = put("/api/v1/agents/" + id,
                     {{"name", "Updated Customer Support Bot"}, {"description", "Updated AI agent for customer support"}}, alice_);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  for (const char* field : {"id", "name", "description", "updated_at"}) EXPECT_TRUE(renamed.json().contains(field)) << field;
  EXPECT_EQ(renamed.json()["name"], "Updated Customer Support Bot");
  auto deleted = del("/api/v1/agents/" + id, alice_);
  EXPECT_EQ(deleted.json()["message"], "Agent deleted successfully");
  EXPECT_EQ(get("/api/v1/agents", alice_).json()["total"], 2);
}

TEST_P(Agents, ADefinitionBecomesTheAgentsWorkflowAndItsChangesBumpTheVersion) {
  auto body = agent({{"name", "Greeter"}, {"framework", "native"}, {"definition", transformGraph("hello")}}, alice_);
  ASSERT_TRUE(body["workflow_id"].is_string()) << body.dump();
  EXPECT_EQ(body["metadata"]["node_count"], 2);
  EXPECT_EQ(body["version"], "1.0.0");
  EXPECT_EQ(body["definition"], transformGraph("hello")) << "kept in the framework's own format";
  auto id = body["id"].get<std::string>();
  auto workflowId = body["workflow_id"].get<std::string>();

  auto workflow = get("/api/v1/workflows/" + workflowId, alice_).json();
  EXPECT_EQ(workflow["agent_id"], id);
  EXPECT_EQ(workflow["framework"], "native");
  EXPECT_EQ(workflow["steps"].size(), 2u);

  EXPECT_EQ(put("/api/v1/agents/" + id, {{"definition", transformGraph("hello")}}, alice_).json()["version"], "1.0.0")
      << "the same definition is no change";
  auto changed = put("/api/v1/agents/" + id, {{"definition", transformGraph("good day")}}, alice_).json();
  EXPECT_EQ(changed["version"], "1.1.0");
  EXPECT_EQ(changed["workflow_id"], workflowId) << "the same workflow, a new version of it";
  EXPECT_EQ(get("/api/v1/workflows/" + workflowId, alice_).json()["version"], "1.1.0");

  // Refused definitions name the field and leave nothing behind.
  auto before = get("/api/v1/agents", alice_).json()["total"];
  json unknownStep = {{"nodes", {{{"id", "a"}, {"type", "teleport"}}}}, {"edges", json::array()}};
  auto refused = post("/api/v1/agents", {{"name", "Bad"}, {"definition", unknownStep}}, alice_);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json()["error"]["details"]["field"].get<std::string>().rfind("definition", 0), 0u) << refused.body;
  expectInvalid(post("/api/v1/agents", {{"name", "Bad"}, {"framework", "smalltalk"}}, alice_), "framework");
  EXPECT_EQ(get("/api/v1/agents", alice_).json()["total"], before);
  EXPECT_EQ(put("/api/v1/agents/" + id, {{"definition", unknownStep}}, alice_).status, 422);
  EXPECT_EQ(get("/api/v1/agents/" + id, alice_).json()["version"], "1.1.0") << "a refused change changes nothing";
}

TEST_P(Agents, BadInputIsAClearErrorAndChangesNothing) {
  auto id = agent({{"name", "Steady"}}, alice_)["id"].get<std::string>();
  expectInvalid(post("/api/v1/agents", {{"description", "no name"}}, alice_), "name");
  expectInvalid(post("/api/v1/agents", {{"name", "   "}}, alice_), "name");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"status", "sleeping"}}, alice_), "status");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"owner_type", "organization"}}, alice_), "organization_id");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"resource_limits", {{"cpu", -1}}}}, alice_), "resource_limits.cpu");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"resource_limits", {{"memory", 1.5}}}}, alice_), "resource_limits.memory");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"resource_limits", {{"network_isolation", "vpn"}}}}, alice_),
                "resource_limits.network_isolation");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"resource_limits", {{"gpu", 1}}}}, alice_), "resource_limits.gpu");
  expectInvalid(post("/api/v1/agents", {{"name", "x"}, {"metadata", "notes"}}, alice_), "metadata");
  expectInvalid(post("/api/v1/agents", json::array({1, 2}), alice_), "body");
  auto malformed = HttpClient(host_->port()).request("POST", "/api/v1/agents", "{\"name\":", alice_);
  EXPECT_EQ(malformed.status, 400) << malformed.body;
  EXPECT_EQ(malformed.json()["error"]["code"], "BAD_REQUEST");
  expectInvalid(put("/api/v1/agents/" + id, {{"owner_id", "someone-else"}}, alice_), "owner_id");
  expectInvalid(put("/api/v1/agents/" + id, {{"framework", "crewai"}}, alice_), "framework");
  EXPECT_EQ(get("/api/v1/agents", alice_).json()["total"], 1);
  auto kept = get("/api/v1/agents/" + id, alice_).json();
  EXPECT_EQ(kept["framework"], "native");
  EXPECT_EQ(kept["status"], "draft");

  expectInvalid(post("/api/execute", {{"agent_ids", json::array()}}, alice_), "agent_ids");
  expectInvalid(post("/api/execute", {{"agent_ids", {id}}, {"timeout_seconds", 0}}, alice_), "timeout_seconds");
  expectInvalid(post("/api/execute", {{"agent_ids", {id}}, {"parallel", "yes"}}, alice_), "parallel");
  expectInvalid(post("/api/execute", {{"agent_ids", {id}}}, alice_), "agent_ids[0]");
  expectInvalid(post("/api/execute", json::object(), alice_), "agent_ids");
}

TEST_P(Agents, AnotherTenantsAgentIsNotFoundAndWritesNeedTheirPermission) {
  auto id = agent({{"name", "Private"}, {"definition", transformGraph("mine")}, {"status", "active"}}, alice_)["id"].get<std::string>();
  EXPECT_EQ(get("/api/v1/agents/" + id, bob_).status, 404);
  EXPECT_EQ(put("/api/v1/agents/" + id, {{"name", "Taken"}}, bob_).status, 404);
  EXPECT_EQ(del("/api/v1/agents/" + id, bob_).status, 404);
  EXPECT_EQ(get("/api/v1/agents", bob_).json()["total"], 0);
  EXPECT_EQ(post("/api/execute", {{"agent_ids", {id}}}, bob_).status, 404);
  EXPECT_EQ(get("/api/v1/agents/" + id + "/workflows", bob_).status, 404);
  EXPECT_EQ(get("/api/v1/agents/" + id, alice_).json()["name"], "Private");
  EXPECT_EQ(get("/api/v1/agents/" + id, adminToken()).status, 200) << "an admin sees every tenant's";

  // Seed 003's admin-only writes are permissions: a key that may only read agents cannot write them.
  auto key = post("/api/v1/auth/api-keys", {{"name", "reader"}, {"scopes", {"agent:read"}}}, alice_);
  ASSERT_EQ(key.status, 201) << key.body;
  std::map<std::string, std::string> reader = {{"X-API-KEY", key.json()["key"].get<std::string>()}};
  EXPECT_EQ(get("/api/v1/agents/" + id, reader).status, 200);
  EXPECT_EQ(post("/api/v1/agents", {{"name", "x"}}, reader).status, 403);
  EXPECT_EQ(put("/api/v1/agents/" + id, {{"name", "x"}}, reader).status, 403);
  EXPECT_EQ(del("/api/v1/agents/" + id, reader).status, 403);
  EXPECT_EQ(post("/api/execute", {{"agent_ids", {id}}}, reader).status, 403);
  EXPECT_EQ(HttpClient(host_->port()).get("/api/v1/agents").status, 401);
}

TEST_P(Agents, AgentWorkflowsOfSeed004BelongToARealAgent) {
  json seedBody = {{"name", "Main Workflow"},
                   {"description", "Primary customer support workflow"},
                   {"workflow_data", {{"nodes", transformGraph("hi")["nodes"]}, {"edges", transformGraph("hi")["edges"]},
                                      {"settings", {{"timeout", 30}}}}},
                   {"workflow_type", "visual"},
                   {"framework", "langgraph"}};
  auto missing = post("/api/v1/agents/5f0c6a8e-7d2b-4c1e-9a3f-0b4d2e6c8a10/workflows", seedBody, alice_);
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(missing.json()["detail"], "Agent not found");

  auto id = agent({{"name", "Customer Support Bot"}, {"framework", "langgraph"}}, alice_)["id"].get<std::string>();
  auto created = post("/api/v1/agents/" + id + "/workflows", seedBody, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  for (const char* field : {"id", "name", "description", "workflow_data", "workflow_type", "framework", "version", "created_at", "is_active"})
    EXPECT_TRUE(created.json().contains(field)) << field;
  EXPECT_EQ(created.json()["agent_id"], id);
  auto list = get("/api/v1/agents/" + id + "/workflows", alice_).json();
  ASSERT_EQ(list["workflows"].size(), 1u) << list.dump();
  EXPECT_EQ(list["workflows"][0]["name"], "Main Workflow");
  EXPECT_EQ(post("/api/v1/agents/" + id + "/workflows", seedBody, bob_).status, 404) << "another tenant's agent";
  expectInvalid(post("/api/v1/workflows", {{"name", "x"}, {"agent_id", "no-such-agent"}, {"definition", transformGraph("x")}}, alice_),
                "agent_id");
}

TEST_P(Agents, ExecuteRunsAgentsCountsTheirExecutionsAndAnnouncesThem) {
  std::atomic<int> deliveries{0};
  LocalHttpServer receiver([&](const LocalHttpServer::Request&) {
    ++deliveries;
    return LocalHttpServer::Reply{200, "{}"};
  });
  ASSERT_EQ(post("/api/v1/webhooks", {{"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"},
                                      {"events", {"agent.execution.completed"}}},
                 alice_)
                .status,
            201);
  auto token = alice_["Authorization"].substr(7);
  WebSocketClient socket(host_->port(), "/api/ws/" + userId(alice_) + "?token=" + token);
  ASSERT_TRUE(socket.until("connected").is_object());

  auto first = agent({{"name", "CostOptBot"}, {"status", "active"}, {"definition", transformGraph("savings")}}, alice_);
  auto second = agent({{"name", "Second"}, {"status", "active"}, {"definition", transformGraph("more")}}, alice_);
  agent({{"name", "Idle"}, {"status", "inactive"}, {"definition", transformGraph("never")}}, alice_);
  auto firstId = first["id"].get<std::string>(), secondId = second["id"].get<std::string>();

  // Seed 003: every active agent when agent_ids is left out.
  auto started = post("/api/execute", {{"parallel", true}, {"timeout_seconds", 300}}, alice_);
  ASSERT_EQ(started.status, 200) << started.body;
  auto run = started.json();
  for (const char* field : {"execution_id", "status", "started_at", "agent_count", "estimated_duration"})
    EXPECT_TRUE(run.contains(field)) << field;
  EXPECT_EQ(run["status"], "started");
  EXPECT_EQ(run["agent_count"], 2);
  EXPECT_EQ(run["estimated_duration"], 0.0) << "no history yet";

  std::vector<json> seen;
  auto runStarted = socket.until("execution_started", &seen);
  EXPECT_EQ(runStarted["data"]["execution_id"], run["execution_id"]);
  EXPECT_EQ(runStarted["data"]["agent_count"], 2);
  EXPECT_EQ(runStarted["data"]["parallel"], true);
  auto runCompleted = socket.until("execution_completed", &seen);
  // The run's own end, not one of its workflow executions': wait for the one with total_agents.
  while (runCompleted.is_object() && !runCompleted["data"].contains("total_agents"))
    runCompleted = socket.until("execution_completed", &seen);
  ASSERT_TRUE(runCompleted.is_object());
  EXPECT_EQ(runCompleted["data"]["execution_id"], run["execution_id"]);
  EXPECT_EQ(runCompleted["data"]["total_agents"], 2);
  EXPECT_EQ(runCompleted["data"]["successful"], 2);
  EXPECT_EQ(runCompleted["data"]["failed"], 0);
  EXPECT_EQ(runCompleted["data"]["success_rate"], 100.0);
  int agentsCompleted = 0;
  for (const auto& message : seen)
    if (message.value("type", "") == "agent_completed") {
      ++agentsCompleted;
      EXPECT_EQ(message["data"]["execution_id"], run["execution_id"]);
      EXPECT_EQ(message["data"]["status"], "success");
      EXPECT_TRUE(message["data"]["duration_ms"].is_number());
      EXPECT_TRUE(message["data"]["agent_name"] == "CostOptBot" || message["data"]["agent_name"] == "Second");
      EXPECT_FALSE(message["data"].contains("owner_id")) << "tenancy fields stay inside";
    }
  EXPECT_EQ(agentsCompleted, 2);

  auto counted = agentOnce(firstId, [](const json& a) { return a.value("total_executions", 0) == 1; });
  EXPECT_EQ(counted["successful_executions"], 1);
  EXPECT_EQ(counted["success_rate"], 100.0);
  EXPECT_TRUE(counted["last_execution"].is_string());
  EXPECT_TRUE(counted["metadata"]["execution_time"].is_string());

  // Seed 003's execution log: a bare array under /api, with the agent's name.
  auto logs = get("/api/executions?skip=0&limit=50&agent_id=" + firstId + "&status=success", alice_);
  ASSERT_EQ(logs.status, 200) << logs.body;
  ASSERT_TRUE(logs.json().is_array()) << logs.body;
  ASSERT_EQ(logs.json().size(), 1u) << logs.body;
  for (const char* field : {"id", "agent_id", "agent_name", "status", "start_time", "end_time", "duration_ms", "error_message"})
    EXPECT_TRUE(logs.json()[0].contains(field)) << field;
  EXPECT_EQ(logs.json()[0]["agent_name"], "CostOptBot");
  EXPECT_EQ(logs.json()[0]["output_data"]["says"], "savings");
  EXPECT_EQ(get("/api/v1/executions?agent_id=" + secondId, alice_).json()["total"], 1);

  EXPECT_TRUE(orch::test::eventually([&] { return deliveries.load() >= 2; })) << deliveries.load();
  bool named = false;
  for (const auto& delivery : receiver.requests()) {
    auto payload = json::parse(delivery.body, nullptr, false);
    if (payload.value("type", payload.value("event", "")) == "agent.execution.completed" &&
        payload["data"].value("agent_name", "") == "CostOptBot")
      named = payload["data"].contains("duration_ms") && payload["data"].contains("result");
  }
  EXPECT_TRUE(named) << "agent.execution.completed with seed 003's data";

  // One after another, with a failing agent: the run goes on and counts it.
  auto failing = agent({{"name", "Breaks"}, {"definition", failingGraph()}}, alice_)["id"].get<std::string>();
  auto sequential = post("/api/execute", {{"agent_ids", {failing, firstId}}, {"parallel", false}}, alice_).json();
  EXPECT_EQ(sequential["agent_count"], 2);
  EXPECT_TRUE(sequential["estimated_duration"].is_number());
  auto again = socket.until("execution_completed", &seen);
  while (again.is_object() && again["data"].value("execution_id", "") != sequential["execution_id"])
    again = socket.until("execution_completed", &seen);
  ASSERT_TRUE(again.is_object());
  EXPECT_EQ(again["data"]["successful"], 1);
  EXPECT_EQ(again["data"]["failed"], 1);
  EXPECT_EQ(again["data"]["success_rate"], 50.0);
  auto broken = agentOnce(failing, [](const json& a) { return a.value("total_executions", 0) == 1; });
  EXPECT_EQ(broken["successful_executions"], 0);
  EXPECT_EQ(broken["success_rate"], 0.0);
  auto twice = agentOnce(firstId, [](const json& a) { return a.value("total_executions", 0) == 2; });
  EXPECT_EQ(twice["success_rate"], 100.0);
  auto failedLog = get("/api/executions?agent_id=" + failing, alice_).json();
  ASSERT_EQ(failedLog.size(), 1u) << failedLog.dump();
  EXPECT_EQ(failedLog[0]["status"], "failed");
  EXPECT_TRUE(failedLog[0]["error_message"].is_string());
}

TEST_P(Agents, AnAgentsWorkflowRunDirectlyCountsForItOnce) {
  auto body = agent({{"name", "Direct"}, {"definition", transformGraph("direct")}}, alice_);
  auto id = body["id"].get<std::string>();
  auto run = post("/api/v1/workflows/" + body["workflow_id"].get<std::string>() + "/execute", {{"execution_mode", "sync"}}, alice_);
  ASSERT_EQ(run.status, 200) << run.body;
  auto counted = agentOnce(id, [](const json& a) { return a.value("total_executions", 0) == 1; });
  EXPECT_EQ(counted["successful_executions"], 1);
  // A restart replays nothing twice: the figures stay.
  auto previous = std::move(host_);
  previous->stop();
  startHost(previous->dataDir());
  EXPECT_EQ(get("/api/v1/agents/" + id, alice_).json()["total_executions"], 1);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM ag_counted_executions WHERE agent_id = ?", id), "1");
}

TEST_P(Agents, ALangGraphGraphRunsItsConditionalEdgesAsBranches) {
  auto graph = agents_test::langGraphRouter();
  auto body = agent({{"name", "Router"}, {"framework", "langgraph"}, {"status", "active"}, {"definition", graph}}, alice_);
  EXPECT_EQ(body["metadata"]["node_count"], 3);
  auto id = body["id"].get<std::string>();

  auto ran = [&](const std::string& route) {
    auto run = post("/api/execute", {{"agent_ids", {id}}, {"input", {{"route", route}}}}, alice_);
    EXPECT_EQ(run.status, 200) << run.body;
    json execution;
    EXPECT_TRUE(orch::test::eventually([&] {
      auto list = get("/api/v1/executions?agent_id=" + id + "&status=completed", alice_).json();
      for (const auto& item : list["executions"])
        if (item["input_data"].value("route", "") == route) execution = item;
      return execution.is_object();
    })) << route;
    return execution;
  };
  EXPECT_EQ(ran("urgent")["output_data"], json({{"escalated", true}}));
  EXPECT_EQ(ran("routine")["output_data"], json({{"branch", "routine"}})) << "the path ended at classify";

  // As LangGraph writes it, unbound: a 422 that names the node.
  json unbound = graph;
  unbound.erase("bindings");
  auto refused = post("/api/v1/agents", {{"name", "Raw"}, {"framework", "langgraph"}, {"definition", unbound}}, alice_);
  expectInvalid(refused, "definition.nodes[1]");
}

TEST_P(Agents, AnN8nExportRunsAsItIs) {
  std::vector<std::string> bodies;
  std::mutex mutex;
  LocalHttpServer crm([&](const LocalHttpServer::Request& request) {
    std::lock_guard lock(mutex);
    bodies.push_back(request.body);
    return LocalHttpServer::Reply{200, R"({"ok":true})"};
  });
  auto workflow = agents_test::n8nSupportWorkflow("http://127.0.0.1:" + std::to_string(crm.port()) + "/notes");
  auto body = agent({{"name", "Triage"}, {"framework", "n8n"}, {"definition", workflow}}, alice_);
  EXPECT_EQ(body["metadata"]["node_count"], 5) << "the sticky note is no step";
  EXPECT_EQ(body["definition"], workflow) << "kept as n8n exported it";
  auto id = body["id"].get<std::string>();

  auto run = post("/api/execute", {{"agent_ids", {id}}, {"input", {{"customer", {{"name", "Ada"}, {"tier", "vip"}}}}}}, alice_);
  ASSERT_EQ(run.status, 200) << run.body;
  json execution;
  EXPECT_TRUE(orch::test::eventually([&] {
    auto list = get("/api/v1/executions?agent_id=" + id, alice_).json()["executions"];
    if (!list.empty()) execution = list[0];
    return execution.is_object() && execution["status"] != "running" && execution["status"] != "queued";
  })) << execution.dump();
  EXPECT_EQ(execution["status"], "completed") << execution.dump() << get("/api/v1/executions/" + execution.value("id", ""), alice_).body;
  std::lock_guard lock(mutex);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(json::parse(bodies[0]), json({{"text", "Hello Ada!"}})) << "$('Edit Fields').item.json.greeting, filled";

  auto code = workflow;
  code["nodes"][1]["type"] = "n8n-nodes-base.code";
  code["nodes"][1]["parameters"] = {{"jsCode", "return items"}};
  auto refused = post("/api/v1/agents", {{"name", "Coded"}, {"framework", "n8n"}, {"definition", code}}, alice_);
  expectInvalid(refused, "definition.nodes[1].type");
  EXPECT_NE(refused.json()["error"]["details"]["issue"].get<std::string>().find("Edit Fields"), std::string::npos) << refused.body;
}

TEST_P(Agents, AnN8nSwitchSendsEachRunDownTheOutputOfItsFirstMatchingRule) {
  auto body = agent({{"name", "Router"}, {"framework", "n8n"}, {"status", "active"}, {"definition", agents_test::n8nSwitchWorkflow()}}, alice_);
  auto id = body["id"].get<std::string>();
  for (const auto& [tier, lane] : std::vector<std::pair<std::string, std::string>>{{"gold", "gold"}, {"vip", "fast"}, {"iron", "normal"}}) {
    auto run = post("/api/execute", {{"agent_ids", {id}}, {"input", {{"tier", tier}}}}, alice_);
    ASSERT_EQ(run.status, 200) << run.body;
    json execution;
    EXPECT_TRUE(orch::test::eventually([&] {
      auto list = get("/api/v1/executions?agent_id=" + id + "&status=completed", alice_).json(); // kept: items() of a temporary dangles
      for (const auto& item : list["executions"])
        if (item["input_data"].value("tier", "") == tier) execution = item;
      return execution.is_object();
    })) << tier;
    EXPECT_EQ(execution["output_data"], json({{"lane", lane}})) << tier;
  }
}

TEST_P(Agents, AnN8nNodeWithOnErrorGoesOnDownItsErrorOutputWhenItFails) {
  LocalHttpServer service([](const LocalHttpServer::Request&) { return LocalHttpServer::Reply{200, R"({"ok":true})"}; });
  auto runOnce = [&](const std::string& url) {
    auto body = agent({{"name", "Careful"}, {"framework", "n8n"}, {"status", "active"},
                       {"definition", agents_test::n8nOnErrorWorkflow(url, "continueErrorOutput")}}, alice_);
    auto id = body["id"].get<std::string>();
    EXPECT_EQ(post("/api/execute", {{"agent_ids", {id}}}, alice_).status, 200);
    json execution;
    EXPECT_TRUE(orch::test::eventually([&] {
      auto list = get("/api/v1/executions?agent_id=" + id, alice_).json(); // kept: items() of a temporary dangles
      for (const auto& item : list["executions"])
        if (item["status"] != "running" && item["status"] != "queued") execution = item;
      return execution.is_object();
    }));
    return execution;
  };
  auto failed = runOnce("http://127.0.0.1:1/down");
  ASSERT_EQ(failed["status"], "completed") << failed.dump();
  EXPECT_EQ(failed["output_data"]["lane"], "error") << failed.dump();
  EXPECT_FALSE(failed["output_data"]["problem"].get<std::string>().empty()) << "the failure, read as $json.error";
  auto worked = runOnce(service.url("/up"));
  ASSERT_EQ(worked["status"], "completed") << worked.dump();
  EXPECT_EQ(worked["output_data"]["lane"], "regular") << worked.dump();
}

TEST_P(Agents, ARunSurvivesAKill9OfItsHost) {
  // start -> a one-second delay -> answer: the kill comes while the first agent waits.
  json slow = {{"nodes", {{{"id", "start"}, {"type", "start"}},
                          {{"id", "wait"}, {"type", "delay"}, {"data", {{"seconds", 1}}}},
                          {{"id", "answer"}, {"type", "transform"}, {"data", {{"mapping", {{"done", true}}}}}}}},
               {"edges", {{{"id", "e1"}, {"source", "start"}, {"target", "wait"}},
                          {{"id", "e2"}, {"source", "wait"}, {"target", "answer"}}}}};
  auto first = agent({{"name", "Slow one"}, {"definition", slow}}, alice_)["id"].get<std::string>();
  auto second = agent({{"name", "Slow two"}, {"definition", slow}}, alice_)["id"].get<std::string>();
  auto run = post("/api/execute", {{"agent_ids", {first, second}}, {"parallel", false}}, alice_);
  ASSERT_EQ(run.status, 200) << run.body;
  auto runId = run.json()["execution_id"].get<std::string>();
  killAndRestart();

  // The restarted host resumes the first agent's execution; its end starts the second.
  EXPECT_TRUE(orch::test::eventually([&] { return storedValue("SELECT status FROM ag_runs WHERE id = ?", runId) == "completed"; },
                                     std::chrono::seconds(30)))
      << storedValue("SELECT status FROM ag_runs WHERE id = ?", runId);
  EXPECT_EQ(storedValue("SELECT successful FROM ag_runs WHERE id = ?", runId), "2");
  EXPECT_EQ(get("/api/v1/agents/" + first, alice_).json()["total_executions"], 1);
  EXPECT_EQ(get("/api/v1/agents/" + second, alice_).json()["successful_executions"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Agents, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "SQLite" : "PostgreSQL"; });

} // namespace
