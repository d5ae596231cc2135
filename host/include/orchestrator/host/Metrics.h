#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace orch::host {

/// Request counters and latency histograms, rendered in the Prometheus text
/// format. Labels are the route *template* (never the raw path), so the number
/// of series stays bounded.
class Metrics {
public:
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,    0.25,  0.5,    1,     2.5,  5,     10};

  Metrics();
  /// One answered request; a probe's (Route::probe) is counted but never as a failure.
  void record(const std::string& method, const std::string& route, int status, std::chrono::nanoseconds elapsed,
              bool probe = false);
  /// Everything so far; the plugin counts and the process figures are added as gauges.
  std::string prometheus(std::size_t pluginsLoaded, std::size_t pluginsCrashed, const std::string& version) const;
  std::uint64_t totalRequests() const { return total_.load(std::memory_order_relaxed); }

  /// Every request since the start: how many, how many answered 4xx or
  /// 5xx, how many 5xx (probes' answers left out of both: /ready's 503 while loading),
  /// and the time they took in all.
  struct Totals {
    std::uint64_t requests = 0, failed = 0, serverErrors = 0;
    double seconds = 0;
  };
  Totals totals() const;

private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::atomic<std::uint64_t> total_{0}, failed_{0}, serverErrors_{0}, nanoseconds_{0};
  std::chrono::system_clock::time_point started_;
};

/// Resident memory of this process in bytes (from /proc/self/statm).
std::uint64_t residentMemoryBytes();

} // namespace orch::host
