#include "Catalog.h"
#include "RoutingPolicy.h"
#include "TaskTypes.h"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace ai;

/// Three models with clear trade-offs: cheap and weak, dear and strong, and one between.
Models threeModels() {
  return Catalog::parse(R"({"models": [
    {"id": "cheap", "provider": "p1", "input_cost_per_token": 1e-7, "output_cost_per_token": 4e-7,
     "context_window": 16000, "max_output_tokens": 4096, "capabilities": ["text"], "quality_score": 0.70,
     "typical_response_ms": 500},
    {"id": "middle", "provider": "p2", "input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6,
     "context_window": 128000, "max_output_tokens": 16000, "capabilities": ["text", "code"], "quality_score": 0.86,
     "typical_response_ms": 900},
    {"id": "strong", "provider": "p3", "input_cost_per_token": 1.5e-5, "output_cost_per_token": 7.5e-5,
     "context_window": 200000, "max_output_tokens": 32000, "capabilities": ["text", "code", "reasoning"],
     "quality_score": 0.97, "typical_response_ms": 3000}]})");
}

HealthLookup typical() {
  return [](const ModelInfo& m) {
    ModelHealth::View view;
    view.avgResponseMs = static_cast<double>(m.typicalResponseMs);
    return view;
  };
}
bool everyProvider(const std::string&) { return true; }

std::vector<std::string> order(const Ranking& ranking) {
  std::vector<std::string> ids;
  for (const auto& c : ranking.candidates) ids.push_back(c.model->id);
  return ids;
}

TEST(RoutingPolicy, EachPriorityPicksItsModel) {
  auto models = threeModels();
  RoutingNeeds needs;
  needs.promptTokens = 200;
  needs.maxTokens = 500;
  needs.priority = Priority::Cost;
  EXPECT_EQ(order(rank(models, needs, typical(), everyProvider)), (std::vector<std::string>{"cheap", "middle", "strong"}));
  needs.priority = Priority::Performance;
  EXPECT_EQ(rank(models, needs, typical(), everyProvider).candidates.front().model->id, "strong");
  needs.priority = Priority::Balanced;
  EXPECT_EQ(rank(models, needs, typical(), everyProvider).candidates.front().model->id, "middle");
}

TEST(RoutingPolicy, EstimatesTheCostOfPromptAndMaximumOutput) {
  auto models = threeModels();
  RoutingNeeds needs;
  needs.promptTokens = 1000;
  needs.maxTokens = 100;
  needs.priority = Priority::Cost;
  auto ranking = rank(models, needs, typical(), everyProvider);
  EXPECT_DOUBLE_EQ(ranking.candidates[0].estimatedCost, 1000 * 1e-7 + 100 * 4e-7);
}

TEST(RoutingPolicy, FiltersNameTheFieldThatLeftNothing) {
  auto models = threeModels();
  RoutingNeeds needs;
  needs.capabilities = {"reasoning"};
  EXPECT_EQ(order(rank(models, needs, typical(), everyProvider)), std::vector<std::string>{"strong"});

  needs.capabilities = {"vision"};
  auto none = rank(models, needs, typical(), everyProvider);
  EXPECT_TRUE(none.candidates.empty());
  EXPECT_EQ(none.emptyField, "task_type");

  needs.capabilities = {};
  needs.providers = {"p2"};
  EXPECT_EQ(order(rank(models, needs, typical(), everyProvider)), std::vector<std::string>{"middle"});
  auto unconfigured = rank(models, needs, typical(), [](const std::string& p) { return p != "p2"; });
  EXPECT_EQ(unconfigured.emptyField, "providers");

  needs.providers = {};
  needs.promptTokens = 150000;
  needs.maxTokens = 1000;
  EXPECT_EQ(order(rank(models, needs, typical(), everyProvider)), std::vector<std::string>{"strong"});
  needs.promptTokens = 250000;
  EXPECT_EQ(rank(models, needs, typical(), everyProvider).emptyField, "prompt");

  needs.promptTokens = 100;
  needs.maxTokens = 20000;
  EXPECT_EQ(order(rank(models, needs, typical(), everyProvider)), std::vector<std::string>{"strong"});
  needs.maxTokens = 64000;
  EXPECT_EQ(rank(models, needs, typical(), everyProvider).emptyField, "max_tokens");
}

