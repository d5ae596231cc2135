// The agno adapter: an agent as Agent.to_dict() writes it, and teams in each mode.
#include "AdapterRefusal.h"
#include "frameworks/AgnoAdapter.h"

#include <gtest/gtest.h>

namespace {

using orch::json;

std::pair<std::string, std::string> refusal(const json& definition) {
  return agents_test::refusal(agents::frameworks::agnoAdapter(), definition);
}

json webAgent() {
  return {{"name", "Web Agent"},
          {"model", {{"id", "gpt-4o"}, {"provider", "OpenAI"}, {"name", "OpenAIChat"}}},
          {"description", "You search the web."},
          {"instructions", {"Always cite sources.", "Be brief."}},
          {"expected_output", "Three bullet points"},
          {"tools", {"api_call"}},
          {"tool_call_limit", 3}};
}

json financeAgent() {
  return {{"name", "Finance Agent"}, {"model", "anthropic:claude-sonnet-4-5"}, {"role", "Gets stock prices"},
          {"instructions", "Use tables."}};
}

std::map<std::string, json> stepsOf(const json& graph) {
  std::map<std::string, json> steps;
  for (const auto& step : graph["nodes"]) steps[step["id"]] = step;
  return steps;
}

TEST(AgnoAdapter, AnAgentIsOneToolLoopWithItsPersonaModelToolsAndLimit) {
  ASSERT_EQ(refusal(webAgent()).first, "") << refusal(webAgent()).second;
  auto steps = stepsOf(agents::frameworks::agnoAdapter().compile(webAgent()));
  ASSERT_EQ(steps.size(), 2u);
  const auto& agent = steps["agent"]["data"];
  EXPECT_EQ(steps["agent"]["type"], "tool_loop");
  EXPECT_EQ(agent["instructions"], "You search the web.\n\nAlways cite sources.\nBe brief.\n\nExpected output: Three bullet points");
  EXPECT_EQ(agent["prompt"], "{{input.message}}");
  EXPECT_EQ(agent["model"], "gpt-4o");
  EXPECT_EQ(agent["provider"], "openai");
  EXPECT_EQ(agent["tools"], json::array({"api_call"}));
  EXPECT_EQ(agent["max_iterations"], 4) << "three tool calls, then the answer";
}

TEST(AgnoAdapter, TeamsCoordinateRouteAndBroadcast) {
  json team = {{"name", "Research team"}, {"members", {webAgent(), financeAgent()}}, {"model", "openai:gpt-4o-mini"},
               {"instructions", "Work together."}};
  for (const char* mode : {"coordinate", "route"}) {
    team["mode"] = mode;
    auto steps = stepsOf(agents::frameworks::agnoAdapter().compile(team));
    ASSERT_EQ(steps.size(), 2u) << mode;
    const auto& leader = steps["leader"]["data"];
    ASSERT_EQ(leader["tools"].size(), 2u);
    EXPECT_EQ(leader["tools"][1]["name"], "finance_agent");
    EXPECT_EQ(leader["tools"][1]["config"]["provider"], "anthropic");
    EXPECT_EQ(leader["model"], "gpt-4o-mini");
    EXPECT_NE(leader["instructions"].get<std::string>().find(std::string(mode) == "route" ? "the one member best suited" : "delegate"),
              std::string::npos);
  }
  // Older Agno's collaborate is broadcast: every member runs, then the leader answers from all.
  team["mode"] = "collaborate";
  auto graph = agents::frameworks::agnoAdapter().compile(team);
  auto steps = stepsOf(graph);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps["web_agent"]["data"]["tools"], json::array({"api_call"}));
  EXPECT_NE(steps["leader"]["data"]["prompt"].get<std::string>().find("{{steps.finance_agent.output.response}}"), std::string::npos);
  EXPECT_EQ(graph["edges"].size(), 4u);
  // Agno 2's flags stand for the modes when there is none.
  team.erase("mode");
  team["respond_directly"] = true;
  EXPECT_EQ(stepsOf(agents::frameworks::agnoAdapter().compile(team))["leader"]["data"]["max_iterations"], 2);
}

