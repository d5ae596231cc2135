#include "ModelUsage.h"

#include "SpendLedger.h"

#include <orchestrator/prometheus.hpp>

#include <iomanip>
#include <sstream>

namespace ai {

void ModelUsage::record(const CallRecord& call) {
  std::lock_guard lock(mutex_);
  auto& figures = byModel_[{call.model, call.provider}];
  ++figures.requestsByStatus[call.status];
  figures.promptTokens += static_cast<std::uint64_t>(call.promptTokens);
  figures.completionTokens += static_cast<std::uint64_t>(call.completionTokens);
  figures.costNanos += SpendLedger::toNanos(call.costUsd);
}

std::string ModelUsage::prometheus() const {
  using orch::prometheus::escapeLabel;
  std::ostringstream requests, tokens, cost;
  requests << "# HELP orch_ai_requests_total AI provider calls this host made, by model and status.\n"
           << "# TYPE orch_ai_requests_total counter\n";
  tokens << "# HELP orch_ai_tokens_total Tokens of this host's AI calls, by model and kind (prompt, completion).\n"
         << "# TYPE orch_ai_tokens_total counter\n";
  cost << std::setprecision(15) << "# HELP orch_ai_cost_usd_total What this host's AI calls cost, by model, in US dollars.\n"
       << "# TYPE orch_ai_cost_usd_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, figures] : byModel_) {
    auto labels = "model=\"" + escapeLabel(key.first) + "\",provider=\"" + escapeLabel(key.second) + "\"";
    for (const auto& [status, count] : figures.requestsByStatus)
      requests << "orch_ai_requests_total{" << labels << ",status=\"" << escapeLabel(status) << "\"} " << count << '\n';
    tokens << "orch_ai_tokens_total{" << labels << ",kind=\"prompt\"} " << figures.promptTokens << '\n'
           << "orch_ai_tokens_total{" << labels << ",kind=\"completion\"} " << figures.completionTokens << '\n';
    cost << "orch_ai_cost_usd_total{" << labels << "} " << static_cast<double>(figures.costNanos) / 1e9 << '\n';
  }
  return requests.str() + tokens.str() + cost.str();
}

} // namespace ai
