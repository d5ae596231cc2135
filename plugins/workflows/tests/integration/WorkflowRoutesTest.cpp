// The workflow routes through a real host with the auth and workflows plugins
// and the SDK example (whose step type must validate like a built-in one), on
// SQLite and on PostgreSQL.
#include "WorkflowsHost.h"
#include "../SeedWorkflows.h"

namespace {

using namespace workflows_test;
class WorkflowRoutes : public WorkflowsHost {};

// Seed 000's request, as the seed shows it.
const json kSeed000 = json::parse(R"({
  "name": "Customer Onboarding",
  "description": "Automated customer onboarding workflow",
  "steps": [
    {"type": "email", "name": "Welcome Email", "config": {"template": "welcome-template", "to": "{{customer_email}}"}},
    {"type": "ai_prompt", "name": "Generate Summary",
     "config": {"prompt": "Summarize the onboarding for {{customer_name}}", "max_tokens": 500},
     "dependencies": ["step-1"]}
  ]
})");

} // namespace

TEST_P(WorkflowRoutes, CreatesFromSeed000StepsWithGeneratedIdsAndAnswersBothShapes) {
  auto created = post("/api/v1/workflows", kSeed000, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = created.json();
  EXPECT_EQ(body["name"], "Customer Onboarding");
  EXPECT_EQ(body["version"], "1.0.0");
  EXPECT_EQ(body["status"], "active");
  EXPECT_EQ(body["is_active"], true);
  EXPECT_EQ(body["steps"][0]["id"], "step-1");
  EXPECT_EQ(body["steps"][1]["id"], "step-2");
  EXPECT_EQ(body["steps"][1]["dependencies"], json::array({"step-1"}));
  EXPECT_EQ(body["definition"]["nodes"].size(), 2u);
  EXPECT_EQ(body["definition"]["edges"].size(), 1u);
  EXPECT_EQ(body["execution_count"], 0);
  EXPECT_TRUE(body["last_execution"].is_null());
  for (const char* field : {"id", "created_by", "created_at", "updated_at", "settings", "template_id", "agent_id"})
    EXPECT_TRUE(body.contains(field)) << field;
}

TEST_P(WorkflowRoutes, CreatesFromDefinitionAndFromWorkflowData) {
  auto definition = post("/api/v1/workflows",
                         {{"name", "Graph"},
                          {"definition",
                           {{"nodes", {{{"id", "a"}, {"type", "start"}, {"position", {{"x", 0}, {"y", 0}}}},
                                       {{"id", "b"}, {"type", "delay"}, {"data", {{"seconds", 5}}}}}},
                            {"edges", {{{"id", "e1"}, {"source", "a"}, {"target", "b"}}}}}}},
                         alice_);
  ASSERT_EQ(definition.status, 201) << definition.body;
  EXPECT_EQ(definition.json()["steps"][1]["dependencies"], json::array({"a"}));
  auto data = post("/api/v1/workflows",
                   {{"name", "Data"},
                    {"workflow_data",
                     {{"nodes", {{{"id", "s"}, {"type", "start"}}}}, {"edges", json::array()}, {"settings", {{"retries", 2}}}}}},
                   alice_);
  ASSERT_EQ(data.status, 201) << data.body;
  EXPECT_EQ(data.json()["settings"]["retries"], 2);
}

TEST_P(WorkflowRoutes, ValidationNamesTheExactField) {
  auto named = [](json steps) { return json{{"name", "W"}, {"steps", std::move(steps)}}; };
  expectInvalid(post("/api/v1/workflows", {{"steps", json::array({{{"type", "start"}}})}}, alice_), "name");
  expectInvalid(post("/api/v1/workflows", named({{{"type", "teleport"}}}), alice_), "steps[0].type");
  expectInvalid(post("/api/v1/workflows", named({{{"type", "ai_prompt"}, {"config", {{"prompt", ""}}}}}), alice_),
                "steps[0].config.prompt", "Prompt cannot be empty");
  expectInvalid(post("/api/v1/workflows", named({{{"type", "start"}}, {{"type", "start"}, {"dependencies", {"nope"}}}}), alice_),
                "steps[1].dependencies[0]");
  expectInvalid(post("/api/v1/workflows",
                     named({{{"id", "a"}, {"type", "start"}, {"dependencies", {"b"}}},
                            {{"id", "b"}, {"type", "start"}, {"dependencies", {"a"}}}}),
                     alice_),
                "steps[1]", "Cycle through step 'b' (a graph with cycles needs recursion_limit to bound them)");
  auto duplicate = post("/api/v1/workflows", named({{{"id", "a"}, {"type", "start"}}, {{"id", "a"}, {"type", "start"}}}), alice_);
  expectInvalid(duplicate, "steps[1].id");
  // A third-party plugin's step type (the SDK example's "greet") is checked the same way.
  expectInvalid(post("/api/v1/workflows", named({{{"type", "greet"}, {"config", json::object()}}}), alice_),
                "steps[0].config.name");
  EXPECT_EQ(post("/api/v1/workflows", named({{{"type", "greet"}, {"config", {{"name", "Ada"}}}}}), alice_).status, 201);
}

TEST_P(WorkflowRoutes, ListsWithFiltersAndPagination) {
  for (int i = 0; i < 3; ++i)
    post("/api/v1/workflows", {{"name", "Sales " + std::to_string(i)}, {"category", "sales"}, {"steps", {{{"type", "start"}}}}}, alice_);
  post("/api/v1/workflows", {{"name", "Paused one"}, {"status", "PAUSED"}, {"description", "needle here"}, {"steps", {{{"type", "start"}}}}}, alice_);

  auto page = get("/api/v1/workflows?page=2&limit=2", alice_).json();
  EXPECT_EQ(page["total"], 4);
  EXPECT_EQ(page["workflows"].size(), 2u);
  EXPECT_EQ(page["page"], 2);
  EXPECT_EQ(page["total_pages"], 2);
  EXPECT_EQ(page["has_next"], false);
  EXPECT_EQ(page["pagination"]["pages"], 2);
  EXPECT_EQ(get("/api/v1/workflows?page=9", alice_).json()["workflows"].size(), 0u) << "past the end";
  EXPECT_EQ(get("/api/v1/workflows?limit=5000", alice_).json()["limit"], 100) << "capped";
  EXPECT_EQ(get("/api/v1/workflows?category=sales", alice_).json()["total"], 3);
  EXPECT_EQ(get("/api/v1/workflows?status=paused", alice_).json()["total"], 1);
  EXPECT_EQ(get("/api/v1/workflows?status=INACTIVE", alice_).json()["workflows"][0]["status"], "inactive");
  EXPECT_EQ(get("/api/v1/workflows?is_active=true", alice_).json()["total"], 3);
  EXPECT_EQ(get("/api/v1/workflows?search=NEEDLE", alice_).json()["total"], 1);
  EXPECT_EQ(get("/api/v1/workflows?search=%25", alice_).json()["total"], 0) << "% is taken literally";
  expectInvalid(get("/api/v1/workflows?status=sleeping", alice_), "status");
}

TEST_P(WorkflowRoutes, VersionsBumpOnGraphChangesOnly) {
  auto id = post("/api/v1/workflows", kSeed000, alice_).json()["id"].get<std::string>();
  auto renamed = put("/api/v1/workflows/" + id, {{"name", "Renamed"}}, alice_);
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json()["version"], "1.0.0");
  EXPECT_EQ(renamed.json()["steps"].size(), 2u) << "a partial update keeps the graph";
  auto changed = put("/api/v1/workflows/" + id, {{"steps", {{{"type", "start"}}}}}, alice_);
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json()["version"], "1.1.0");
  EXPECT_EQ(put("/api/v1/workflows/" + id, {{"steps", {{{"type", "start"}}}}}, alice_).json()["version"], "1.1.0")
      << "the same graph again is no new version";

  auto versions = get("/api/v1/workflows/" + id + "/versions", alice_).json();
  ASSERT_EQ(versions["versions"].size(), 2u) << versions.dump();
  EXPECT_EQ(versions["versions"][0]["version"], "1.0.0");
  EXPECT_EQ(versions["versions"][0]["steps"].size(), 2u);
  EXPECT_EQ(versions["versions"][1]["steps"].size(), 1u);
  auto old = get("/api/v1/workflows/" + id + "?version=1.0.0", alice_).json();
  EXPECT_EQ(old["version"], "1.0.0");
  EXPECT_EQ(old["steps"].size(), 2u);
  EXPECT_EQ(get("/api/v1/workflows/" + id + "?version=9.9.9", alice_).status, 404);
  expectInvalid(put("/api/v1/workflows/" + id, {{"steps", {{{"type", "ai_prompt"}, {"config", {{"prompt", ""}}}}}}}, alice_),
                "steps[0].config.prompt");
  EXPECT_EQ(get("/api/v1/workflows/" + id, alice_).json()["version"], "1.1.0") << "a refused update changes nothing";
}

