// The langgraph adapter on LangGraph's own serialization (a snapshot from
// LangGraph's test suite, tests/samples) and on graphs declared the same way:
// what it refuses and why, what it compiles to, and the round trip.
#include "LangGraphRouter.h"
#include "frameworks/LangGraphAdapter.h"

#include "AdapterRefusal.h"

#include <gtest/gtest.h>


namespace {

using agents_test::langGraphRouter;
using agents_test::sample;
using orch::json;

std::pair<std::string, std::string> refusal(const json& definition) {
  return agents_test::refusal(agents::frameworks::langGraphAdapter(), definition);
}

TEST(LangGraphAdapter, LangGraphsOwnSerializationIsReadItsUnboundNodesNamedAndItsCycleBounded) {
  auto graph = sample("graph_to_json.conditional_state_graph.json");
  // As LangGraph writes it, no node says which step runs it.
  EXPECT_EQ(refusal(graph).first, "nodes[1]");
  EXPECT_NE(refusal(graph).second.find("bindings.agent"), std::string::npos) << refusal(graph).second;
  graph["bindings"] = {{"agent", {{"type", "ai_prompt"}, {"config", {{"prompt", "Answer: {{question}}"}}}}},
                       {"tools", {{"type", "api_call"}, {"config", {{"url", "https://example.com/search"}}}}}};
  // Bound, its tools -> agent edge loops back: a cycle, bounded by LangGraph's default limit.
  ASSERT_EQ(refusal(graph).first, "") << refusal(graph).second;
  auto adapter = agents::frameworks::langGraphAdapter();
  auto compiled = adapter.compile(graph);
  EXPECT_EQ(compiled["recursion_limit"], 25);
  bool loopsBack = false;
  for (const auto& edge : compiled["edges"]) loopsBack = loopsBack || (edge["source"] == "tools" && edge["target"] == "agent");
  EXPECT_TRUE(loopsBack) << compiled.dump();
  graph["recursion_limit"] = 7;
  graph["state"] = {{"messages", "append"}, {"answer", {{"reducer", "replace"}}}};
  compiled = adapter.compile(graph);
  EXPECT_EQ(compiled["recursion_limit"], 7);
  EXPECT_EQ(compiled["state"], json({{"messages", "append"}, {"answer", "replace"}}));
  EXPECT_EQ(adapter.compile(adapter.exportGraph(compiled)), compiled);
  graph["state"]["messages"] = "add";
  EXPECT_EQ(refusal(graph).first, "state.messages");
}

TEST(LangGraphAdapter, ALanggraphJsonProjectFileNamesItsPythonGraphAndIsKeptBesideTheGraphItBuilds) {
  // LangGraph's own project files: each graph is code, which never runs here.
  for (const auto& [file, first] : std::vector<std::pair<std::string, std::string>>{
           {"langgraph.react-agent.json", "graphs.agent"}, {"langgraph.cli-examples-graphs.json", "graphs.agent"},
           {"langgraph.js-example.json", "graphs.agent"}}) {
    auto [field, message] = refusal(sample(file));
    EXPECT_EQ(field, first) << file;
    EXPECT_NE(message.find("get_graph().to_json()"), std::string::npos) << message;
  }
  auto graph = sample("graph_to_json.conditional_state_graph.json");
  graph["bindings"] = {{"agent", {{"type", "ai_prompt"}, {"config", {{"prompt", "Answer: {{question}}"}}}}},
                       {"tools", {{"type", "api_call"}, {"config", {{"url", "https://example.com/search"}}}}}};
  graph["project"] = sample("langgraph.react-agent.json");
  ASSERT_EQ(refusal(graph).first, "") << refusal(graph).second << " (its one graph)";
  auto adapter = agents::frameworks::langGraphAdapter();
  auto compiled = adapter.compile(graph);
  auto exported = adapter.exportGraph(compiled);
  EXPECT_EQ(exported["project"], sample("langgraph.react-agent.json"));
  EXPECT_EQ(adapter.compile(exported), compiled);
  // With two graphs, `graph` says which this is.
  graph["project"] = sample("langgraph.cli-examples-graphs.json");
  EXPECT_EQ(refusal(graph).first, "graph");
  graph["graph"] = "storm";
  EXPECT_EQ(refusal(graph).first, "");
  EXPECT_EQ(adapter.exportGraph(adapter.compile(graph))["graph"], "storm");
  graph["project"]["graphs"]["storm"] = 42;
  EXPECT_EQ(refusal(graph).first, "project.graphs.storm");
}

TEST(LangGraphAdapter, ConditionalEdgesBecomeBranchesAndEndEdgesEndThePath) {
  ASSERT_EQ(refusal(langGraphRouter()).first, "");
  auto compiled = agents::frameworks::langGraphAdapter().compile(langGraphRouter());
  ASSERT_EQ(compiled["nodes"].size(), 3u) << compiled.dump();
  EXPECT_EQ(compiled["nodes"][0], json({{"id", "__start__"}, {"type", "start"}}));
  EXPECT_EQ(compiled["nodes"][1]["type"], "transform");
  EXPECT_EQ(compiled["nodes"][1]["data"]["mapping"]["branch"], "{{route}}");
  ASSERT_EQ(compiled["edges"].size(), 2u) << compiled.dump();
  EXPECT_EQ(compiled["edges"][1]["source"], "classify");
  EXPECT_EQ(compiled["edges"][1]["condition"], json({{"branch", "urgent"}}));
}

TEST(LangGraphAdapter, ImportThenExportThenImportGivesTheSameGraph) {
  auto adapter = agents::frameworks::langGraphAdapter();
  auto first = adapter.compile(langGraphRouter());
  auto exported = adapter.exportGraph(first);
  ASSERT_EQ(refusal(exported).first, "") << exported.dump();
  EXPECT_EQ(adapter.compile(exported), first) << exported.dump();
  // Exported in LangGraph's shape: __start__ and __end__ nodes, sinks lead to __end__.
  EXPECT_EQ(exported["nodes"].back(), json({{"id", "__end__"}}));
  EXPECT_EQ(exported["edges"].back(), json({{"source", "escalate"}, {"target", "__end__"}}));
  EXPECT_EQ(exported["bindings"]["escalate"]["type"], "transform");
}

TEST(LangGraphAdapter, BadDefinitionsNameTheirField) {
  EXPECT_EQ(refusal(json::array()).first, "");  // not an object: the whole definition
  EXPECT_FALSE(refusal(json::array()).second.empty());
  EXPECT_EQ(refusal({{"edges", json::array()}}).first, "nodes");
  EXPECT_EQ(refusal({{"nodes", {{{"id", "a"}}}}}).first, "edges");
  auto graph = langGraphRouter();
  graph["nodes"].erase(2);
  graph["bindings"].erase("escalate");
  EXPECT_EQ(refusal(graph).first, "edges[1].target") << "an edge to a node that is not there";
  graph = langGraphRouter();
  graph["edges"][1].erase("data");
  EXPECT_EQ(refusal(graph).first, "edges[1].data");
  graph = langGraphRouter();
  graph["bindings"]["classify"].erase("type");
  EXPECT_EQ(refusal(graph).first, "bindings.classify.type");
  graph = langGraphRouter();
  graph["recursion_limit"] = 0;
  EXPECT_EQ(refusal(graph).first, "recursion_limit");
  graph = langGraphRouter();
  graph["nodes"][2]["id"] = "classify";
  EXPECT_EQ(refusal(graph).first, "nodes[2].id");
  graph = langGraphRouter();
  graph["edges"].push_back({{"source", "__end__"}, {"target", "classify"}});
  EXPECT_EQ(refusal(graph).first, "edges[4].source");
  graph = langGraphRouter();
  graph["nodes"].erase(0);
  graph["edges"].erase(0);
  EXPECT_EQ(refusal(graph).first, "nodes") << "no __start__";
}

} // namespace