TEST(AgnoAdapter, ATasksTeamAndATeamInsideATeamAreLoopsWhoseToolsAreTheLevelBelow) {
  json germanic = {{"name", "Germanic Team"}, {"role", "Handles German and Dutch"}, {"mode", "route"},
                   {"members", {{{"name", "German Agent"}, {"role", "Answers in German"}, {"tools", {"api_call"}}},
                                {{"name", "Dutch Agent"}, {"role", "Answers in Dutch"}}}}};
  json team = {{"name", "Language Team"}, {"mode", "tasks"}, {"max_iterations", 6}, {"members", {financeAgent(), germanic}}};
  auto adapter = agents::frameworks::agnoAdapter();
  auto graph = adapter.compile(team);
  auto steps = stepsOf(graph);
  ASSERT_EQ(steps.size(), 2u) << graph.dump();
  const auto& leader = steps["leader"]["data"];
  EXPECT_EQ(leader["max_iterations"], 6);
  EXPECT_NE(leader["instructions"].get<std::string>().find("break it into clear tasks"), std::string::npos) << leader.dump();
  ASSERT_EQ(leader["tools"].size(), 2u);
  const auto& sub = leader["tools"][1];
  EXPECT_EQ(sub["name"], "germanic_team");
  EXPECT_EQ(sub["type"], "tool_loop");
  EXPECT_FALSE(sub["config"].contains("prompt")) << "the leader words the sub-team's task";
  ASSERT_EQ(sub["config"]["tools"].size(), 2u) << sub.dump();
  EXPECT_EQ(sub["config"]["tools"][0]["name"], "german_agent");
  EXPECT_EQ(sub["config"]["tools"][0]["config"]["tools"], json::array({"api_call"})) << "a member keeps its tools";
  EXPECT_EQ(sub["config"]["max_iterations"], 2) << "the sub-team routes";
  EXPECT_EQ(adapter.exportGraph(graph), team);
  // A broadcast inside a team, and teams nested too deep, are refused by name.
  team["members"][1]["mode"] = "broadcast";
  EXPECT_EQ(refusal(team).first, "members[1].mode");
  team["members"][1]["mode"] = "coordinate";
  team["members"][1]["members"][1] = {{"name", "Deeper"}, {"members", {{{"name", "Deepest"}, {"members", {financeAgent()}}}}}};
  EXPECT_EQ(refusal(team).first, "members[1].members[1].members[0]");
  team["mode"] = "parallel";
  EXPECT_EQ(refusal(team).first, "mode");
}

TEST(AgnoAdapter, ImportThenExportThenImportGivesTheSameGraph) {
  auto adapter = agents::frameworks::agnoAdapter();
  json team = {{"members", {webAgent(), financeAgent()}}, {"mode", "broadcast"}};
  for (const auto& definition : {webAgent(), team}) {
    auto first = adapter.compile(definition);
    EXPECT_EQ(adapter.exportGraph(first), definition);
    EXPECT_EQ(adapter.compile(adapter.exportGraph(first)), first);
  }
}

TEST(AgnoAdapter, BadDefinitionsNameTheirField) {
  auto agent = webAgent();
  agent["tools"] = {"DuckDuckGoTools"};
  auto [field, issue] = refusal(agent);
  EXPECT_EQ(field, "tools[0]");
  EXPECT_NE(issue.find("'DuckDuckGoTools' is an Agno (Python) toolkit"), std::string::npos) << issue;
  agent = webAgent();
  agent["model"] = 42;
  EXPECT_EQ(refusal(agent).first, "model");
  agent = webAgent();
  agent["tool_call_limit"] = -1;
  EXPECT_EQ(refusal(agent).first, "tool_call_limit");
  agent = webAgent();
  agent["instructions"] = {"ok", 7};
  EXPECT_EQ(refusal(agent).first, "instructions[1]");
  EXPECT_EQ(refusal({{"members", json::array()}}).first, "members");
  EXPECT_EQ(refusal({{"members", {webAgent()}}, {"mode", "vote"}}).first, "mode");
  json badMember = {{"members", {webAgent(), {{"name", "x"}, {"tools", {"YFinanceTools"}}}}}};
  EXPECT_EQ(refusal(badMember).first, "members[1].tools[0]");
}

} // namespace
