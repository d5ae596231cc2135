#include "engine/EngineFigures.h"

#include <iomanip>
#include <sstream>

namespace workflows {

void EngineFigures::ended(const std::string& event) {
  if (event == "execution_completed") ++completed_;
  else if (event == "execution_failed") ++failed_;
  else if (event == "execution_cancelled") ++cancelled_;
}

void EngineFigures::stepTook(std::int64_t micros) {
  // One bucket, the first that holds it (cumulated when rendered, so +Inf
  // and the count never fall below a bucket): two atomic adds a step.
  auto seconds = static_cast<double>(micros) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kStepBuckets.size() && seconds > kStepBuckets[bucket]) ++bucket;
  stepBuckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  stepMicros_.fetch_add(static_cast<std::uint64_t>(micros), std::memory_order_relaxed);
}

std::string EngineFigures::prometheus() const {
  std::ostringstream out;
  out << "# HELP orch_executions_total Executions this host's engine ended, by status.\n"
      << "# TYPE orch_executions_total counter\n"
      << "orch_executions_total{status=\"completed\"} " << completed_.load() << '\n'
      << "orch_executions_total{status=\"failed\"} " << failed_.load() << '\n'
      << "orch_executions_total{status=\"cancelled\"} " << cancelled_.load() << '\n'
      << "# HELP orch_step_duration_seconds The time of a step's own work (its handler, model, tool), on this host.\n"
      << "# TYPE orch_step_duration_seconds histogram\n";
  std::uint64_t cumulated = 0;
  for (std::size_t i = 0; i < kStepBuckets.size(); ++i) {
    cumulated += stepBuckets_[i].load();
    out << "orch_step_duration_seconds_bucket{le=\"" << kStepBuckets[i] << "\"} " << cumulated << '\n';
  }
  cumulated += stepBuckets_.back().load();
  out << "orch_step_duration_seconds_bucket{le=\"+Inf\"} " << cumulated << '\n'
      << std::setprecision(15) << "orch_step_duration_seconds_sum " << static_cast<double>(stepMicros_.load()) / 1e6 << '\n'
      << "orch_step_duration_seconds_count " << cumulated << '\n';
  return out.str();
}

} // namespace workflows
