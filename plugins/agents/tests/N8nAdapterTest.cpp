// The n8n adapter on n8n's own exports (its test fixtures and two templates
// of a public collection, tests/samples) and on a workflow of the common
// node types: what it refuses, naming the node, what it compiles to, and the
// round trip.
#include "N8nWorkflow.h"
#include "frameworks/N8nAdapter.h"

#include "AdapterRefusal.h"

#include <gtest/gtest.h>


namespace {

using agents_test::n8nSupportWorkflow;
using agents_test::n8nSwitchWorkflow;
using agents_test::n8nOnErrorWorkflow;
using agents_test::sample;
using orch::json;

std::pair<std::string, std::string> refusal(const json& definition) {
  return agents_test::refusal(agents::frameworks::n8nAdapter(), definition);
}

TEST(N8nAdapter, NodesThatNeedCodeOrToolsThatCannotRunAreRefusedByNameNeverSkipped) {
  auto [field, issue] = refusal(sample("n8n-fixture-Workflow_if.json"));
  EXPECT_EQ(field, "nodes[3].type");
  EXPECT_NE(issue.find("Node 'Code' (n8n-nodes-base.code) runs code"), std::string::npos) << issue;

  // The LINE assistant's agent reads the time through $now, an expression of code.
  std::tie(field, issue) = refusal(sample("line-assistant-agent-tools.json"));
  EXPECT_EQ(field, "nodes[0].parameters.options.systemMessage") << issue;
  auto line = sample("line-assistant-agent-tools.json");
  line["nodes"][0]["parameters"]["options"]["systemMessage"] = "You are a helpful assistant.";
  std::tie(field, issue) = refusal(line);
  EXPECT_EQ(field.rfind("nodes[", 0), 0u) << field;
  EXPECT_NE(issue.find("is a tool of 'AI Agent' that cannot run here"), std::string::npos) << issue;
}

TEST(N8nAdapter, AnAiAgentWithItsSubNodesBecomesAToolLoopAndExportsBackWithThem) {
  // n8n's own fixture: a chat trigger, the agent, its test chat model.
  auto compiled = agents::frameworks::n8nAdapter().compile(sample("n8n-fixture-Workflow_ai_agent.json"));
  ASSERT_EQ(compiled["nodes"].size(), 2u) << compiled.dump() << " (the chat model lives in the agent)";
  const auto& agent = compiled["nodes"][1];
  EXPECT_EQ(agent["type"], "tool_loop");
  EXPECT_EQ(agent["data"]["prompt"], "{{input.chatInput}}");
  EXPECT_EQ(agent["data"]["max_iterations"], 10);

  // The Instagram bot: a model, a memory, a system prompt from an earlier node.
  auto instagram = agents::frameworks::n8nAdapter().compile(sample("instagram-dm-ai-agent.json"));
  json loop;
  for (const auto& step : instagram["nodes"])
    if (step["type"] == "tool_loop") loop = step;
  ASSERT_FALSE(loop.is_null()) << instagram.dump();
  EXPECT_EQ(loop["data"]["provider"], "openai");
  EXPECT_EQ(loop["data"]["instructions"], "{{steps.set_your_system_promt_for_ai.output.prompt}}");

  // An HTTP Request tool becomes api_call with what the author fixed.
  auto withTool = sample("n8n-fixture-Workflow_ai_agent.json");
  withTool["nodes"].push_back({{"name", "Weather"}, {"type", "@n8n/n8n-nodes-langchain.toolHttpRequest"}, {"typeVersion", 1.1},
                               {"parameters", {{"url", "https://weather.example/today"}, {"method", "GET"},
                                               {"toolDescription", "Today's weather"}}}});
  withTool["connections"]["Weather"] = {{"ai_tool", {{{{"node", "AI Agent"}, {"type", "ai_tool"}, {"index", 0}}}}}};
  auto adapter = agents::frameworks::n8nAdapter();
  auto graph = adapter.compile(withTool);
  const auto& tools = graph["nodes"][1]["data"]["tools"];
  ASSERT_EQ(tools.size(), 1u) << graph.dump();
  EXPECT_EQ(tools[0], json({{"type", "api_call"}, {"name", "weather"}, {"description", "Today's weather"},
                            {"config", {{"method", "GET"}, {"url", "https://weather.example/today"}}}}));
  // Export gives n8n its sub-nodes and their ai_* connections back; importing that again is the same graph.
  auto exported = adapter.exportGraph(graph);
  EXPECT_EQ(exported["connections"]["Weather"]["ai_tool"][0][0]["node"], "AI Agent") << exported.dump();
  EXPECT_EQ(exported["connections"]["E2E Chat Model"]["ai_languageModel"][0][0]["node"], "AI Agent");
  EXPECT_EQ(adapter.compile(exported), graph) << exported.dump();

  // An agent without a model is named.
  auto modelless = sample("n8n-fixture-Workflow_ai_agent.json");
  modelless["connections"].erase("E2E Chat Model");
  EXPECT_NE(refusal(modelless).second.find("needs a chat model"), std::string::npos) << refusal(modelless).second;
}

TEST(N8nAdapter, TheCommonNodeTypesCompileToStepsAndExpressionsToPlaceholders) {
  auto graph = agents::frameworks::n8nAdapter().compile(n8nSupportWorkflow("http://127.0.0.1:1/reply"));
  std::map<std::string, json> steps;
  for (const auto& step : graph["nodes"]) steps[step["id"]] = step;
  ASSERT_EQ(steps.size(), 5u) << graph.dump() << " (the sticky note is left out)";
  EXPECT_EQ(steps["when_clicking_test_workflow"]["type"], "start");
  EXPECT_EQ(steps["edit_fields"]["type"], "transform");
  EXPECT_EQ(steps["edit_fields"]["data"]["mapping"]["customer"], "{{input.customer.name}}");
  EXPECT_EQ(steps["edit_fields"]["data"]["mapping"]["greeting"], "Hello {{input.customer.name}}!");
  EXPECT_EQ(steps["is_vip"]["type"], "condition");
  EXPECT_EQ(steps["is_vip"]["data"]["expression"], "(steps.edit_fields.output.tier == 'vip')");
  EXPECT_EQ(steps["tell_the_crm"]["type"], "api_call");
  EXPECT_EQ(steps["tell_the_crm"]["data"]["method"], "POST");
  EXPECT_EQ(steps["tell_the_crm"]["data"]["body"]["text"], "{{steps.edit_fields.output.greeting}}");
  EXPECT_EQ(steps["wait_a_moment"]["data"]["seconds"], 120.0);
  EXPECT_EQ(steps["tell_the_crm"]["data"]["x-source"]["retryOnFail"], true) << "kept as n8n wrote it";
  EXPECT_EQ(steps["tell_the_crm"]["data"]["retry_count"], 1) << "retryOnFail with maxTries 2: one retry";
  EXPECT_EQ(steps["tell_the_crm"]["data"]["retry_delay"], 1.0) << "n8n's default wait between tries";
  int conditional = 0;
  for (const auto& edge : graph["edges"])
    if (edge.contains("condition")) {
      ++conditional;
      EXPECT_EQ(edge["source"], "is_vip");
      EXPECT_EQ(edge["condition"]["branch"], edge["target"] == "tell_the_crm" ? "true" : "false");
    }
  EXPECT_EQ(conditional, 2);
}

TEST(N8nAdapter, ASwitchsRulesBecomeItsEdgesConditionsFirstMatchThenTheFallback) {
  auto graph = agents::frameworks::n8nAdapter().compile(n8nSwitchWorkflow());
  std::map<std::string, json> conditions;
  for (const auto& edge : graph["edges"])
    if (edge["source"] == "route") conditions[edge["target"]] = edge["condition"];
  ASSERT_EQ(conditions.size(), 3u) << graph.dump();
  EXPECT_EQ(conditions["fast_lane"]["expression"], "(input.tier == 'vip')");
  EXPECT_EQ(conditions["gold_lane"]["expression"], "((input.tier == 'gold')) && !((input.tier == 'vip'))");
  EXPECT_EQ(conditions["normal_lane"]["expression"], "!((input.tier == 'vip')) && !((input.tier == 'gold'))");
  EXPECT_EQ(conditions["normal_lane"]["output"], 2);
  auto every = agents::frameworks::n8nAdapter().compile(n8nSwitchWorkflow(true));
  for (const auto& edge : every["edges"])
    if (edge["target"] == "gold_lane") {
      EXPECT_EQ(edge["condition"]["expression"], "(input.tier == 'gold')");
    }
  // Export puts each target back on its output.
  auto adapter = agents::frameworks::n8nAdapter();
  auto exported = adapter.exportGraph(graph);
  EXPECT_EQ(exported["connections"]["Route"]["main"][2][0]["node"], "Normal lane") << exported.dump();
  EXPECT_EQ(adapter.compile(exported), graph);
  // An expression-mode Switch runs code.
  auto coded = n8nSwitchWorkflow();
  coded["nodes"][1]["parameters"]["mode"] = "expression";
  EXPECT_EQ(refusal(coded).first, "nodes[1].parameters.mode");
}

TEST(N8nAdapter, OnErrorGoesOnWithTheFailureDownTheRegularOutputOrAnErrorOutputOfItsOwn) {
  auto adapter = agents::frameworks::n8nAdapter();
  auto split = adapter.compile(n8nOnErrorWorkflow("http://127.0.0.1:1/", "continueErrorOutput"));
  std::map<std::string, json> conditions;
  for (const auto& node : split["nodes"])
    if (node["id"] == "fetch") {
      EXPECT_EQ(node["data"]["on_error"], "continue") << node.dump();
    }
  for (const auto& edge : split["edges"])
    if (edge["source"] == "fetch") conditions[edge["target"]] = edge["condition"];
  EXPECT_EQ(conditions["use_it"], json({{"on", "success"}, {"output", 0}})) << split.dump();
  EXPECT_EQ(conditions["handle_it"], json({{"on", "error"}, {"output", 1}})) << split.dump();
  auto exported = adapter.exportGraph(split);
  EXPECT_EQ(exported["connections"]["Fetch"]["main"][1][0]["node"], "Handle it") << exported.dump();
  EXPECT_EQ(adapter.compile(exported), split);

  auto regular = adapter.compile(n8nOnErrorWorkflow("http://127.0.0.1:1/", "continueRegularOutput"));
  for (const auto& edge : regular["edges"]) EXPECT_FALSE(edge.contains("condition")) << edge.dump();
  auto legacy = n8nOnErrorWorkflow("http://127.0.0.1:1/", "stopWorkflow");
  legacy["nodes"][1].erase("onError");
  legacy["nodes"][1]["continueOnFail"] = true; // n8n before 1.0
  for (const auto& node : adapter.compile(legacy)["nodes"])
    if (node["id"] == "fetch") {
      EXPECT_EQ(node["data"]["on_error"], "continue");
    }
  for (const auto& node : adapter.compile(n8nOnErrorWorkflow("http://127.0.0.1:1/", "stopWorkflow"))["nodes"])
    EXPECT_FALSE(node["data"].contains("on_error")) << node.dump();
  EXPECT_EQ(refusal(n8nOnErrorWorkflow("http://127.0.0.1:1/", "ignore")).first, "nodes[1].onError");
}

TEST(N8nAdapter, ANodesCredentialsReferenceBecomesTheCredentialOfThatNameItLogsInWith) {
  auto workflow = n8nOnErrorWorkflow("https://crm.example.com/api", "stopWorkflow");
  auto& fetch = workflow["nodes"][1];
  fetch["parameters"]["authentication"] = "genericCredentialType";
  fetch["parameters"]["genericAuthType"] = "httpHeaderAuth";
  fetch["credentials"] = {{"httpHeaderAuth", {{"id", "7"}, {"name", "CRM key"}}}};
  auto adapter = agents::frameworks::n8nAdapter();
  auto graph = adapter.compile(workflow);
  for (const auto& node : graph["nodes"])
    if (node["id"] == "fetch") {
      EXPECT_EQ(node["data"]["credential_name"], "CRM key") << node.dump();
    }
  EXPECT_EQ(adapter.exportGraph(graph)["nodes"][1]["credentials"], fetch["credentials"]) << "given back as n8n wrote it";
  fetch["parameters"]["authentication"] = "none"; // a reference n8n itself would not use
  for (const auto& node : adapter.compile(workflow)["nodes"])
    EXPECT_FALSE(node["data"].contains("credential_name")) << node.dump();
}

TEST(N8nAdapter, ImportThenExportThenImportGivesTheSameGraph) {
  auto adapter = agents::frameworks::n8nAdapter();
  auto first = adapter.compile(n8nSupportWorkflow("http://127.0.0.1:1/reply"));
  auto exported = adapter.exportGraph(first);
  EXPECT_EQ(refusal(exported).first, "") << exported.dump();
  EXPECT_EQ(adapter.compile(exported), first) << exported.dump();
  EXPECT_EQ(exported["connections"]["Is VIP"]["main"].size(), 2u) << "the IF's true and false outputs";
}

TEST(N8nAdapter, BadWorkflowsNameTheirField) {
  EXPECT_EQ(refusal({{"connections", json::object()}}).first, "nodes");
  auto workflow = n8nSupportWorkflow("http://x/y");
  workflow["connections"]["Nobody"] = {{"main", json::array()}};
  EXPECT_EQ(refusal(workflow).first, "connections.Nobody");
  workflow = n8nSupportWorkflow("http://x/y");
  workflow["nodes"][1]["parameters"]["assignments"]["assignments"][0]["value"] = "={{ $json.items.map(i => i.id) }}";
  auto [field, issue] = refusal(workflow);
  EXPECT_EQ(field, "nodes[1].parameters.assignments.customer");
  EXPECT_NE(issue.find("needs code to evaluate"), std::string::npos) << issue;
  workflow = n8nSupportWorkflow("http://x/y");
  workflow["nodes"][4]["parameters"]["unit"] = "fortnights";
  EXPECT_EQ(refusal(workflow).first, "nodes[4].parameters.unit");
  workflow = n8nSupportWorkflow("http://x/y");
  workflow["nodes"][1]["type"] = "n8n-nodes-base.telepathy";
  EXPECT_EQ(refusal(workflow).first, "nodes[1].type");
  workflow = n8nSupportWorkflow("http://x/y");
  workflow["nodes"][2]["name"] = "Edit Fields";
  EXPECT_EQ(refusal(workflow).first, "nodes[2].name") << "two nodes of one name";
}

} // namespace
