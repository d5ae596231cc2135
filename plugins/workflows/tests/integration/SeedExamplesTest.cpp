// Each seed's complete workflow example, run end to end: emails go to a real
// SMTP server (STARTTLS and AUTH), api_call to a local HTTP server, and
// ai_prompt through the ai plugin to a local server speaking OpenAI's wire
// format. Then the ways those steps fail, each named in the step's error.
#include "Executions.h"
#include "FakeLlmServer.h"
#include "LocalHttpServer.h"
#include "SmtpServer.h"
#include "WorkflowsHost.h"
#include "../SeedWorkflows.h"

#include <chrono>
#include <thread>

namespace workflows_test {
namespace {

using orch::test::FakeLlmServer;
using orch::test::LocalHttpServer;
using orch::test::SmtpServer;

/// A message's text without the line ending the mail format adds.
std::string textOf(const json& mail) {
  auto text = mail.value("text", "");
  text.erase(text.find_last_not_of("\r\n") + 1);
  return text;
}

class SeedExamples : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "wf-seeds", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/ai.so"});
    return folder;
  }

  std::string extraConfig() const override {
    return smtp_.hostConfig() +
           "smtp.from = robot@orchestrator.test\n"
           "email.templates.welcome-template.subject = Welcome, {{customer_name}}\n"
           "email.templates.welcome-template.body = Hello {{customer_name}}, welcome aboard.\n"
           "email.templates.follow_up_template.subject = Following up\n"
           "email.templates.follow_up_template.body = Dear {{customer_name}}, how is it going?\n"
           "email.templates.summary-template.subject = Feedback summary\n"
           "email.templates.summary-template.body = {{steps.step-1.output.response}}\n"
           // The CRM of seed 000's example is a local server here.
           "steps.api_call.allow_private_networks = true\n"
           "workflows.engine.retry_base_ms = 20\n" + llm_.hostConfig() + extra_;
  }

  /// Runs the workflow with `body` (async, as the seeds do) and waits for its end.
  json runToEnd(const std::string& createPath, json workflow, json body) {
    auto created = post(createPath, workflow, alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    auto started = post("/api/workflows/" + created.json().value("id", "") + "/execute", body, alice_);
    EXPECT_EQ(started.status, 202) << started.body;
    return orch::test::awaitExecution(host_->port(), started.json().value("execution_id", ""), alice_);
  }

  std::string extra_;
  SmtpServer smtp_{{.user = "mailer", .password = "smtp-secret-9", .rejectRecipient = "nobody@example.com"}};
  FakeLlmServer llm_;
  LocalHttpServer crm_{[](const LocalHttpServer::Request&) {
    return LocalHttpServer::Reply{201, R"({"customer_id":"crm-42","status":"created"})"};
  }};
};

TEST_P(SeedExamples, Seed000CustomerOnboardingSendsMailCallsTheCrmAndPersonalizes) {
  llm_.setDefaultReply({.text = "Tailored tips for a Technology company", .promptTokens = 40, .completionTokens = 25});
  // Seed 000's "Complete Workflow Creation Example", the CRM URL pointing here.
  auto workflow = workflows_seeds::seed000Onboarding();
  workflow["steps"][1]["config"]["url"] = crm_.url("/customers");
  // Seed 000's "Execute Workflow Example".
  auto execution = runToEnd("/api/workflows", workflow, json::parse(R"json({
    "input_data": {"customer_email": "john.doe@example.com", "customer_name": "John Doe", "customer_industry": "Technology"},
    "priority": "high"
  })json"));
  ASSERT_EQ(execution["status"], "completed") << execution.dump();

  auto mail = smtp_.waitForMessages(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["envelope_to"], json::array({"john.doe@example.com"}));
  EXPECT_EQ(mail[0]["envelope_from"], "robot@orchestrator.test");
  EXPECT_EQ(mail[0]["subject"], "Welcome to Auterity!") << "the step's subject wins over the template's";
  EXPECT_EQ(textOf(mail[0]), "Hello John Doe, welcome aboard.");
  EXPECT_EQ(mail[0]["user"], "mailer") << "logged in with the configured user";
  EXPECT_EQ(mail[0]["secure"], true) << "sent after STARTTLS";
  auto email = execution["results"]["welcome-email"]["output"];
  EXPECT_EQ(email["email_sent"], true);
  EXPECT_EQ(email["message_id"], mail[0]["message_id"]);

  auto crmCalls = crm_.requests();
  ASSERT_EQ(crmCalls.size(), 1u);
  EXPECT_EQ(crmCalls[0].method, "POST");
  EXPECT_EQ(crmCalls[0].path, "/customers");
  EXPECT_EQ(crmCalls[0].headers["authorization"], "Bearer crm-token");
  EXPECT_EQ(json::parse(crmCalls[0].body),
            json({{"email", "john.doe@example.com"}, {"name", "John Doe"}, {"source", "auterity_onboarding"}}));
  EXPECT_EQ(execution["results"]["setup-account"]["output"]["status_code"], 201);
  EXPECT_EQ(execution["results"]["setup-account"]["output"]["body"]["customer_id"], "crm-42");

  auto prompts = llm_.received();
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].model, "gpt-4");
  EXPECT_EQ(prompts[0].body["max_tokens"], 300);
  EXPECT_EQ(prompts[0].body["messages"].back()["content"],
            "Create personalized content for John Doe based on their industry: Technology");
  auto ai = execution["results"]["ai-personalization"];
  EXPECT_EQ(ai["output"]["response"], "Tailored tips for a Technology company");
  EXPECT_EQ(ai["tokens_used"], 65);
  EXPECT_GT(ai["cost"].get<double>(), 0.0) << "priced from the model catalog";
  EXPECT_EQ(execution["tokens_used"], 65);
  EXPECT_EQ(execution["progress"]["completed_steps"], 3);

  // The ai plugin recorded the call for the user who ran the workflow, tied to the step.
  auto calls = get("/api/v1/ai/calls?execution_id=" + execution["id"].get<std::string>(), alice_);
  ASSERT_EQ(calls.status, 200) << calls.body;
  ASSERT_EQ(calls.json()["calls"].size(), 1u) << calls.body;
  EXPECT_EQ(calls.json()["calls"][0]["step_id"], "ai-personalization");
  EXPECT_EQ(calls.json()["calls"][0]["model"], "gpt-4");
}

