#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace containers {

/// seed 004's cpu_percent: CPU time over wall time between two samples of a
/// container's counter, in percent of one core. The earlier sample is the
/// last one taken (a health check or a GET ago, up to 30 s back), or one
/// taken 100 ms before when there is none.
class CpuSampler {
public:
  /// `read`: the container's CPU time so far in nanoseconds, nullopt when unknown.
  double percent(const std::string& id, const std::function<std::optional<std::int64_t>()>& read);
  void forget(const std::string& id);

private:
  struct Sample {
    std::int64_t nanos = -1;
    std::chrono::steady_clock::time_point at;
  };
  std::mutex mutex_;
  std::map<std::string, Sample> samples_;
};

} // namespace containers
