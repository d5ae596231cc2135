#include "ExecutionWebhooks.h"

#include "ExecutionView.h"
#include "outbound/OutboundHttp.h"
#include "outbound/WebhookSignature.h"

#include <orchestrator/time.hpp>

namespace workflows {

orch::json ExecutionWebhooks::payload(const orch::json& executionRow) {
  return {{"type", "workflow." + executionRow["status"].get<std::string>()},
          {"timestamp", orch::rfc3339Millis(orch::nowMs())},
          {"data", executionSummary(executionRow)}};
}

void ExecutionWebhooks::deliver(const ExecutionStore::Job& job) {
  auto row = engine_.store().execution(job.executionId);
  if (!row || !(*row)["webhook_url"].is_string()) {
    engine_.finishNotify(job.id);
    return;
  }
  outbound::OutboundRequest request;
  request.method = "POST";
  request.url = (*row)["webhook_url"].get<std::string>();
  request.body = payload(*row).dump();
  request.timeoutMs = 10000;
  request.allowPrivate = settings_->allowPrivateNetworks;
  // The same id on every attempt, so the receiver can drop duplicates.
  for (auto& header : outbound::webhook_signature::headers(settings_->webhookSecret, "msg_" + job.executionId,
                                                 orch::nowMs() / 1000, request.body))
    request.headers.push_back(std::move(header));
  std::string error;
  try {
    auto response = outbound::sendOutbound(request, settings_->tlsCaFile);
    if (response.status >= 200 && response.status < 300) {
      engine_.finishNotify(job.id);
      return;
    }
    error = "HTTP " + std::to_string(response.status);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (job.attempts >= engine_.settings().webhookAttempts) {
    engine_.finishNotify(job.id);
    return;
  }
  engine_.retryNotify(job.id, orch::nowMs() + engine_.backoffMs(job.attempts, engine_.settings().retryBaseMs), error);
}

} // namespace workflows
