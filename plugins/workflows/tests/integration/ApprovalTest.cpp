// A step that waits for a person: durable (a row, no thread, across a
// kill -9), decided by POST executions/{id}/resume, its branches followed.
#include "Eventually.h"
#include "Executions.h"
#include "WorkflowsHost.h"

#include <csignal>

namespace workflows_test {
namespace {

class Approval : public WorkflowsHost {
protected:
  std::string extraConfig() const override { return "workflows.engine.lease_ms = 1500\nworkflows.engine.poll_ms = 50\n"; }

  /// start -> approval -> shipped (approved) | stopped (rejected) | expired (timed_out).
  std::string startApproval(double timeoutSeconds = 3600) {
    json workflow = {
        {"name", "Ship it?"},
        {"definition",
         {{"nodes",
           {{{"id", "start"}, {"type", "start"}},
            {{"id", "ask"}, {"type", "approval"}, {"data", {{"message", "Ship order {{order}}?"}, {"timeout_seconds", timeoutSeconds}}}},
            {{"id", "shipped"}, {"type", "transform"}, {"data", {{"mapping", {{"result", "shipped"}, {"by", "{{steps.ask.output.decided_by}}"}}}}}},
            {{"id", "stopped"}, {"type", "transform"}, {"data", {{"mapping", {{"result", "stopped"}}}}}},
            {{"id", "expired"}, {"type", "transform"}, {"data", {{"mapping", {{"result", "expired"}}}}}}}},
          {"edges",
           {{{"source", "start"}, {"target", "ask"}},
            {{"source", "ask"}, {"target", "shipped"}, {"condition", {{"branch", "approved"}}}},
            {{"source", "ask"}, {"target", "stopped"}, {"condition", {{"branch", "rejected"}}}},
            {{"source", "ask"}, {"target", "expired"}, {"condition", {{"branch", "timed_out"}}}}}}}}};
    auto created = post("/api/v1/workflows", workflow, alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    auto started = post("/api/v1/workflows/" + created.json().value("id", "") + "/execute", {{"input_data", {{"order", 42}}}}, alice_);
    EXPECT_EQ(started.status, 202) << started.body;
    auto id = started.json().value("execution_id", "");
    orch::test::awaitExecution(host_->port(), id, alice_, [](const json& execution) {
      for (const auto& step : execution["steps"])
        if (step["step_id"] == "ask") return step["status"] == "waiting";
      return false;
    });
    return id;
  }
  std::string userIdOf(const std::map<std::string, std::string>& auth) {
    return get("/api/v1/auth/me", auth).json().value("id", "");
  }
  HttpResult resume(const std::string& id, const json& body, const std::map<std::string, std::string>& auth) {
    return post("/api/v1/executions/" + id + "/resume", body, auth);
  }
};

TEST_P(Approval, AnApprovedStepGoesOnDownItsBranchWithTheDecisionInItsOutput) {
  auto id = startApproval();
  auto waiting = get("/api/v1/executions/" + id, alice_).json();
  EXPECT_EQ(waiting["status"], "running");
  expectInvalid(resume(id, {{"decision", "maybe"}}, alice_), "decision");
  EXPECT_EQ(resume(id, {{"decision", "approve"}}, bob_).status, 404) << "another tenant's execution";

  auto decided = resume(id, {{"decision", "approve"}, {"comment", "Looks right"}}, alice_);
  ASSERT_EQ(decided.status, 202) << decided.body;
  EXPECT_EQ(decided.json()["decision"], "approved");
  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["result"], "shipped");
  EXPECT_EQ(execution["output_data"]["by"], userIdOf(alice_));
  EXPECT_EQ(execution["results"]["ask"]["output"]["decision"], "approved");
  EXPECT_EQ(execution["results"]["ask"]["output"]["comment"], "Looks right");
  EXPECT_EQ(execution["results"]["ask"]["output"]["message"], "Ship order 42?");
  EXPECT_EQ(execution["results"]["stopped"]["status"], "skipped");
  // Decided once: a second decision has nothing to decide.
  EXPECT_EQ(resume(id, {{"decision", "reject"}}, alice_).status, 409);
}

TEST_P(Approval, TheWaitSurvivesAKill9AndARejectionOrTheTimeLimitTakeTheirBranches) {
  auto id = startApproval();
  killAndRestart();
  auto decided = resume(id, {{"decision", "reject"}}, alice_);
  ASSERT_EQ(decided.status, 202) << decided.body;
  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["result"], "stopped");

  auto expiring = startApproval(1);
  auto expired = orch::test::awaitExecution(host_->port(), expiring, alice_);
  ASSERT_EQ(expired["status"], "completed") << expired.dump();
  EXPECT_EQ(expired["output_data"]["result"], "expired");
}

INSTANTIATE_TEST_SUITE_P(Backends, Approval, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace workflows_test