TEST(RoutingPolicy, ABudgetLimitKeepsOnlyModelsWhoseEstimateFits) {
  auto models = threeModels();
  RoutingNeeds needs;
  needs.promptTokens = 1000;
  needs.maxTokens = 1000;
  needs.priority = Priority::Performance;
  needs.budgetLimit = 0.01; // strong costs 0.09, middle 0.005
  EXPECT_EQ(rank(models, needs, typical(), everyProvider).candidates.front().model->id, "middle");
  needs.budgetLimit = 0.0001;
  auto none = rank(models, needs, typical(), everyProvider);
  EXPECT_TRUE(none.candidates.empty());
  EXPECT_EQ(none.emptyField, "budget_limit");
}

TEST(RoutingPolicy, MeasuredLatencyAndHealthChangeTheOrder) {
  auto models = threeModels();
  RoutingNeeds needs;
  needs.priority = Priority::Performance;
  auto strongIs = [](const char* status, double ms) {
    return [status, ms](const ModelInfo& m) {
      ModelHealth::View view;
      view.avgResponseMs = m.id == "strong" ? ms : static_cast<double>(m.typicalResponseMs);
      view.measured = m.id == "strong";
      if (m.id == "strong") view.status = status;
      return view;
    };
  };
  EXPECT_EQ(rank(models, needs, strongIs("available", 3000), everyProvider).candidates.front().model->id, "strong");
  // Unavailable goes last whatever its score; it is still there to be tried.
  auto ranking = rank(models, needs, strongIs("unavailable", 3000), everyProvider);
  EXPECT_EQ(ranking.candidates.back().model->id, "strong");
  EXPECT_EQ(ranking.candidates.size(), 3u);
  // Very slow measured latency costs "strong" its lead under performance.
  EXPECT_NE(rank(models, needs, strongIs("degraded", 60000), everyProvider).candidates.front().model->id, "strong");
}

TEST(RoutingPolicy, ConfidenceAndExplanation) {
  auto models = threeModels();
  RoutingNeeds needs;
  needs.priority = Priority::Cost;
  auto ranking = rank(models, needs, typical(), everyProvider);
  auto value = confidence(ranking);
  EXPECT_GT(value, 0.5);
  EXPECT_LE(value, 1.0);
  auto text = explain(ranking, needs);
  EXPECT_NE(text.find("cheap"), std::string::npos) << text;
  EXPECT_NE(text.find("lowest estimated cost"), std::string::npos) << text;
  EXPECT_EQ(routingReason(Priority::Cost), "cost_optimized");
  EXPECT_FALSE(parsePriority("cheapest").has_value());
}

TEST(TaskTypes, MapToCapabilitiesAndTokensAreEstimated) {
  EXPECT_EQ(capabilitiesFor("analysis"), std::vector<std::string>{"reasoning"});
  EXPECT_EQ(capabilitiesFor("code"), std::vector<std::string>{"code"});
  EXPECT_FALSE(capabilitiesFor("telepathy").has_value());
  EXPECT_NE(knownTaskTypes().find("summarization"), std::string::npos);
  EXPECT_EQ(estimateTokens(""), 1);
  EXPECT_EQ(estimateTokens("abcdefgh"), 2);
  EXPECT_EQ(estimateTokens(std::string(4001, 'x')), 1001);
}