TEST_P(WorkflowRoutes, SoftDeleteAndTenancy) {
  auto id = post("/api/v1/workflows", kSeed000, alice_).json()["id"].get<std::string>();
  EXPECT_EQ(get("/api/v1/workflows/" + id, bob_).status, 404) << "another user's workflow";
  EXPECT_EQ(put("/api/v1/workflows/" + id, {{"name", "mine now"}}, bob_).status, 404);
  EXPECT_EQ(get("/api/v1/workflows", bob_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/workflows", {}).status, 401);

  // Shared through an organization, the member sees it.
  auto org = post("/api/v1/organizations", {{"name", "Acme"}, {"slug", "acme"}}, alice_).json();
  post("/api/v1/organizations/" + org["id"].get<std::string>() + "/members", {{"email", "bob@example.com"}, {"role", "member"}}, alice_);
  bob_ = userToken("bob@example.com"); // a fresh login carries the membership at once anyway
  auto shared = post("/api/v1/workflows", {{"name", "Team flow"}, {"organization_id", org["id"]}, {"steps", {{{"type", "start"}}}}}, alice_);
  ASSERT_EQ(shared.status, 201) << shared.body;
  EXPECT_EQ(get("/api/v1/workflows/" + shared.json()["id"].get<std::string>(), bob_).status, 200);
  expectInvalid(post("/api/v1/workflows", {{"name", "x"}, {"organization_id", "not-mine"}, {"steps", {{{"type", "start"}}}}}, bob_),
                "organization_id");

  auto deleted = HttpClient(host_->port()).request("DELETE", "/api/v1/workflows/" + id, "", alice_);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(get("/api/v1/workflows/" + id, alice_).status, 404);
  EXPECT_EQ(storedValue("SELECT name FROM wf_workflows WHERE id = ?", id), "Customer Onboarding") << "kept in storage";
  EXPECT_NE(storedValue("SELECT deleted_at FROM wf_workflows WHERE id = ?", id), "<null>");
  auto remaining = get("/api/v1/workflows", alice_).json();
  for (const auto& workflow : remaining["workflows"]) EXPECT_NE(workflow["id"], id);
}

TEST_P(WorkflowRoutes, SqlMetacharactersAreStoredLiterally) {
  const std::string hostile = "x'); DROP TABLE wf_workflows; -- \" \\ % _ ?";
  auto created = post("/api/v1/workflows",
                      {{"name", hostile}, {"description", hostile}, {"category", hostile},
                       {"steps", {{{"id", hostile}, {"type", "ai_prompt"}, {"name", hostile}, {"config", {{"prompt", hostile}}}}}}},
                      alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto fetched = get("/api/v1/workflows/" + created.json()["id"].get<std::string>(), alice_).json();
  EXPECT_EQ(fetched["name"], hostile);
  EXPECT_EQ(fetched["steps"][0]["id"], hostile);
  EXPECT_EQ(fetched["steps"][0]["config"]["prompt"], hostile);
  EXPECT_EQ(get("/api/v1/workflows", alice_).json()["total"], 1);
}

TEST_P(WorkflowRoutes, VeryLargeGraphsAreHandledWithoutACrash) {
  json steps = json::array();
  for (int i = 0; i < 2000; ++i) {
    json step = {{"id", "s" + std::to_string(i)}, {"type", "delay"}, {"config", {{"seconds", 1}}}};
    if (i) step["dependencies"] = {"s" + std::to_string(i - 1)};
    steps.push_back(step);
  }
  auto large = post("/api/v1/workflows", {{"name", "chain"}, {"steps", steps}}, alice_);
  ASSERT_EQ(large.status, 201) << large.body.substr(0, 300);
  EXPECT_EQ(large.json()["steps"].size(), 2000u);

  json huge = json::array();
  for (int i = 0; i < 10001; ++i) huge.push_back({{"id", "n" + std::to_string(i)}, {"type", "start"}});
  auto refused = post("/api/v1/workflows", {{"name", "huge"}, {"steps", huge}}, alice_);
  EXPECT_TRUE(refused.status == 413 || refused.status == 422) << refused.status << " " << refused.body.substr(0, 300);
  EXPECT_EQ(get("/health", {}).status, 200) << "still serving";
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowRoutes, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

// GET/POST agents/{agent_id}/workflows need a real agent: plugins/agents/tests.

TEST_P(WorkflowRoutes, Seeds001And002CreateBodiesAndListQueriesAsSent) {
  const auto& seed001 = workflows_seeds::seed001FollowUp();
  auto created = post("/api/workflows", seed001, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto body = created.json();
  for (const char* field : {"id", "name", "description", "definition", "is_active", "created_at", "updated_at", "created_by"})
    EXPECT_TRUE(body.contains(field)) << field;
  EXPECT_EQ(body["definition"]["nodes"][1]["position"]["x"], 300);
  EXPECT_EQ(body["steps"][1]["config"]["template"], "follow_up_template");

  auto seed002 = json::parse(R"json({
  "name": "New Automation",
  "description": "Optional description",
  "definition": {"nodes": [], "edges": []}
})json");
  auto empty = post("/v1/workflows", seed002, alice_);
  ASSERT_EQ(empty.status, 201) << empty.body;
  EXPECT_EQ(empty.json()["steps"], json::array());

  auto seed001List = get("/api/workflows?page=1&page_size=10&is_active=true", alice_).json();
  EXPECT_EQ(seed001List["page_size"], 10);
  EXPECT_EQ(seed001List["total"], 2);
  EXPECT_EQ(get("/v1/workflows?page=1&limit=20&status=PAUSED", alice_).json()["total"], 0);
  EXPECT_EQ(get("/v1/workflows?page=1&limit=20&status=ACTIVE", alice_).json()["total"], 2);
}
