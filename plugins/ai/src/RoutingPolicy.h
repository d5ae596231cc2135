#pragma once

#include "Catalog.h"
#include "ModelHealth.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ai {

/// What a caller asks the router to optimise.
enum class Priority { Cost, Performance, Balanced };

/// "cost", "performance", "balanced"; nullopt for anything else.
std::optional<Priority> parsePriority(std::string_view text);
/// The routing_reason clients read for a priority: "cost_optimized", ...
std::string routingReason(Priority priority);

/// What a request needs from a model.
struct RoutingNeeds {
  std::int64_t promptTokens = 1;
  std::int64_t maxTokens = 1024;
  std::vector<std::string> capabilities; ///< all required
  std::vector<std::string> providers;    ///< empty: any
  std::optional<double> budgetLimit;     ///< USD for this one call
  Priority priority = Priority::Balanced;
};

/// One model that can serve the request, with what the router knows of it.
struct Candidate {
  const ModelInfo* model = nullptr;
  double estimatedCost = 0; ///< USD, for promptTokens in and maxTokens out: an upper bound
  double score = 0;         ///< 0..1, higher is better for the priority
  ModelHealth::View health;
};

/// The ranked candidates, best first. When none is left, `emptyField` names
/// the request field whose filter removed the last ones and `emptyReason`
/// says why, for a 4xx naming it.
struct Ranking {
  std::vector<Candidate> candidates;
  std::string emptyField, emptyReason;
  std::size_t consideredModels = 0;
};

using HealthLookup = std::function<ModelHealth::View(const ModelInfo&)>;
using ProviderCheck = std::function<bool(const std::string& provider)>;

/// Filters the catalog by configured and requested providers, capabilities,
/// context window, output limit and budget, then ranks by the priority:
/// cost (log-scaled price, quality breaking near ties), performance (quality
/// and measured speed) or balanced (all three). Degraded models lose a fifth
/// of their score; unavailable ones go last, still tried when all else fails.
Ranking rank(const Models& models, const RoutingNeeds& needs, const HealthLookup& health,
             const ProviderCheck& configured);

/// How sure the router is of its first choice (0..1): the lead over the
/// runner-up, discounted for guesses (unmeasured latency, degraded health).
double confidence(const Ranking& ranking);

/// One sentence on why the first candidate won.
std::string explain(const Ranking& ranking, const RoutingNeeds& needs);

} // namespace ai
