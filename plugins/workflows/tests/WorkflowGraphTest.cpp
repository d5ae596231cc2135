// WorkflowGraph: the seeds' three request shapes, the exact fields of their
// errors, cycles in very large graphs, and the two response renderings.
#include "SeedWorkflows.h"
#include "WorkflowGraph.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>

using orch::HttpError;
using orch::json;
using workflows::WorkflowGraph;

namespace {

const json kSeed000Create = workflows_seeds::seed000Create();
const json kSeed000Onboarding = workflows_seeds::seed000Onboarding();
const json kSeed001Create = workflows_seeds::seed001FollowUp();

// Seed 001, GET /api/templates/{id}: a node without a position.
const json kSeed001Template = json::parse(R"({
  "name": "Lead Qualification Template",
  "definition": {"nodes": [{"id": "start", "type": "start", "data": {"label": "Start: {{customer_name}}"}}], "edges": []}
})");

// Seed 002, POST /workflows.
const json kSeed002Create = json::parse(R"({
  "name": "New Automation",
  "description": "Optional description",
  "definition": {"nodes": [], "edges": []}
})");

// Seed 004 elides its nodes ("[...]"); these follow seed 001's node shape.
const json kSeed004Create = json::parse(R"({
  "name": "Main Workflow",
  "description": "Primary customer support workflow",
  "workflow_data": {
    "nodes": [
      {"id": "classify", "type": "ai_prompt", "data": {"label": "Classify", "prompt": "Classify: {{message}}"}},
      {"id": "reply", "type": "email", "data": {"label": "Reply", "to": "{{email}}"}}
    ],
    "edges": [{"id": "e1", "source": "classify", "target": "reply"}],
    "settings": {"timeout": 300}
  },
  "workflow_type": "visual",
  "framework": "langgraph"
})");

/// The details of the 422 `action` throws; fails the test when it throws none.
json validationDetails(const std::function<void()>& action) {
  try {
    action();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.code(), "VALIDATION_ERROR");
    return e.details();
  }
  ADD_FAILURE() << "no validation error";
  return json::object();
}

json parseError(const json& body) {
  return validationDetails([&] { WorkflowGraph::fromRequest(body); });
}

json structureError(const json& body) {
  auto graph = WorkflowGraph::fromRequest(body);
  return validationDetails([&] { graph.validateStructure(); });
}

void expectError(const json& details, const std::string& field, const std::string& issue) {
  EXPECT_EQ(details.value("field", ""), field) << details.dump();
  EXPECT_EQ(details.value("issue", ""), issue) << details.dump();
}

json stepsBody(const json& steps) { return {{"name", "w"}, {"steps", steps}}; }
json definitionBody(const json& nodes, const json& edges) {
  return {{"name", "w"}, {"definition", {{"nodes", nodes}, {"edges", edges}}}};
}

/// n steps "n0" -> "n1" -> ... in the steps shape; `closed` adds n(last) -> n0.
json chain(std::size_t n, bool closed) {
  json steps = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    json step = {{"id", "n" + std::to_string(i)}, {"type", "transform"}};
    if (i > 0) step["dependencies"] = {"n" + std::to_string(i - 1)};
    steps.push_back(std::move(step));
  }
  if (closed) steps[0]["dependencies"] = {"n" + std::to_string(n - 1)};
  return stepsBody(steps);
}

} // namespace

TEST(WorkflowGraph, Seed000StepsWithoutIdsGetStepNAndTheirDependenciesResolve) {
  auto graph = WorkflowGraph::fromRequest(kSeed000Create);
  graph.validateStructure();
  ASSERT_EQ(graph.nodes().size(), 2u);
  EXPECT_EQ(graph.nodes()[0].id, "step-1");
  EXPECT_EQ(graph.nodes()[1].id, "step-2");
  EXPECT_EQ(graph.nodes()[0].config["model"], "gpt-4");
  EXPECT_EQ(graph.nodes()[1].position, json({{"x", 300}, {"y", 100}}));
  ASSERT_EQ(graph.edges().size(), 1u);
  EXPECT_EQ(graph.edges()[0].source, "step-1");
  EXPECT_EQ(graph.edges()[0].target, "step-2");
  EXPECT_EQ(graph.edges()[0].path, "steps[1].dependencies[0]");
}

