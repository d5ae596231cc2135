// The crewai adapter on CrewAI's own examples (the classic agents.yaml and
// tasks.yaml) and on the JSON-first layout (crew.jsonc, agents/<name>.jsonc).
#include "AdapterRefusal.h"
#include "frameworks/CrewAiAdapter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using orch::json;

std::pair<std::string, std::string> refusal(const json& definition) {
  return agents_test::refusal(agents::frameworks::crewAiAdapter(), definition);
}

std::string text(const std::string& file) {
  std::ifstream in(std::string(ORCH_SAMPLES_DIR) + "/" + file);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

json marketingCrew() {
  return {{"agents_yaml", text("marketing_posts.agents.yaml")},
          {"tasks_yaml", text("marketing_posts.tasks.yaml")},
          {"llm", "openai/gpt-4o-mini"},
          // As its crew.py assigns them.
          {"task_agents",
           {{"research_task", "lead_market_analyst"}, {"project_understanding_task", "chief_marketing_strategist"},
            {"marketing_strategy_task", "chief_marketing_strategist"}, {"campaign_idea_task", "creative_content_creator"},
            {"copy_creation_task", "creative_content_creator"}}}};
}

/// A JSON-first crew as `crewai create --json` lays it out, comments and trailing commas included.
json jsonFirstCrew(const std::string& process = "sequential") {
  return {{"crew", R"({
  // Display name for this crew
  "name": "Research crew",
  "agents": ["researcher", "writer"],
  "tasks": [
    {"name": "research", "description": "Research {topic} in depth.", "expected_output": "Ten bullet points",
     "agent": "researcher"},
    {"name": "write", "description": "Write an article on {topic}.", "expected_output": "Markdown",
     "agent": "writer", "context": ["research"]},  /* the research feeds the article */
  ],
  "process": ")" + process + R"(",
  "manager_llm": "anthropic/claude-sonnet-4-5",
})"},
          {"agents",
           {{"researcher", R"({"role": "Researcher", "goal": "Find facts about {topic}", "backstory": "You dig.",
                               "llm": {"model": "gemini-2.5-flash", "provider": "gemini"}, "tools": ["api_call"]})"},
            {"writer", {{"role", "Writer"}, {"goal", "Write well"}, {"backstory", "You write."}, {"llm", "gpt-4o"}}}}}};
}

std::map<std::string, json> stepsOf(const json& graph) {
  std::map<std::string, json> steps;
  for (const auto& step : graph["nodes"]) steps[step["id"]] = step;
  return steps;
}

TEST(CrewAiAdapter, AClassicCrewRunsItsTasksInTheYamlsOrderEachByItsAgent) {
  auto unassigned = marketingCrew();
  unassigned.erase("task_agents");
  EXPECT_EQ(refusal(unassigned).first, "tasks_yaml.research_task.agent");
  ASSERT_EQ(refusal(marketingCrew()).first, "") << refusal(marketingCrew()).second;
  auto graph = agents::frameworks::crewAiAdapter().compile(marketingCrew());
  ASSERT_EQ(graph["nodes"].size(), 6u) << graph.dump();
  // tasks.yaml's order, not the alphabet's.
  std::vector<std::string> order;
  for (const auto& edge : graph["edges"]) order.push_back(edge["target"]);
  EXPECT_EQ(order, (std::vector<std::string>{"research_task", "project_understanding_task", "marketing_strategy_task",
                                             "campaign_idea_task", "copy_creation_task"}));
  auto steps = stepsOf(graph);
  const auto& research = steps["research_task"]["data"];
  EXPECT_EQ(steps["research_task"]["type"], "tool_loop");
  EXPECT_NE(research["prompt"].get<std::string>().find("in the context of {{input.customer_domain}}."), std::string::npos)
      << research["prompt"];
  EXPECT_NE(research["prompt"].get<std::string>().find("Expected output: A complete report"), std::string::npos);
  EXPECT_EQ(research["instructions"].get<std::string>().rfind("You are Lead Market Analyst. As the Lead Market Analyst", 0), 0u)
      << research["instructions"];
  // The crew's default llm, since the YAML names none.
  EXPECT_EQ(research["model"], "gpt-4o-mini");
  EXPECT_EQ(research["provider"], "openai");
  // Sequential: each task sees the one before.
  EXPECT_NE(steps["project_understanding_task"]["data"]["prompt"].get<std::string>().find("{{steps.research_task.output.response}}"),
            std::string::npos);

  auto book = json{{"agents_yaml", text("write_book_chapter_crew.agents.yaml")}, {"tasks_yaml", text("write_book_chapter_crew.tasks.yaml")}};
  ASSERT_EQ(refusal(book).first, "") << refusal(book).second;
  EXPECT_EQ(agents::frameworks::crewAiAdapter().compile(book)["nodes"].size(), 3u);
}

