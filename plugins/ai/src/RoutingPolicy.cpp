#include "RoutingPolicy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ai {
namespace {

/// 1 for the smallest value among candidates, 0 for the largest, on a log
/// scale: prices and latencies differ by orders of magnitude, and a linear
/// scale would flatten every cheap model to the same score.
double logScore(double value, double smallest, double largest) {
  value = std::max(value, 1e-12);
  smallest = std::max(smallest, 1e-12);
  largest = std::max(largest, 1e-12);
  if (largest <= smallest * 1.000001) return 1.0;
  return 1.0 - (std::log(value) - std::log(smallest)) / (std::log(largest) - std::log(smallest));
}

bool offers(const ModelInfo& model, const std::vector<std::string>& capabilities) {
  return std::all_of(capabilities.begin(), capabilities.end(), [&](const auto& c) { return model.has(c); });
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

std::string money(double usd) {
  char text[32];
  std::snprintf(text, sizeof text, "$%.6f", usd);
  return text;
}

} // namespace

std::optional<Priority> parsePriority(std::string_view text) {
  if (text == "cost") return Priority::Cost;
  if (text == "performance" || text == "quality") return Priority::Performance;
  if (text == "balanced") return Priority::Balanced;
  return std::nullopt;
}

std::string routingReason(Priority priority) {
  switch (priority) {
  case Priority::Cost: return "cost_optimized";
  case Priority::Performance: return "performance_optimized";
  case Priority::Balanced: break;
  }
  return "balanced";
}

Ranking rank(const Models& models, const RoutingNeeds& needs, const HealthLookup& health,
             const ProviderCheck& configured) {
  Ranking ranking;
  ranking.consideredModels = models.size();
  // Each filter in turn; the first one that leaves nothing is the one to name.
  std::vector<const ModelInfo*> pool;
  for (const auto& model : models)
    if (listed(needs.providers, model.provider) && configured(model.provider)) pool.push_back(&model);
  auto narrow = [&](auto keep, const char* field, std::string reason) {
    if (pool.empty()) return false;
    std::vector<const ModelInfo*> kept;
    for (const auto* model : pool)
      if (keep(*model)) kept.push_back(model);
    if (kept.empty()) {
      ranking.emptyField = field;
      ranking.emptyReason = std::move(reason);
    }
    pool = std::move(kept);
    return !pool.empty();
  };
  if (pool.empty()) {
    ranking.emptyField = "providers";
    ranking.emptyReason = needs.providers.empty() ? "No AI provider is configured"
                                                  : "None of the requested providers is configured";
    return ranking;
  }
  std::string capabilityList;
  for (const auto& c : needs.capabilities) capabilityList += (capabilityList.empty() ? "" : ", ") + c;
  auto total = needs.promptTokens + needs.maxTokens;
  if (!narrow([&](const ModelInfo& m) { return offers(m, needs.capabilities); }, "task_type",
              "No configured model has the capabilities " + capabilityList) ||
      !narrow([&](const ModelInfo& m) { return m.maxOutputTokens >= needs.maxTokens; }, "max_tokens",
              "No configured model can write " + std::to_string(needs.maxTokens) + " tokens") ||
      !narrow([&](const ModelInfo& m) { return m.contextWindow >= total; }, "prompt",
              "No configured model's context window holds " + std::to_string(total) + " tokens") ||
      !narrow([&](const ModelInfo& m) { return !needs.budgetLimit || m.cost(needs.promptTokens, needs.maxTokens) <= *needs.budgetLimit; },
              "budget_limit", "Every suitable model's estimated cost exceeds the budget limit"))
    return ranking;

  for (const auto* model : pool)
    ranking.candidates.push_back({model, model->cost(needs.promptTokens, needs.maxTokens), 0,
                                  health(*model)});
  auto [cheapest, dearest] = std::minmax_element(ranking.candidates.begin(), ranking.candidates.end(),
                                                 [](const auto& a, const auto& b) { return a.estimatedCost < b.estimatedCost; });
  auto [fastest, slowest] = std::minmax_element(ranking.candidates.begin(), ranking.candidates.end(), [](const auto& a, const auto& b) {
    return a.health.avgResponseMs < b.health.avgResponseMs;
  });
  auto [weakest, strongest] = std::minmax_element(ranking.candidates.begin(), ranking.candidates.end(), [](const auto& a, const auto& b) {
    return a.model->qualityScore < b.model->qualityScore;
  });
  double minCost = cheapest->estimatedCost, maxCost = dearest->estimatedCost;
  double minMs = fastest->health.avgResponseMs, maxMs = slowest->health.avgResponseMs;
  double minQuality = weakest->model->qualityScore, qualityRange = strongest->model->qualityScore - minQuality;
  for (auto& candidate : ranking.candidates) {
    double cost = logScore(candidate.estimatedCost, minCost, maxCost);
    double speed = logScore(candidate.health.avgResponseMs, minMs, maxMs);
    // Quality scores bunch together (0.7 to 0.97): spread them over 0..1 like
    // the other two, or speed and price would always outweigh them.
    double quality = qualityRange > 1e-9 ? (candidate.model->qualityScore - minQuality) / qualityRange : 1.0;
    switch (needs.priority) {
    case Priority::Cost: candidate.score = 0.9 * cost + 0.1 * quality; break;
    case Priority::Performance: candidate.score = 0.75 * quality + 0.25 * speed; break;
    case Priority::Balanced: candidate.score = 0.5 * quality + 0.35 * cost + 0.15 * speed; break;
    }
    if (candidate.health.status == "degraded") candidate.score *= 0.8;
  }
  std::stable_sort(ranking.candidates.begin(), ranking.candidates.end(), [](const auto& a, const auto& b) {
    bool aDown = a.health.status == "unavailable", bDown = b.health.status == "unavailable";
    if (aDown != bDown) return bDown;
    if (a.score != b.score) return a.score > b.score;
    return a.model->id < b.model->id; // the same input always gives the same answer
  });
  return ranking;
}

double confidence(const Ranking& ranking) {
  if (ranking.candidates.empty()) return 0;
  const auto& best = ranking.candidates.front();
  double lead = 1.0;
  if (ranking.candidates.size() > 1) {
    const auto& second = ranking.candidates[1];
    lead = std::clamp((best.score - second.score) / std::max(best.score, 1e-9) * 4.0, 0.0, 1.0);
  }
  double value = 0.6 + 0.35 * lead;
  if (!best.health.measured) value -= 0.05;
  if (best.health.status != "available") value *= 0.6;
  return std::round(std::clamp(value, 0.0, 1.0) * 100) / 100;
}

std::string explain(const Ranking& ranking, const RoutingNeeds& needs) {
  if (ranking.candidates.empty()) return ranking.emptyReason;
  const auto& best = ranking.candidates.front();
  std::string what;
  switch (needs.priority) {
  case Priority::Cost: what = "lowest estimated cost"; break;
  case Priority::Performance: what = "best quality and speed"; break;
  case Priority::Balanced: what = "best balance of quality, cost and speed"; break;
  }
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.0f ms", best.health.avgResponseMs);
  return best.model->id + " has the " + what + " of " + std::to_string(ranking.candidates.size()) +
         " suitable models (estimated " + money(best.estimatedCost) + ", quality " +
         std::to_string(best.model->qualityScore).substr(0, 4) + ", " + latency +
         (best.health.measured ? " measured" : " typical") + ")";
}

} // namespace ai