TEST(WorkflowGraph, Seed000ExplicitIdsChain) {
  auto graph = WorkflowGraph::fromRequest(kSeed000Onboarding);
  graph.validateStructure();
  ASSERT_EQ(graph.nodes().size(), 3u);
  EXPECT_EQ(graph.nodes()[2].id, "ai-personalization");
  EXPECT_EQ(graph.toSteps()[2]["dependencies"], json({"setup-account"}));
  EXPECT_EQ(graph.nodes()[1].config["headers"]["Authorization"], "Bearer crm-token");
}

TEST(WorkflowGraph, Seed001NodesKeepLabelAsNameAndTheRestOfDataAsConfig) {
  auto graph = WorkflowGraph::fromRequest(kSeed001Create);
  graph.validateStructure();
  ASSERT_EQ(graph.nodes().size(), 2u);
  const auto& email = graph.nodes()[1];
  EXPECT_EQ(email.name, "Send Follow-up Email");
  EXPECT_EQ(email.config, json({{"to", "{{customer_email}}"}, {"template", "follow_up_template"}}));
  EXPECT_EQ(email.path, "definition.nodes[1]");
  ASSERT_EQ(graph.edges().size(), 1u);
  EXPECT_EQ(graph.edges()[0].id, "e1");
  EXPECT_EQ(graph.toSteps()[1]["dependencies"], json({"start"}));
}

TEST(WorkflowGraph, Seed001TemplateNodeWithoutPositionAndSeed002EmptyGraph) {
  auto template_ = WorkflowGraph::fromRequest(kSeed001Template);
  template_.validateStructure();
  EXPECT_TRUE(template_.nodes()[0].position.is_null());
  EXPECT_EQ(template_.nodes()[0].config, json::object());

  auto empty = WorkflowGraph::fromRequest(kSeed002Create);
  empty.validateStructure();
  EXPECT_TRUE(empty.nodes().empty());
  EXPECT_EQ(empty.toDefinition(), json({{"nodes", json::array()}, {"edges", json::array()}}));
  EXPECT_EQ(empty.toSteps(), json::array());
}

TEST(WorkflowGraph, Seed004WorkflowDataKeepsSettings) {
  auto graph = WorkflowGraph::fromRequest(kSeed004Create);
  graph.validateStructure();
  EXPECT_EQ(graph.nodes().size(), 2u);
  EXPECT_EQ(graph.nodes()[0].path, "workflow_data.nodes[0]");
  EXPECT_EQ(graph.settings(), json({{"timeout", 300}}));
}

TEST(WorkflowGraph, DependenciesMayNameLaterStepsAndEdgesWithoutIdGetOne) {
  auto graph = WorkflowGraph::fromRequest(
      stepsBody({{{"type", "email"}, {"dependencies", {"step-2"}}}, {{"type", "start"}}}));
  graph.validateStructure();
  EXPECT_EQ(graph.edges()[0].source, "step-2");
  EXPECT_EQ(graph.edges()[0].id, "step-2->step-1");

  auto definition = WorkflowGraph::fromRequest(
      definitionBody({{{"id", "a"}, {"type", "start"}}, {{"id", "b"}, {"type", "email"}}},
                     {{{"source", "a"}, {"target", "b"}, {"condition", "approved"}}}));
  EXPECT_EQ(definition.edges()[0].id, "a->b");
  EXPECT_EQ(definition.edges()[0].condition, "approved");
}

