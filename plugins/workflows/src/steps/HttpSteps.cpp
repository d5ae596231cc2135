// The steps that call out over HTTP: api_call and webhook.
#include "steps/BuiltinSteps.h"
#include "steps/StepCredentials.h"

#include "outbound/OutboundHttp.h"
#include "outbound/WebhookSignature.h"

#include <orchestrator/time.hpp>

namespace workflows::steps {
namespace {

outbound::OutboundRequest requestFrom(const StepSettings& settings, const orch::json& config, const std::string& defaultMethod) {
  outbound::OutboundRequest request;
  request.url = config["url"].get<std::string>();
  request.method = config.value("method", defaultMethod);
  // Held in a variable: items() of a temporary would iterate a destroyed object.
  auto headers = config.value("headers", orch::json::object());
  for (const auto& [name, value] : headers.items())
    request.headers.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
  if (config.contains("timeout") && config["timeout"].is_number())
    request.timeoutMs = static_cast<std::int64_t>(config["timeout"].get<double>() * 1000);
  // Only the operator opens private networks; a step's own flag cannot.
  request.allowPrivate = settings.allowPrivateNetworks;
  return request;
}

orch::json bodyOf(const outbound::OutboundResponse& response) {
  if (response.body.empty()) return nullptr;
  try {
    return orch::json::parse(response.body);
  } catch (const orch::json::exception&) {
    return response.body;
  }
}

void requireSuccess(const outbound::OutboundResponse& response) {
  if (response.status < 400) return;
  throw std::runtime_error("HTTP " + std::to_string(response.status) + " " + response.reason + " from " + response.url +
                           (response.body.empty() ? "" : ": " + response.body.substr(0, 300)));
}

} // namespace

orch::json apiCall(const orch::Plugin& plugin, const StepSettings& settings, const orch::StepContext& step) {
  auto request = requestFrom(settings, step.config, "GET");
  if (usesCredential(step)) request.secretHeaders = httpLogin(resolveCredential(plugin, step));
  if (step.config.contains("body") && !step.config["body"].is_null())
    request.body = step.config["body"].is_string() ? step.config["body"].get<std::string>() : step.config["body"].dump();
  auto response = outbound::sendOutbound(request, settings.tlsCaFile);
  if (step.config.value("fail_on_error", true)) requireSuccess(response);
  return {{"status_code", response.status},
          {"status", response.status},
          {"ok", response.status < 400},
          {"url", response.url},
          {"headers", response.headers},
          {"body", bodyOf(response)}};
}

orch::json webhook(const StepSettings& settings, const orch::StepContext& step) {
  auto request = requestFrom(settings, step.config, "POST");
  orch::json payload = step.config.contains("payload")
                           ? step.config["payload"]
                           : orch::json{{"execution_id", step.executionId}, {"step_id", step.stepId},
                                        {"input", step.input.value("input", orch::json::object())}};
  request.body = payload.dump();
  auto id = "msg_" + orch::newId();
  auto secret = step.config.value("secret", settings.webhookSecret);
  for (auto& header : outbound::webhook_signature::headers(secret, id, orch::nowMs() / 1000, request.body))
    request.headers.push_back(std::move(header));
  auto response = outbound::sendOutbound(request, settings.tlsCaFile);
  requireSuccess(response);
  return {{"delivered", true}, {"webhook_id", id}, {"status_code", response.status}, {"response", bodyOf(response)}};
}

} // namespace workflows::steps
