#pragma once

#include "Catalog.h"
#include "ModelHealth.h"
#include "ProviderRegistry.h"
#include "RoutingPolicy.h"
#include "SpendLedger.h"

#include <orchestrator/plugin.hpp>

#include <chrono>

namespace ai {

/// The gateway's limits: ai.max_attempts, ai.retries, ai.max_retry_wait_ms,
/// ai.request_timeout_ms, ai.default_max_tokens.
struct GatewaySettings {
  int maxAttempts = 3;   ///< models tried per request
  int retries = 2;       ///< extra tries of one model after a 429
  std::chrono::milliseconds maxRetryWait{10000};   ///< a longer Retry-After moves on to the next model
  std::chrono::milliseconds requestTimeout{120000}; ///< the whole request, fallbacks included
  std::int64_t defaultMaxTokens = 1024;
};

/// A routing or completion request, validated.
struct AiRequest {
  std::string system;
  std::vector<Message> messages;
  std::vector<Tool> tools;
  std::string toolChoice; ///< "auto", "none", "required" or empty
  std::int64_t promptTokens = 1; ///< estimated
  std::optional<std::int64_t> maxTokens;
  std::optional<double> temperature;
  RoutingNeeds needs;
  std::string model;                       ///< explicit choice, or empty
  std::vector<std::string> fallbackModels; ///< with an explicit model
  bool stream = false;
  Payer payer;
  std::string executionId, stepId, requestId;
};

/// The router and the calls: picks models, calls providers with retries and
/// fallbacks, keeps budgets and records every call. Shared by the HTTP routes
/// and the ai.router service. Thread safe.
class Gateway {
public:
  Gateway(Catalog& catalog, ModelHealth& health, SpendLedger& ledger, const ProviderRegistry& providers,
          GatewaySettings settings)
      : catalog_(catalog), health_(health), ledger_(ledger), providers_(providers), settings_(settings) {}

  /// Validates a request body (a JSON object: the fields of ai/route and models/route);
  /// throws HttpError 422 naming the field.
  AiRequest parse(const orch::json& body, const orch::json& principal) const;

  /// models/route: the decision alone.
  orch::json decide(const AiRequest& request) const;
  /// ai/route: decides and calls. With `onDelta`, the answer streams through it.
  /// Throws HttpError 402 (budget), 422 (nothing suitable) or 502 (every attempt failed).
  /// `providerTime`, when given, receives the time spent waiting for providers.
  orch::json complete(const AiRequest& request, const DeltaSink* onDelta,
                      std::chrono::microseconds* providerTime = nullptr);
  /// The catalog with measured health and whether each provider is configured.
  orch::json models(const orch::json& filters = orch::json::object()) const;

private:
  struct Plan {
    std::shared_ptr<const Models> models; ///< keeps the candidates' models alive
    std::vector<Candidate> candidates;
    std::string reason, explanation;
    double confidence = 0;
  };
  Plan plan(const AiRequest& request) const;
  ModelHealth::View healthOf(const ModelInfo& model) const;
  std::int64_t maxTokensFor(const AiRequest& request, const ModelInfo& model) const;

  Catalog& catalog_;
  ModelHealth& health_;
  SpendLedger& ledger_;
  const ProviderRegistry& providers_;
  GatewaySettings settings_;
};

} // namespace ai