TEST(WorkflowGraph, MissingShapeIsNamed) {
  expectError(parseError({{"name", "w"}}), "steps", "A workflow needs steps, definition or workflow_data");
  expectError(parseError({{"name", "w"}, {"steps", nullptr}}), "steps",
              "A workflow needs steps, definition or workflow_data");
  expectError(parseError(json::array()), "body", "The request body must be a JSON object");
}

TEST(WorkflowGraph, StepErrorsNameTheExactField) {
  json start = {{"type", "start"}};
  expectError(parseError(stepsBody({start, {{"name", "no type"}}})), "steps[1].type", "Step type is required");
  expectError(parseError(stepsBody({start, {{"type", ""}}})), "steps[1].type", "Step type cannot be empty");
  expectError(parseError(stepsBody({start, {{"type", 7}}})), "steps[1].type", "Step type must be a string");
  expectError(parseError(stepsBody({start, start, {{"type", "email"}, {"dependencies", {"x"}}}})),
              "steps[2].dependencies[0]", "Unknown step 'x'");
  expectError(parseError(stepsBody({start, {{"type", "email"}, {"dependencies", {"step-1", 3}}}})),
              "steps[1].dependencies[1]", "A dependency must be a string");
  expectError(parseError(stepsBody({start, {{"type", "email"}, {"dependencies", {"step-1", "step-1"}}}})),
              "steps[1].dependencies[1]", "Duplicate dependency 'step-1'");
  expectError(parseError(stepsBody({start, {{"type", "email"}, {"dependencies", "step-1"}}})),
              "steps[1].dependencies", "Dependencies must be an array");
  expectError(parseError(stepsBody({start, {{"type", "email"}, {"config", "x"}}})), "steps[1].config",
              "Step config must be an object");
  expectError(parseError(stepsBody({start, {{"type", "email"}, {"name", 5}}})), "steps[1].name",
              "Step name must be a string");
  expectError(parseError(stepsBody({start, {{"type", "email"}, {"position", {{"x", 1}, {"y", "2"}}}}})),
              "steps[1].position.y", "Position y must be a number");
  expectError(parseError(stepsBody({start, "email"})), "steps[1]", "A step must be an object");
  expectError(parseError(stepsBody({{"type", "start"}})), "steps", "Steps must be an array");
}

TEST(WorkflowGraph, DuplicateStepIdsAreNamedAtTheLaterStep) {
  json steps = {{{"id", "a"}, {"type", "start"}}, {{"id", "b"}, {"type", "email"}}, {{"id", "c"}, {"type", "email"}},
                {{"id", "d"}, {"type", "email"}}, {{"id", "a"}, {"type", "email"}}};
  expectError(parseError(stepsBody(steps)), "steps[4].id", "Duplicate step id 'a'");
  // An explicit id may collide with a generated one too.
  expectError(parseError(stepsBody({{{"type", "start"}}, {{"id", "step-1"}, {"type", "email"}}})), "steps[1].id",
              "Duplicate step id 'step-1'");
}

