// Templates: the built-in featured ones, creating one with typed parameters,
// and instantiating with parameter values and per-step customizations.
#include "WorkflowsHost.h"

namespace {

using namespace workflows_test;
class TemplateRoutes : public WorkflowsHost {};

const json kTemplate = json::parse(R"json({
  "name": "Greeting",
  "category": "support",
  "parameters": [
    {"name": "customer", "type": "string", "required": true, "description": "who"},
    {"name": "contact", "type": "email", "required": true, "description": "where"},
    {"name": "tokens", "type": "number", "required": false, "default": 200, "description": "budget"},
    {"name": "urgent", "type": "boolean", "required": false, "default": false, "description": "flag"}
  ],
  "steps": [
    {"id": "write", "type": "ai_prompt", "config": {"prompt": "Write to {{customer}} (urgent: {{urgent}})", "max_tokens": "{{tokens}}"}},
    {"id": "send", "type": "email", "config": {"to": "{{contact}}", "template": "reply", "body": "{{steps.write.output}}"},
     "dependencies": ["write"]}
  ]
})json");

} // namespace

TEST_P(TemplateRoutes, ShipsFourFeaturedTemplatesThatAllInstantiate) {
  auto list = get("/api/v1/templates?featured=true", alice_);
  ASSERT_EQ(list.status, 200) << list.body;
  auto templates = list.json()["templates"];
  std::set<std::string> names;
  for (const auto& t : templates) names.insert(t["name"]);
  for (const char* expected : {"Customer Support Automation", "Customer Onboarding Automation", "Lead Qualification",
                               "Customer Follow-up"})
    EXPECT_TRUE(names.count(expected)) << expected << " in " << list.body.substr(0, 500);
  for (const auto& t : templates) {
    // Every required parameter gets a value of its type.
    json values = json::object();
    for (const auto& p : t["parameters"])
      if (p["required"] == true && !p.contains("default"))
        values[p["name"].get<std::string>()] = p["type"] == "number" ? json(3) : p["type"] == "boolean" ? json(true)
                                               : p["type"] == "email" ? json("someone@example.com") : json("value");
    auto made = post("/api/v1/templates/" + t["id"].get<std::string>() + "/instantiate", {{"parameter_values", values}}, alice_);
    EXPECT_EQ(made.status, 201) << t["name"] << ": " << made.body.substr(0, 400);
    if (made.status == 201) {
      EXPECT_EQ(made.json()["template_id"], t["id"]);
    }
  }
  auto one = get("/api/v1/templates/" + templates[0]["id"].get<std::string>(), bob_).json();
  EXPECT_EQ(one["usage_count"], 1) << "built-ins are visible to everyone and count their uses";
  EXPECT_EQ(get("/api/v1/templates?featured=maybe", alice_).status, 422);
}

