#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

namespace workflows {

/// What this host's engine counted since it started, for the Prometheus
/// text (services/metrics.hpp): executions ended by status and a histogram
/// of steps' own time. Lock-free: every step adds to it.
class EngineFigures {
public:
  static constexpr std::array<double, 12> kStepBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                           0.25,  0.5,   1,    2.5,   5,    10};

  /// An execution ended with `event` (execution_completed, _failed, _cancelled).
  void ended(const std::string& event);
  void stepTook(std::int64_t micros);
  /// orch_executions_total{status} and orch_step_duration_seconds.
  std::string prometheus() const;

private:
  std::atomic<std::uint64_t> completed_{0}, failed_{0}, cancelled_{0};
  /// Per bucket, not cumulated; the last one is over the last bound.
  std::array<std::atomic<std::uint64_t>, kStepBuckets.size() + 1> stepBuckets_{};
  std::atomic<std::uint64_t> stepMicros_{0};
};

} // namespace workflows