TEST(WorkflowGraph, DefinitionErrorsNameTheExactField) {
  json nodes = {{{"id", "a"}, {"type", "start"}}, {{"id", "b"}, {"type", "email"}}};
  json ab = {{"id", "e0"}, {"source", "a"}, {"target", "b"}};
  expectError(parseError(definitionBody(nodes, {ab, ab})), "definition.edges[1].id", "Duplicate edge id 'e0'");
  expectError(parseError(definitionBody(nodes, {{{"id", "e0"}, {"source", "a"}, {"target", "b"}},
                                                {{"id", "e1"}, {"source", "a"}, {"target", "b"}},
                                                {{"id", "e2"}, {"source", "b"}, {"target", "a"}},
                                                {{"id", "e3"}, {"source", "a"}, {"target", "zz"}}})),
              "definition.edges[3].target", "Unknown step 'zz'");
  expectError(parseError(definitionBody(nodes, {{{"source", "q"}, {"target", "b"}}})), "definition.edges[0].source",
              "Unknown step 'q'");
  expectError(parseError(definitionBody(nodes, {{{"source", "a"}}})), "definition.edges[0].target",
              "Edge target is required");
  expectError(parseError(definitionBody(nodes, {"a->b"})), "definition.edges[0]", "An edge must be an object");
  expectError(parseError(definitionBody({{{"type", "start"}}}, json::array())), "definition.nodes[0].id",
              "Step id is required");
  expectError(parseError(definitionBody({{{"id", "a"}, {"type", "start"}, {"data", "x"}}}, json::array())),
              "definition.nodes[0].data", "Node data must be an object");
  expectError(parseError(definitionBody({{{"id", "a"}, {"type", "start"}, {"data", {{"label", 3}}}}}, json::array())),
              "definition.nodes[0].data.label", "Node label must be a string");
  expectError(parseError(definitionBody({{{"id", "a"}, {"type", "start"}}, {{"id", "a"}, {"type", "start"}}},
                                        json::array())),
              "definition.nodes[1].id", "Duplicate step id 'a'");
  expectError(parseError({{"definition", {{"edges", json::array()}}}}), "definition.nodes", "A workflow needs nodes");
  expectError(parseError({{"definition", {{"nodes", json::object()}}}}), "definition.nodes", "Nodes must be an array");
  expectError(parseError({{"definition", "graph"}}), "definition", "The workflow graph must be an object");
  expectError(parseError({{"workflow_data", {{"nodes", json::array()}, {"edges", json::array()}, {"settings", 1}}}}),
              "workflow_data.settings", "Settings must be an object");
  expectError(parseError({{"workflow_data", {{"nodes", nodes}, {"edges", {{{"source", "a"}, {"target", "c"}}}}}}}),
              "workflow_data.edges[0].target", "Unknown step 'c'");
}

TEST(WorkflowGraph, ACycleNamesOneOfItsSteps) {
  json steps = {{{"id", "a"}, {"type", "start"}, {"dependencies", {"c"}}},
                {{"id", "b"}, {"type", "email"}, {"dependencies", {"a"}}},
                {{"id", "c"}, {"type", "email"}, {"dependencies", {"b"}}}};
  expectError(structureError(stepsBody(steps)), "steps[2]", "Cycle through step 'c' (a graph with cycles needs recursion_limit to bound them)");

  json nodes = {{{"id", "x"}, {"type", "start"}}, {{"id", "y"}, {"type", "email"}}, {{"id", "z"}, {"type", "email"}}};
  json edges = {{{"source", "x"}, {"target", "y"}}, {{"source", "y"}, {"target", "z"}}, {{"source", "z"}, {"target", "y"}}};
  expectError(structureError(definitionBody(nodes, edges)), "definition.nodes[2]", "Cycle through step 'z' (a graph with cycles needs recursion_limit to bound them)");

  expectError(structureError(stepsBody({{{"id", "self"}, {"type", "start"}, {"dependencies", {"self"}}}})), "steps[0]",
              "Cycle through step 'self' (a graph with cycles needs recursion_limit to bound them)");

  // Bounded, the same cycle is a graph the engine runs, and its bound is kept.
  auto bounded = definitionBody(nodes, edges);
  bounded["definition"]["recursion_limit"] = 5;
  auto graph = WorkflowGraph::fromRequest(bounded);
  EXPECT_NO_THROW(graph.validateStructure());
  EXPECT_EQ(graph.toDefinition()["recursion_limit"], 5);
}

TEST(WorkflowGraph, ADiamondIsNotACycle) {
  json nodes = {{{"id", "a"}, {"type", "start"}}, {{"id", "b"}, {"type", "email"}}, {{"id", "c"}, {"type", "email"}},
                {{"id", "d"}, {"type", "email"}}};
  json edges = {{{"source", "a"}, {"target", "b"}}, {{"source", "a"}, {"target", "c"}},
                {{"source", "b"}, {"target", "d"}}, {{"source", "c"}, {"target", "d"}}};
  EXPECT_NO_THROW(WorkflowGraph::fromRequest(definitionBody(nodes, edges)).validateStructure());
}