TEST_P(SeedExamples, Seed001FollowUpRunsTheDefinitionGraphFromStartToEmail) {
  // Seed 001's "Customer Follow-up Workflow": nodes and edges, config in `data`.
  auto workflow = workflows_seeds::seed001FollowUp();
  auto execution = runToEnd("/api/workflows", workflow,
                            {{"input_data", {{"customer_email", "ada@example.com"}, {"customer_name", "Ada"}}}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["results"]["start"]["status"], "completed");
  auto mail = smtp_.waitForMessages(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["envelope_to"], json::array({"ada@example.com"}));
  EXPECT_EQ(mail[0]["subject"], "Following up");
  EXPECT_EQ(textOf(mail[0]), "Dear Ada, how is it going?");
}

TEST_P(SeedExamples, Seed000CreateExampleMailsTheModelsSummaryToTheManager) {
  llm_.setDefaultReply({.text = "Customers love the new dashboard."});
  // Seed 000's POST /api/workflows body: no step ids, so the second step's
  // dependency names the first by its place ("step-1").
  auto workflow = workflows_seeds::seed000Create();
  auto execution = runToEnd("/api/workflows", workflow, {{"input_data", json::object()}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto mail = smtp_.waitForMessages(1);
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["envelope_to"], json::array({"manager@company.com"}));
  EXPECT_EQ(mail[0]["subject"], "Feedback summary");
  EXPECT_EQ(textOf(mail[0]), "Customers love the new dashboard.");
}

TEST_P(SeedExamples, MailFailuresFailTheStepWithTheReason) {
  auto created = post("/api/v1/workflows",
                      {{"name", "mail"},
                       {"steps", {{{"id", "send"}, {"type", "email"},
                                   {"config", {{"to", "{{to}}"}, {"subject", "Hi"}, {"body", "Hello"}}}}}}},
                      alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto id = created.json().value("id", "");
  auto send = [&](const json& input) {
    auto answer = post("/api/v1/workflows/" + id + "/execute",
                       {{"input_data", input}, {"execution_mode", "sync"}, {"execution_options", {{"retry_count", 0}}}},
                       alice_);
    EXPECT_EQ(answer.status, 200) << answer.body;
    auto execution = answer.json();
    EXPECT_EQ(execution["status"], "failed") << answer.body;
    return execution["steps"][0].value("error", "");
  };
  EXPECT_NE(send({{"to", "not an address"}}).find("'not an address' is not an email address"), std::string::npos);
  EXPECT_NE(send(json::object()).find("to"), std::string::npos) << "the unknown variable is named";
  auto refused = send({{"to", "nobody@example.com"}});
  EXPECT_NE(refused.find("550"), std::string::npos) << refused;
  EXPECT_TRUE(smtp_.messages().empty()) << "nothing was delivered";

  // A wrong password: the server's refusal, not a silent success.
  auto previous = std::move(host_);
  previous->stop();
  extra_ = "smtp.password = not-the-password\n";
  startHost(previous->dataDir());
  auto login = send({{"to", "ada@example.com"}});
  EXPECT_NE(login.find("Sending email through 127.0.0.1"), std::string::npos) << login;
  EXPECT_NE(login.find("535"), std::string::npos) << login;
  EXPECT_TRUE(smtp_.messages().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, SeedExamples, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace workflows_test
