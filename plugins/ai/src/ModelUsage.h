#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace ai {

struct CallRecord;

/// The calls this host made since it started, by model, for the Prometheus
/// text (orchestrator/services/metrics.hpp): requests by status, tokens and
/// cost. Figures over time and tenants are the analytics plugin's.
class ModelUsage {
public:
  void record(const CallRecord& call);
  /// orch_ai_requests_total, orch_ai_tokens_total, orch_ai_cost_usd_total.
  std::string prometheus() const;

private:
  struct Figures {
    std::map<std::string, std::uint64_t> requestsByStatus;
    std::uint64_t promptTokens = 0, completionTokens = 0;
    std::int64_t costNanos = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Figures> byModel_; ///< (model, provider)
};

} // namespace ai
