// Agents of each framework that call tools, end to end: a CrewAI crew, an
// n8n AI Agent and an Agno team imported over the API, run through POST /api/execute against
// the local OpenAI stand-in, their tools (api_call) reaching a local server;
// and an agent whose tool is another agent, with tools of its own.
#include "FakeLlmServer.h"
#include "LocalHttpServer.h"
#include "WorkflowsHost.h"

#include "Eventually.h"

namespace {

using namespace workflows_test;
using orch::test::FakeLlmServer;
using orch::test::LocalHttpServer;

class AgentsCallingTools : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "agents-tools", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/agents.so",
                         ORCH_PLUGIN_DIR "/ai.so"});
    return folder;
  }
  std::string extraConfig() const override {
    return "steps.api_call.allow_private_networks = true\nworkflows.engine.retry_base_ms = 20\n" + llm_.hostConfig();
  }

  /// Runs the agent with `input` and waits for its execution's end.
  json run(const std::string& agentId, const json& input) {
    auto started = post("/api/execute", {{"agent_ids", {agentId}}, {"input", input}}, alice_);
    EXPECT_EQ(started.status, 200) << started.body;
    json execution;
    EXPECT_TRUE(orch::test::eventually([&] {
      auto list = get("/api/v1/executions?agent_id=" + agentId, alice_).json();
      for (const auto& item : list["executions"])
        if (item["status"] != "running" && item["status"] != "queued") execution = item;
      return execution.is_object();
    }, std::chrono::seconds(30)));
    return execution;
  }

  FakeLlmServer llm_;
  LocalHttpServer facts_{[](const LocalHttpServer::Request&) {
    return LocalHttpServer::Reply{200, R"({"facts": ["C++ is fast", "C++ is old"]})"};
  }};
};

/// The stand-in as a ReAct model: the researcher calls the facts service once,
/// then reports; the writer writes from what the researcher found.
std::optional<FakeLlmServer::Reply> crewTurn(const std::string& factsUrl, const FakeLlmServer::Received& request) {
  const auto& messages = request.body["messages"];
  auto system = messages[0].value("content", "");
  FakeLlmServer::Reply reply;
  if (system.find("You are Researcher.") != std::string::npos) {
    if (messages.back().value("role", "") != "tool") {
      reply.text = "";
      reply.toolCalls = {{"call_facts", "api_call", {{"url", factsUrl}, {"method", "GET"}}}};
    } else {
      reply.text = "Findings: " + messages.back()["content"].get<std::string>();
    }
  } else {
    auto task = messages.back()["content"].get<std::string>();
    reply.text = task.find("Findings:") != std::string::npos ? "Article written from the findings" : "Article without findings";
  }
  return reply;
}

