// A `workflow` step: another workflow run as an execution of its own, which
// the step waits for without a thread (across a kill -9), whose failure,
// cancellation and time limit reach the step, and which a cancelled parent
// takes down with it.
#include "Eventually.h"
#include "Executions.h"
#include "WorkflowsHost.h"

#include <csignal>

namespace workflows_test {
namespace {

class SubWorkflows : public WorkflowsHost {
protected:
  std::string extraConfig() const override { return "workflows.engine.lease_ms = 1500\nworkflows.engine.poll_ms = 50\n"; }

  std::string create(const json& workflow, const std::map<std::string, std::string>& auth) {
    auto created = post("/api/v1/workflows", workflow, auth);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", "");
  }
  /// start -> wait (`seconds`) -> answer: "hello <name>".
  std::string child(const std::map<std::string, std::string>& auth, double seconds = 0) {
    return create({{"name", "Greeter"},
                   {"definition",
                    {{"nodes",
                      {{{"id", "start"}, {"type", "start"}},
                       {{"id", "wait"}, {"type", "delay"}, {"data", {{"seconds", seconds}}}},
                       {{"id", "answer"}, {"type", "transform"}, {"data", {{"mapping", {{"answer", "hello {{input.name}}"}}}}}}}},
                     {"edges", {{{"source", "start"}, {"target", "wait"}}, {{"source", "wait"}, {"target", "answer"}}}}}}},
                  auth);
  }
  /// start -> an API that refuses the connection: the run fails.
  std::string failingChild(const std::map<std::string, std::string>& auth) {
    return create({{"name", "Broken"},
                   {"definition",
                    {{"nodes",
                      {{{"id", "start"}, {"type", "start"}},
                       {{"id", "fetch"}, {"type", "api_call"},
                        {"data", {{"url", "http://127.0.0.1:1/nothing"}, {"allow_private_network", true}}}}}},
                     {"edges", {{{"source", "start"}, {"target", "fetch"}}}}}}},
                  auth);
  }
  /// start -> call (the workflow `childId`) -> said: what the child answered.
  std::string parent(const std::string& childId, double timeoutSeconds, const std::map<std::string, std::string>& auth) {
    return create({{"name", "Asks the greeter"},
                   {"definition",
                    {{"nodes",
                      {{{"id", "start"}, {"type", "start"}},
                       {{"id", "call"}, {"type", "workflow"},
                        {"data", {{"workflow_id", childId}, {"timeout_seconds", timeoutSeconds},
                                  {"input", {{"name", "{{input.name}}"}}}}}},
                       {{"id", "said"}, {"type", "transform"}, {"data", {{"mapping", {{"said", "{{steps.call.output.output.answer}}"}}}}}}}},
                     {"edges", {{{"source", "start"}, {"target", "call"}}, {{"source", "call"}, {"target", "said"}}}}}}},
                  auth);
  }
  std::string start(const std::string& workflowId, const json& input) {
    auto started = post("/api/v1/workflows/" + workflowId + "/execute", {{"input_data", input}}, alice_);
    EXPECT_EQ(started.status, 202) << started.body;
    return started.json().value("execution_id", "");
  }
  json stepOf(const json& execution, const std::string& id) {
    for (const auto& step : execution["steps"])
      if (step["step_id"] == id) return step;
    return nullptr;
  }
  /// The one execution the parent's `call` step started (waits until it exists).
  std::string childOf(const std::string& parentId) {
    std::string id;
    EXPECT_TRUE(orch::test::eventually([&] {
      id = storedValue("SELECT id FROM wf_executions WHERE parent_execution_id = ?", parentId);
      return id != "<none>";
    })) << "no execution was started by " << parentId;
    return id;
  }
};

TEST_P(SubWorkflows, AWorkflowStepRunsTheOtherWorkflowOnceAndGoesOnWithItsOutput) {
  auto childId = child(alice_);
  auto id = start(parent(childId, 60, alice_), {{"name", "Ada"}});
  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["said"], "hello Ada");
  auto call = execution["results"]["call"]["output"];
  EXPECT_EQ(call["status"], "completed") << call.dump();
  auto started = call["execution_id"].get<std::string>();
  EXPECT_EQ(childOf(id), started);

  auto run = get("/api/v1/executions/" + started, alice_).json();
  EXPECT_EQ(run["workflow_id"], childId);
  EXPECT_EQ(run["parent_execution_id"], id);
  EXPECT_EQ(run["input_data"]["name"], "Ada");
  EXPECT_EQ(run["status"], "completed");
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_executions WHERE parent_execution_id = ?", id), "1");
}

TEST_P(SubWorkflows, ItsFailureFailsTheStepAndAnotherTenantsWorkflowIsNotFound) {
  auto id = start(parent(failingChild(alice_), 60, alice_), {{"name", "Ada"}});
  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "failed") << execution.dump();
  EXPECT_EQ(execution["failed_step"], "call");
  EXPECT_NE(execution["error"].get<std::string>().find("failed"), std::string::npos) << execution["error"];
  EXPECT_EQ(get("/api/v1/executions/" + childOf(id), alice_).json()["status"], "failed");

  // Bob's workflow cannot be started from Alice's, and nothing is started.
  auto stranger = start(parent(child(bob_), 60, alice_), {{"name", "Ada"}});
  auto refused = orch::test::awaitExecution(host_->port(), stranger, alice_);
  ASSERT_EQ(refused["status"], "failed") << refused.dump();
  EXPECT_NE(refused["error"].get<std::string>().find("Workflow not found"), std::string::npos) << refused["error"];
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_executions WHERE parent_execution_id = ?", stranger), "0");
}

TEST_P(SubWorkflows, ARunStillGoingAtTheTimeLimitIsCancelledAndACancelledParentCancelsItsRun) {
  auto childId = child(alice_, 120);
  auto slow = start(parent(childId, 1, alice_), {{"name", "Ada"}});
  auto timedOut = orch::test::awaitExecution(host_->port(), slow, alice_);
  ASSERT_EQ(timedOut["status"], "failed") << timedOut.dump();
  EXPECT_NE(timedOut["error"].get<std::string>().find("did not end in time"), std::string::npos) << timedOut["error"];
  auto abandoned = childOf(slow);
  EXPECT_EQ(orch::test::awaitExecution(host_->port(), abandoned, alice_)["status"], "cancelled");

  auto waiting = start(parent(childId, 600, alice_), {{"name", "Ada"}});
  auto running = childOf(waiting);
  ASSERT_EQ(post("/api/v1/executions/" + waiting + "/cancel", json::object(), alice_).status, 200);
  EXPECT_EQ(orch::test::awaitExecution(host_->port(), running, alice_)["status"], "cancelled");
  EXPECT_EQ(get("/api/v1/executions/" + waiting, alice_).json()["status"], "cancelled");
}

TEST_P(SubWorkflows, AKill9WhileTheRunIsUnderWayStartsNoSecondRunAndTheParentStillGetsTheAnswer) {
  auto id = start(parent(child(alice_, 2), 120, alice_), {{"name", "Grace"}});
  auto started = childOf(id);
  orch::test::awaitExecution(host_->port(), id, alice_, [&](const json& execution) {
    auto call = stepOf(execution, "call");
    return call.is_object() && call["status"] == "waiting";
  });
  killAndRestart();
  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["said"], "hello Grace");
  EXPECT_EQ(execution["results"]["call"]["output"]["execution_id"], started);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_executions WHERE parent_execution_id = ?", id), "1");
}

INSTANTIATE_TEST_SUITE_P(Backends, SubWorkflows, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace workflows_test