TEST_P(TemplateRoutes, InstantiatesWithTypedValuesDefaultsAndCustomizations) {
  auto created = post("/api/v1/templates", kTemplate, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto id = created.json()["id"].get<std::string>();
  EXPECT_EQ(created.json()["parameters"].size(), 4u);

  auto made = post("/api/v1/templates/" + id + "/instantiate",
                   {{"name", "For Ada"},
                    {"parameter_values", {{"customer", "Ada"}, {"contact", "ada@example.com"}}},
                    {"customizations", {{"send", {{"config", {{"template", "vip-reply"}}}}}}}},
                   alice_);
  ASSERT_EQ(made.status, 201) << made.body;
  auto workflow = made.json();
  EXPECT_EQ(workflow["name"], "For Ada");
  EXPECT_EQ(workflow["template_id"], id);
  const auto& steps = workflow["steps"];
  EXPECT_EQ(steps[0]["config"]["prompt"], "Write to Ada (urgent: false)");
  EXPECT_EQ(steps[0]["config"]["max_tokens"], 200) << "a whole placeholder keeps the default's type";
  EXPECT_EQ(steps[1]["config"]["to"], "ada@example.com");
  EXPECT_EQ(steps[1]["config"]["template"], "vip-reply");
  EXPECT_EQ(steps[1]["config"]["body"], "{{steps.write.output}}") << "run-time placeholders stay";
  EXPECT_EQ(get("/api/v1/templates/" + id, alice_).json()["usage_count"], 1);
}

TEST_P(TemplateRoutes, RefusesMissingMistypedOrUnknownValuesNamingThem) {
  auto id = post("/api/v1/templates", kTemplate, alice_).json()["id"].get<std::string>();
  auto instantiate = [&](json values, json customizations = nullptr) {
    json body = {{"parameter_values", std::move(values)}};
    if (!customizations.is_null()) body["customizations"] = std::move(customizations);
    return post("/api/v1/templates/" + id + "/instantiate", body, alice_);
  };
  expectInvalid(instantiate({{"contact", "ada@example.com"}}), "parameter_values.customer");
  expectInvalid(instantiate({{"customer", "Ada"}, {"contact", "not-an-email"}}), "parameter_values.contact");
  expectInvalid(instantiate({{"customer", "Ada"}, {"contact", "a@b.io"}, {"tokens", "many"}}), "parameter_values.tokens");
  expectInvalid(instantiate({{"customer", "Ada"}, {"contact", "a@b.io"}, {"colour", "red"}}), "parameter_values.colour");
  expectInvalid(instantiate({{"customer", "Ada"}, {"contact", "a@b.io"}}, {{"ghost", {{"x", 1}}}}), "customizations.ghost");
  // The template's own graph is what is checked: the field locates it in the template's definition.
  expectInvalid(instantiate({{"customer", "Ada"}, {"contact", "a@b.io"}}, {{"write", {{"config", {{"prompt", ""}}}}}}),
                "definition.nodes[0].config.prompt", "Prompt cannot be empty");
  EXPECT_EQ(get("/api/v1/workflows", alice_).json()["total"], 0) << "nothing was created";
  EXPECT_EQ(get("/api/v1/templates/" + id, alice_).json()["usage_count"], 0);
}

TEST_P(TemplateRoutes, TemplatesAreValidatedAndPrivateToTheirTenant) {
  auto bad = kTemplate;
  bad["parameters"][0]["type"] = "colour";
  expectInvalid(post("/api/v1/templates", bad, alice_), "parameters[0].type");
  bad = kTemplate;
  bad["steps"][0]["type"] = "teleport";
  expectInvalid(post("/api/v1/templates", bad, alice_), "steps[0].type");
  auto noName = kTemplate;
  noName.erase("name");
  expectInvalid(post("/api/v1/templates", noName, alice_), "name");

  auto id = post("/api/v1/templates", kTemplate, alice_).json()["id"].get<std::string>();
  EXPECT_EQ(get("/api/v1/templates/" + id, bob_).status, 404);
  EXPECT_EQ(post("/api/v1/templates/" + id + "/instantiate", {{"parameter_values", json::object()}}, bob_).status, 404);
  auto bobsList = get("/api/v1/templates?limit=100", bob_).json();
  for (const auto& t : bobsList["templates"]) EXPECT_NE(t["id"], id);
  EXPECT_EQ(get("/api/v1/templates?category=support", alice_).json()["templates"][0]["category"], "support");
}

INSTANTIATE_TEST_SUITE_P(Backends, TemplateRoutes, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

TEST_P(TemplateRoutes, Seed000InstantiateBodyAsSent) {
  std::string supportId;
  auto featured = get("/api/templates?featured=true", alice_).json(); // a named json: the loop must not outlive it
  for (const auto& t : featured["templates"])
    if (t["name"] == "Customer Support Automation") supportId = t["id"];
  ASSERT_FALSE(supportId.empty());
  auto seed = json::parse(R"json({
  "name": "My Customer Support Workflow",
  "customizations": {"step-1": {"config": {"model": "gpt-4"}}}
})json");
  // Seed 000 sends no parameter values: every required parameter of this template has a default.
  auto made = post("/api/templates/" + supportId + "/instantiate", seed, alice_);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json()["name"], "My Customer Support Workflow");
  EXPECT_EQ(made.json()["steps"][0]["id"], "step-1");
  EXPECT_EQ(made.json()["steps"][0]["config"]["model"], "gpt-4");
}