TEST_P(AgentsCallingTools, ACrewImportedOverTheApiRunsItsTasksAndItsResearcherCallsItsTool) {
  llm_.setReplier([url = facts_.url("/facts")](const FakeLlmServer::Received& r) { return crewTurn(url, r); });
  json crew = {{"crew", {{"agents", {"researcher", "writer"}},
                         {"tasks", {{{"name", "research"}, {"description", "Research {topic}."}, {"expected_output", "Facts"},
                                     {"agent", "researcher"}},
                                    {{"name", "write"}, {"description", "Write about {topic}."}, {"expected_output", "An article"},
                                     {"agent", "writer"}, {"context", {"research"}}}}}}},
               {"agents", {{"researcher", {{"role", "Researcher"}, {"goal", "Find facts"}, {"backstory", "You dig."},
                                           {"llm", "openai/gpt-4o-mini"}, {"tools", {"api_call"}}}},
                           {"writer", {{"role", "Writer"}, {"goal", "Write"}, {"backstory", "You write."}, {"llm", "gpt-4o-mini"}}}}}};
  auto created = post("/api/v1/agents", {{"name", "Crew"}, {"framework", "crewai"}, {"status", "active"}, {"definition", crew}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["metadata"]["node_count"], 3);

  auto execution = run(created.json()["id"].get<std::string>(), {{"topic", "C++"}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["response"], "Article written from the findings");
  EXPECT_EQ(facts_.requests().size(), 1u);
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 3u) << "researcher: call, then report; writer: one turn";
  EXPECT_NE(sent[0].body["messages"][1]["content"].get<std::string>().find("Research C++."), std::string::npos)
      << "the {topic} placeholder filled from the input";

  // A crew with a Python tool is refused, naming it.
  crew["agents"]["writer"]["tools"] = {"SerperDevTool"};
  expectInvalid(post("/api/v1/agents", {{"name", "Bad crew"}, {"framework", "crewai"}, {"definition", crew}}, alice_),
                "definition.agents.writer.tools[0]");
}

TEST_P(AgentsCallingTools, AnN8nAiAgentWithAnHttpToolRunsAsAToolLoop) {
  llm_.setReplier([url = facts_.url("/facts")](const FakeLlmServer::Received& request) -> std::optional<FakeLlmServer::Reply> {
    FakeLlmServer::Reply reply;
    if (request.body["messages"].back().value("role", "") != "tool") {
      reply.text = "";
      reply.toolCalls = {{"call_1", "facts", json::object()}};
    } else {
      reply.text = "The facts: " + request.body["messages"].back()["content"].get<std::string>();
    }
    (void)url;
    return reply;
  });
  json workflow = {
      {"nodes",
       {{{"name", "When chat message received"}, {"type", "@n8n/n8n-nodes-langchain.chatTrigger"}, {"typeVersion", 1.1},
         {"parameters", json::object()}},
        {{"name", "AI Agent"}, {"type", "@n8n/n8n-nodes-langchain.agent"}, {"typeVersion", 1.7},
         {"parameters", {{"options", {{"systemMessage", "You answer with facts."}}}}}},
        {{"name", "OpenAI Chat Model"}, {"type", "@n8n/n8n-nodes-langchain.lmChatOpenAi"}, {"typeVersion", 1},
         {"parameters", {{"model", "gpt-4o-mini"}}}},
        {{"name", "Facts"}, {"type", "@n8n/n8n-nodes-langchain.toolHttpRequest"}, {"typeVersion", 1.1},
         {"parameters", {{"url", facts_.url("/facts")}, {"method", "GET"}, {"toolDescription", "Facts about C++"}}}}}},
      {"connections",
       {{"When chat message received", {{"main", {{{{"node", "AI Agent"}, {"type", "main"}, {"index", 0}}}}}}},
        {"OpenAI Chat Model", {{"ai_languageModel", {{{{"node", "AI Agent"}, {"type", "ai_languageModel"}, {"index", 0}}}}}}},
        {"Facts", {{"ai_tool", {{{{"node", "AI Agent"}, {"type", "ai_tool"}, {"index", 0}}}}}}}}}};
  auto created = post("/api/v1/agents", {{"name", "n8n agent"}, {"framework", "n8n"}, {"status", "active"}, {"definition", workflow}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto execution = run(created.json()["id"].get<std::string>(), {{"chatInput", "Tell me about C++"}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_NE(execution["output_data"]["response"].get<std::string>().find("C++ is fast"), std::string::npos) << execution.dump();
  ASSERT_EQ(facts_.requests().size(), 1u);
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body["messages"][0]["content"], "You answer with facts.");
  EXPECT_EQ(sent[0].body["messages"][1]["content"], "Tell me about C++");
  EXPECT_EQ(sent[0].body["tools"][0]["function"]["name"], "facts");
  EXPECT_FALSE(sent[0].body["tools"][0]["function"]["parameters"]["properties"].contains("url")) << "fixed by the workflow";
}

TEST_P(AgentsCallingTools, AnAgnoTeamsLeaderDelegatesToAMemberThatUsesItsOwnToolAndAnswersFromItsReply) {
  llm_.setReplier([url = facts_.url("/facts")](const FakeLlmServer::Received& request) -> std::optional<FakeLlmServer::Reply> {
    const auto& messages = request.body["messages"];
    bool member = messages[0]["content"].get<std::string>().find("You track prices.") != std::string::npos;
    bool answered = messages.back().value("role", "") == "tool";
    FakeLlmServer::Reply reply;
    if (member && !answered) reply.toolCalls = {{"call_f", "api_call", {{"url", url}, {"method", "GET"}}}};
    else if (member) reply.text = "AAPL is 230; " + messages.back()["content"].get<std::string>();
    else if (!answered) reply.toolCalls = {{"call_m", "finance_agent", {{"prompt", "Price of AAPL?"}}}};
    else reply.text = "Team answer: " + messages.back()["content"].get<std::string>();
    return reply;
  });
  json team = {{"name", "Market team"},
               {"mode", "coordinate"},
               {"model", "openai:gpt-4o-mini"},
               {"members", {{{"name", "Finance Agent"}, {"model", "openai:gpt-4o-mini"}, {"instructions", "You track prices."},
                             {"tools", {"api_call"}}}}}};
  auto created = post("/api/v1/agents", {{"name", "Team"}, {"framework", "agno"}, {"status", "active"}, {"definition", team}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto execution = run(created.json()["id"].get<std::string>(), {{"message", "How is AAPL doing?"}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto answer = execution["output_data"]["response"].get<std::string>();
  EXPECT_NE(answer.find("AAPL is 230"), std::string::npos) << answer;
  EXPECT_NE(answer.find("C++ is fast"), std::string::npos) << "what the member's own tool found: " << answer;
  EXPECT_EQ(facts_.requests().size(), 1u);
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 4u) << "leader, member (calls its tool), member, leader";
  EXPECT_EQ(sent[1].body["messages"][1]["content"], "Price of AAPL?") << "the leader's words are the member's task";
  EXPECT_EQ(sent[1].body["tools"][0]["function"]["name"], "api_call") << "the member has its own tools";
}

TEST_P(AgentsCallingTools, AnAgnoTeamOfTeamsRunsEachLevelAsALoopThatCallsTheLevelBelow) {
  llm_.setReplier([url = facts_.url("/facts")](const FakeLlmServer::Received& request) -> std::optional<FakeLlmServer::Reply> {
    const auto& messages = request.body["messages"];
    auto system = messages[0]["content"].get<std::string>();
    bool answered = messages.back().value("role", "") == "tool";
    auto result = answered ? messages.back()["content"].get<std::string>() : "";
    FakeLlmServer::Reply reply;
    if (system.find("You answer in German.") != std::string::npos) { // the member, two levels down
      if (!answered) reply.toolCalls = {{"call_f", "api_call", {{"url", url}, {"method", "GET"}}}};
      else reply.text = "Hallo! " + result;
    } else if (system.find("the one member best suited") != std::string::npos) { // the sub-team's leader
      if (!answered) reply.toolCalls = {{"call_g", "german_agent", {{"prompt", "Sag hallo"}}}};
      else reply.text = "Germanic team: " + result;
    } else { // the top leader, running tasks
      if (!answered) reply.toolCalls = {{"call_t", "germanic_team", {{"prompt", "Greet in German"}}}};
      else reply.text = "Tasks done: " + result;
    }
    return reply;
  });
  json team = {{"name", "Language Team"}, {"mode", "tasks"}, {"model", "openai:gpt-4o-mini"},
               {"members", {{{"name", "Germanic Team"}, {"role", "German and Dutch"}, {"mode", "route"}, {"model", "openai:gpt-4o-mini"},
                             {"members", {{{"name", "German Agent"}, {"instructions", "You answer in German."},
                                           {"model", "openai:gpt-4o-mini"}, {"tools", {"api_call"}}}}}}}}};
  auto created = post("/api/v1/agents", {{"name", "Teams"}, {"framework", "agno"}, {"status", "active"}, {"definition", team}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto execution = run(created.json()["id"].get<std::string>(), {{"message", "Greet the Germans"}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto answer = execution["output_data"]["response"].get<std::string>();
  EXPECT_NE(answer.find("Tasks done:"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Germanic team:"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Hallo!"), std::string::npos) << answer;
  EXPECT_NE(answer.find("C++ is fast"), std::string::npos) << "what the member's own tool found: " << answer;
  EXPECT_EQ(facts_.requests().size(), 1u);
  ASSERT_EQ(llm_.received().size(), 6u) << "leader, sub-leader, member twice, sub-leader, leader";
  EXPECT_EQ(llm_.received()[2].body["messages"][1]["content"], "Sag hallo") << "each level words the task of the one below";
}

TEST_P(AgentsCallingTools, AnAgentCallsAnotherAgentAsAToolAndThatAgentUsesItsOwnTools) {
  llm_.setReplier([url = facts_.url("/facts")](const FakeLlmServer::Received& request) -> std::optional<FakeLlmServer::Reply> {
    const auto& messages = request.body["messages"];
    bool researcher = messages[0]["content"].get<std::string>().find("You research.") != std::string::npos;
    bool answered = messages.back().value("role", "") == "tool";
    FakeLlmServer::Reply reply;
    if (researcher && !answered) reply.toolCalls = {{"call_facts", "api_call", {{"url", url}, {"method", "GET"}}}};
    else if (researcher) reply.text = "Findings: " + messages.back()["content"].get<std::string>();
    else if (!answered) reply.toolCalls = {{"call_r", "researcher", {{"message", "Find facts about C++"}}}};
    else reply.text = "Lead answer: " + messages.back()["content"].get<std::string>();
    return reply;
  });
  json researcher = {{"name", "Researcher"}, {"model", "openai:gpt-4o-mini"}, {"instructions", "You research."}, {"tools", {"api_call"}}};
  auto helper = post("/api/v1/agents", {{"name", "Researcher"}, {"framework", "agno"}, {"status", "active"}, {"definition", researcher}}, alice_);
  ASSERT_EQ(helper.status, 201) << helper.body;
  auto helperId = helper.json()["id"].get<std::string>();
  auto lead = [&](const std::string& agentId) {
    return json{{"nodes",
                 {{{"id", "start"}, {"type", "start"}},
                  {{"id", "lead"}, {"type", "tool_loop"},
                   {"data", {{"model", "gpt-4o-mini"}, {"instructions", "You lead."}, {"prompt", "{{input.message}}"},
                             {"tools", {{{"type", "agent"}, {"name", "researcher"}, {"description", "Finds facts"},
                                         {"config", {{"agent_id", agentId}}}}}}}}}}},
                {"edges", {{{"source", "start"}, {"target", "lead"}}}}};
  };
  auto created = post("/api/v1/agents", {{"name", "Lead"}, {"framework", "native"}, {"status", "active"}, {"definition", lead(helperId)}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto execution = run(created.json()["id"].get<std::string>(), {{"message", "What about C++?"}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto answer = execution["output_data"]["response"].get<std::string>();
  EXPECT_NE(answer.find("Lead answer:"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Findings:"), std::string::npos) << answer;
  EXPECT_NE(answer.find("C++ is fast"), std::string::npos) << answer;
  EXPECT_EQ(facts_.requests().size(), 1u) << "the researcher called its own tool";
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 4u) << "lead, researcher twice, lead";
  EXPECT_EQ(sent[1].body["messages"][1]["content"], "Find facts about C++") << "the lead's words are the researcher's message";
  EXPECT_EQ(sent[0].body["tools"][0]["function"]["name"], "researcher");
  EXPECT_FALSE(sent[0].body["tools"][0]["function"]["parameters"]["properties"].contains("agent_id")) << "fixed by the author";

  // The researcher's run is its own execution, started by the lead's, and counts for it.
  json helped;
  EXPECT_TRUE(orch::test::eventually([&] {
    helped = get("/api/v1/agents/" + helperId, alice_).json();
    return helped.value("total_executions", 0) == 1;
  })) << helped.dump();
  auto runs = get("/api/v1/executions?agent_id=" + helperId, alice_).json()["executions"];
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["parent_execution_id"], execution["id"]);

  // Bob's lead cannot call Alice's researcher: the model reads that it is not found, and answers.
  auto bobs = post("/api/v1/agents", {{"name", "Lead"}, {"framework", "native"}, {"status", "active"}, {"definition", lead(helperId)}}, bob_);
  ASSERT_EQ(bobs.status, 201) << bobs.body;
  auto started = post("/api/execute", {{"agent_ids", {bobs.json()["id"]}}, {"input", {{"message", "Hi"}}}}, bob_);
  ASSERT_EQ(started.status, 200) << started.body;
  json refused;
  EXPECT_TRUE(orch::test::eventually([&] {
    auto list = get("/api/v1/executions?agent_id=" + bobs.json()["id"].get<std::string>(), bob_).json();
    for (const auto& item : list["executions"])
      if (item["status"] == "completed") refused = item;
    return refused.is_object();
  }, std::chrono::seconds(30)));
  EXPECT_NE(refused["output_data"]["response"].get<std::string>().find("Agent not found"), std::string::npos) << refused.dump();
  EXPECT_EQ(get("/api/v1/agents/" + helperId, alice_).json()["total_executions"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, AgentsCallingTools, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "SQLite" : "PostgreSQL"; });

} // namespace