TEST(CrewAiAdapter, AJsonFirstCrewReadsItsCommentedFilesAndItsContext) {
  ASSERT_EQ(refusal(jsonFirstCrew()).first, "") << refusal(jsonFirstCrew()).second;
  auto steps = stepsOf(agents::frameworks::crewAiAdapter().compile(jsonFirstCrew()));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps["research"]["data"]["provider"], "google");
  EXPECT_EQ(steps["research"]["data"]["model"], "gemini-2.5-flash");
  EXPECT_EQ(steps["research"]["data"]["tools"], json::array({"api_call"}));
  EXPECT_EQ(steps["write"]["data"]["model"], "gpt-4o");
  EXPECT_FALSE(steps["write"]["data"].contains("provider"));
  EXPECT_NE(steps["write"]["data"]["prompt"].get<std::string>().find("{{steps.research.output.response}}"), std::string::npos);
  EXPECT_NE(steps["write"]["data"]["prompt"].get<std::string>().find("Write an article on {{input.topic}}."), std::string::npos);
}

TEST(CrewAiAdapter, AHierarchicalCrewIsAManagerWhoseToolsAreTheAgents) {
  auto steps = stepsOf(agents::frameworks::crewAiAdapter().compile(jsonFirstCrew("hierarchical")));
  ASSERT_EQ(steps.size(), 2u);
  const auto& manager = steps["manager"]["data"];
  EXPECT_EQ(manager["model"], "claude-sonnet-4-5");
  EXPECT_EQ(manager["provider"], "anthropic");
  ASSERT_EQ(manager["tools"].size(), 2u);
  EXPECT_EQ(manager["tools"][0]["type"], "tool_loop");
  EXPECT_EQ(manager["tools"][0]["name"], "researcher");
  EXPECT_NE(manager["tools"][0]["config"]["instructions"].get<std::string>().find("You are Researcher."), std::string::npos);
  EXPECT_NE(manager["prompt"].get<std::string>().find("1. Research {{input.topic}} in depth."), std::string::npos);
  EXPECT_NE(manager["prompt"].get<std::string>().find("2. Write an article"), std::string::npos);
}

TEST(CrewAiAdapter, ImportThenExportThenImportGivesTheSameGraph) {
  auto adapter = agents::frameworks::crewAiAdapter();
  for (const auto& crew : {marketingCrew(), jsonFirstCrew(), jsonFirstCrew("hierarchical")}) {
    auto first = adapter.compile(crew);
    auto exported = adapter.exportGraph(first);
    ASSERT_TRUE(exported.contains("crew")) << exported.dump();
    EXPECT_EQ(adapter.compile(exported), first) << exported.dump();
  }
}

TEST(CrewAiAdapter, BadCrewsNameTheirField) {
  EXPECT_EQ(refusal(json::array()).first, "");
  auto crew = marketingCrew();
  crew.erase("tasks_yaml");
  crew["tasks"] = {{"research", {{"description", "x"}, {"expected_output", "y"}, {"agent", "lead_market_analyst"}}}};
  EXPECT_EQ(refusal(crew), std::make_pair(std::string("tasks_yaml"),
                                          std::string("Send tasks.yaml as text, or tasks as an array: an object loses their order")));
  crew = marketingCrew();
  crew["tasks_yaml"] = "research:\n  description: x\n  expected_output: y\n  agent: nobody\n";
  EXPECT_EQ(refusal(crew).first, "tasks_yaml.research.agent");
  crew["tasks_yaml"] = "research:\n  description: x\n  agent: lead_market_analyst\n";
  EXPECT_EQ(refusal(crew).first, "tasks_yaml.research.expected_output");
  crew["tasks_yaml"] = "a: [unclosed";
  EXPECT_EQ(refusal(crew).first, "tasks_yaml");
  crew = marketingCrew();
  crew["agents_yaml"] = "analyst:\n  role: R\n  goal: G\n  backstory: B\n  tools: [SerperDevTool]\n";
  auto [field, issue] = refusal(crew);
  EXPECT_EQ(field, "agents_yaml.analyst.tools[0]");
  EXPECT_NE(issue.find("'SerperDevTool' is a CrewAI (Python) tool"), std::string::npos) << issue;

  auto first = jsonFirstCrew();
  first["crew"] = "{\"tasks\": [}";
  EXPECT_EQ(refusal(first).first, "crew");
  first = jsonFirstCrew();
  json parsed = {{"agents", {"researcher", "writer"}},
                 {"tasks", {{{"name", "research"}, {"description", "d"}, {"expected_output", "o"}, {"agent", "researcher"}},
                            {{"name", "write"}, {"description", "d"}, {"expected_output", "o"}, {"agent", "writer"}}}}};
  parsed["tasks"][0]["context"] = {"write"};
  first["crew"] = parsed;
  EXPECT_EQ(refusal(first).first, "crew.tasks[0].context");
  parsed["tasks"][0].erase("context");
  parsed["process"] = "consensual";
  first["crew"] = parsed;
  EXPECT_EQ(refusal(first).first, "crew.process");
}

} // namespace
