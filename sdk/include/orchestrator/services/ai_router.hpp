// The service "ai.router" of the ai plugin: routed, recorded, budgeted model
// calls for other plugins (the workflow engine's ai_prompt step, agents).
// Both sides use these types, so the JSON they exchange is written here once.
//
//   orch::services::ai_router::Request request;
//   request.body = {{"prompt", "Summarize this"}, {"priority", "cost"}};
//   request.principal = step.principal;            // who pays
//   auto answer = orch::services::ai_router::complete(plugin, request);
#pragma once

#include "../plugin.hpp"

#include <cstdint>
#include <string>

namespace orch::services::ai_router {

inline constexpr const char* kService = "ai.router";
/// Decides and calls: an Answer, like POST ai/route.
inline constexpr const char* kComplete = "complete";
/// The decision alone, like POST models/route.
inline constexpr const char* kRoute = "route";
/// The catalog, like GET ai/models.
inline constexpr const char* kModels = "models";

/// A call: POST ai/route's body, who pays, and the step it is for.
struct Request {
  /// prompt and/or messages, system, model, fallback_models, providers,
  /// priority, task_type, max_tokens, temperature, routing_preferences, ...
  json body = json::object();
  /// Who pays: a principal {id, organization_ids} as the authenticator made it.
  json principal;
  std::string executionId, stepId; ///< recorded with the call

  json toJson() const {
    json out = body.is_object() ? body : json::object();
    out["principal"] = principal;
    if (!executionId.empty()) out["execution_id"] = executionId;
    if (!stepId.empty()) out["step_id"] = stepId;
    return out;
  }

  /// The request a caller sent. A caller without a principal may name the
  /// payer as "user_id" (and "organization_id").
  static Request fromJson(const json& message) {
    if (!message.is_object()) throw HttpError::validation("body", "Expected a JSON object");
    Request request;
    request.body = message;
    request.principal = message.value("principal", json());
    if (!request.principal.is_object()) {
      request.principal = {{"id", message.value("user_id", std::string())}, {"organization_ids", json::array()}};
      if (message.contains("organization_id")) request.principal["organization_ids"].push_back(message["organization_id"]);
    }
    request.executionId = message.value("execution_id", std::string());
    request.stepId = message.value("step_id", std::string());
    return request;
  }
};

/// A completion's answer (POST ai/route's body, less what a step needs not).
struct Answer {
  std::string response;
  std::string modelUsed, provider, callId;
  std::int64_t promptTokens = 0, completionTokens = 0, totalTokens = 0;
  double cost = 0; ///< US dollars
  json raw;        ///< the whole answer

  static Answer fromJson(const json& answer) {
    Answer out;
    out.raw = answer;
    out.response = answer.value("response", std::string());
    out.modelUsed = answer.value("model_used", std::string());
    out.provider = answer.value("provider", std::string());
    out.callId = answer.value("call_id", std::string());
    auto tokens = answer.value("tokens", json::object());
    out.promptTokens = tokens.value("prompt", std::int64_t{0});
    out.completionTokens = tokens.value("completion", std::int64_t{0});
    out.totalTokens = tokens.value("total", out.promptTokens + out.completionTokens);
    out.cost = answer.value("cost", 0.0);
    return out;
  }
};

/// Calls the router; throws with its message (a 402 budget refusal, a 422
/// naming a field, an AI service error) when it fails.
inline Answer complete(const Plugin& plugin, const Request& request) {
  return Answer::fromJson(plugin.callService(kService, kComplete, request.toJson()));
}

} // namespace orch::services::ai_router