TEST(WorkflowGraph, TenThousandStepChainsValidateWithoutExhaustingTheStack) {
  const auto started = std::chrono::steady_clock::now();
  auto body = chain(WorkflowGraph::kMaxNodes, false);
  EXPECT_NO_THROW(WorkflowGraph::fromRequest(body).validateStructure());
  auto cycle = chain(WorkflowGraph::kMaxNodes, true);
  auto details = structureError(cycle);
  EXPECT_EQ(details.value("issue", "").rfind("Cycle through step 'n", 0), 0u) << details.dump();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::cout << "[ figures  ] two 10,000-step chains built, parsed and validated in " << elapsed.count() << " ms"
            << std::endl;
}

TEST(WorkflowGraph, MoreThanTheLimitIsA422) {
  expectError(parseError(chain(WorkflowGraph::kMaxNodes + 1, false)), "steps",
              "A workflow can have at most 10000 steps, this one has 10001");

  json nodes = {{{"id", "a"}, {"type", "start"}}, {{"id", "b"}, {"type", "email"}}};
  json edges = json::array();
  for (std::size_t i = 0; i <= WorkflowGraph::kMaxEdges; ++i)
    edges.push_back({{"id", "e" + std::to_string(i)}, {"source", "a"}, {"target", "b"}});
  expectError(parseError(definitionBody(nodes, edges)), "definition.edges",
              "A workflow can have at most 50000 connections, this one has 50001");
}

TEST(WorkflowGraph, StepsRenderingReadsBackToTheSameGraph) {
  for (const json& body : {kSeed000Create, kSeed000Onboarding, kSeed001Create, kSeed004Create}) {
    auto graph = WorkflowGraph::fromRequest(body);
    auto again = WorkflowGraph::fromRequest({{"steps", graph.toSteps()}});
    EXPECT_EQ(again.toSteps(), graph.toSteps());
    EXPECT_EQ(again.nodes().size(), graph.nodes().size());
  }
}

TEST(WorkflowGraph, DefinitionRenderingReadsBackToTheSameGraph) {
  for (const json& body : {kSeed000Create, kSeed000Onboarding, kSeed001Create, kSeed001Template, kSeed004Create}) {
    auto graph = WorkflowGraph::fromRequest(body);
    auto again = WorkflowGraph::fromRequest({{"definition", graph.toDefinition()}});
    EXPECT_EQ(again.toDefinition(), graph.toDefinition());
    EXPECT_EQ(again.toSteps(), graph.toSteps());
  }
}

TEST(WorkflowGraph, DefinitionRenderingIsSeed001sNodeShape) {
  auto definition = WorkflowGraph::fromRequest(kSeed001Create).toDefinition();
  EXPECT_EQ(definition["nodes"][1]["data"],
            json({{"label", "Send Follow-up Email"}, {"to", "{{customer_email}}"}, {"template", "follow_up_template"}}));
  EXPECT_EQ(definition["nodes"][1]["position"], json({{"x", 300}, {"y", 100}}));
  EXPECT_EQ(definition["edges"][0], json({{"id", "e1"}, {"source", "start"}, {"target", "send_email"}}));
}

TEST(WorkflowGraph, AConfigWithLabelOrConfigKeysSurvivesTheDefinitionRendering) {
  json config = {{"label", "not the name"}, {"config", {{"nested", true}}}};
  auto graph = WorkflowGraph::fromRequest(stepsBody({{{"type", "transform"}, {"name", "T"}, {"config", config}}}));
  auto again = WorkflowGraph::fromRequest({{"definition", graph.toDefinition()}});
  EXPECT_EQ(again.nodes()[0].config, config);
  EXPECT_EQ(again.nodes()[0].name, "T");
}
