#include "ModelHealth.h"

#include <algorithm>

namespace ai {
namespace {

void remember(std::deque<bool>& outcomes, bool success) {
  outcomes.push_back(success);
  if (outcomes.size() > ModelHealth::kWindow) outcomes.pop_front();
}

} // namespace

void ModelHealth::recordSuccess(const std::string& model, double responseMs, Clock::time_point) {
  std::lock_guard lock(mutex_);
  auto& record = records_[model];
  // An exponentially weighted mean follows a model that got slower within a
  // few calls while one slow outlier barely moves it.
  record.ewmaMs = record.measured ? 0.8 * record.ewmaMs + 0.2 * responseMs : responseMs;
  record.measured = true;
  record.failuresInRow = 0;
  remember(record.outcomes, true);
}

void ModelHealth::recordFailure(const std::string& model, Clock::time_point at) {
  std::lock_guard lock(mutex_);
  auto& record = records_[model];
  ++record.failuresInRow;
  record.lastFailure = at;
  remember(record.outcomes, false);
}

ModelHealth::View ModelHealth::view(const std::string& model, double typicalResponseMs, Clock::time_point at) const {
  View view;
  view.avgResponseMs = typicalResponseMs;
  std::lock_guard lock(mutex_);
  auto it = records_.find(model);
  if (it == records_.end()) return view;
  const auto& record = it->second;
  if (record.measured) {
    view.avgResponseMs = record.ewmaMs;
    view.measured = true;
  }
  view.calls = static_cast<std::int64_t>(record.outcomes.size());
  view.failures = std::count(record.outcomes.begin(), record.outcomes.end(), false);
  if (record.failuresInRow >= kUnavailableAfter && at - record.lastFailure < kProbeAfter)
    view.status = "unavailable";
  else if (view.failures > 0 && view.failures * 5 >= view.calls)
    view.status = "degraded";
  return view;
}

void ModelHealth::recordProviderOutage(const std::string& provider, Clock::time_point at) {
  std::lock_guard lock(mutex_);
  outages_[provider] = at;
}

void ModelHealth::recordProviderAnswer(const std::string& provider) {
  std::lock_guard lock(mutex_);
  outages_.erase(provider);
}

bool ModelHealth::providerDown(const std::string& provider, Clock::time_point at) const {
  std::lock_guard lock(mutex_);
  auto it = outages_.find(provider);
  return it != outages_.end() && at - it->second < kProbeAfter;
}

} // namespace ai