TEST(ModelHealthTest, StatusFollowsRecentOutcomes) {
  ModelHealth health;
  auto now = ModelHealth::Clock::now();
  EXPECT_EQ(health.view("m", 700, now).status, "available");
  EXPECT_FALSE(health.view("m", 700, now).measured);
  EXPECT_DOUBLE_EQ(health.view("m", 700, now).avgResponseMs, 700);
  for (int i = 0; i < 8; ++i) health.recordSuccess("m", 100, now);
  EXPECT_NEAR(health.view("m", 700, now).avgResponseMs, 100, 1e-9);
  health.recordFailure("m", now);
  health.recordFailure("m", now);
  EXPECT_EQ(health.view("m", 700, now).status, "degraded");
  health.recordFailure("m", now);
  EXPECT_EQ(health.view("m", 700, now).status, "unavailable");
  // After a while it is offered again (degraded), so one success can bring it back.
  EXPECT_EQ(health.view("m", 700, now + ModelHealth::kProbeAfter + std::chrono::seconds(1)).status, "degraded");
  health.recordSuccess("m", 300, now);
  EXPECT_NE(health.view("m", 700, now).status, "unavailable");
}

TEST(CatalogTest, TheShippedCatalogCoversTheThreeProvidersWithListPrices) {
  std::ifstream file(AI_CATALOG);
  std::stringstream text;
  text << file.rdbuf();
  auto models = Catalog::parse(text.str());
  EXPECT_GE(models.size(), 15u);
  for (const char* provider : {"openai", "anthropic", "google"})
    EXPECT_TRUE(std::any_of(models.begin(), models.end(), [&](const ModelInfo& m) { return m.provider == provider; }))
        << provider;
  const auto* mini = findModel(models, "gpt-4o-mini");
  ASSERT_NE(mini, nullptr);
  EXPECT_DOUBLE_EQ(mini->inputCostPerToken, 0.15 / 1e6);
  EXPECT_DOUBLE_EQ(mini->outputCostPerToken, 0.60 / 1e6);
  for (const auto& m : models) {
    EXPECT_GE(m.outputCostPerToken, m.inputCostPerToken) << m.id;
    EXPECT_TRUE(m.has("text")) << m.id;
  }
}

TEST(CatalogTest, ABadEntryIsNamedWithItsField) {
  auto problem = [](const std::string& text) {
    try {
      Catalog::parse(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(problem("not json"), "the catalog is not valid JSON");
  EXPECT_EQ(problem(R"({"items": []})"), "the catalog needs a \"models\" array");
  auto entry = R"({"id": "a", "provider": "p", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
                   "context_window": 1000, "max_output_tokens": 100, "capabilities": ["text"], "quality_score": 0.5})";
  EXPECT_EQ(problem(std::string("{\"models\": [") + entry + "]}"), "accepted");
  EXPECT_EQ(problem(std::string("{\"models\": [") + entry + "," + entry + "]}"), "models[1].id: 'a' appears twice");
  auto negative = std::string(entry);
  negative.replace(negative.find("1e-6"), 4, "-1");
  EXPECT_EQ(problem("{\"models\": [" + negative + "]}"), "models[0].input_cost_per_token: must be a number from 0 to 1");
  EXPECT_EQ(problem(R"({"models": [{"id": "a"}]})"), "models[0].provider: must be a non-empty string");
}

TEST(CatalogTest, ReloadsWhenTheFileChangesAndKeepsTheOldOneWhenTheNewIsBad) {
  auto path = ::testing::TempDir() + "catalog-" + std::to_string(::getpid()) + ".json";
  auto write = [&](const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  };
  auto model = [](const std::string& id) {
    return R"({"id": ")" + id + R"(", "provider": "p", "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6,
               "context_window": 1000, "max_output_tokens": 100, "capabilities": ["text"], "quality_score": 0.5})";
  };
  write("{\"models\": [" + model("first") + "]}");
  Catalog catalog(path);
  catalog.load();
  EXPECT_FALSE(catalog.reloadIfChanged());
  write("{\"models\": [" + model("first") + "," + model("second") + "]}");
  EXPECT_TRUE(catalog.reloadIfChanged());
  EXPECT_EQ(catalog.models()->size(), 2u);
  write("{\"models\": [ broken");
  EXPECT_THROW(catalog.reloadIfChanged(), std::runtime_error);
  EXPECT_EQ(catalog.models()->size(), 2u);
  EXPECT_FALSE(catalog.reloadIfChanged()); // reported once, not again until it changes
  std::remove(path.c_str());
}

} // namespace
