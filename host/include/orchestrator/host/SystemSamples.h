#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace orch::host {

class Config;
class HealthWatch;
class Metrics;
struct HostContext;

/// What the host records of the machine and of itself every
/// `system.sample_interval_ms` (default a minute) into orch_system_samples,
/// kept `system.samples_retention_hours` (default 168): GET system/metrics
/// (seed 003's series), GET system/status and metrics_update read them.
///
/// - cpu_usage: percent of all cores busy since the previous sample (/proc/stat);
/// - memory_usage: percent of the machine's memory in use (MemTotal - MemAvailable);
/// - disk_usage: percent of the data directory's file system in use;
/// - network_io: KiB a second sent and received since the previous sample,
///   on every interface but loopback (/proc/net/dev);
/// - active_agents_count: agents with status active (the agents plugin's counts);
/// - system_health_score: (healthy components / components checked, plugins'
///   included) x (1 - the share of requests since the previous sample that
///   answered 5xx), two decimals: 1 when everything is well.
class SystemSamples {
public:
  SystemSamples(const Config& config, HostContext& context, HealthWatch& health, Metrics& metrics, std::string dataDir,
                std::string hostId);

  /// Creates the table and starts the timer (after the plugins started).
  void start();
  /// The newest sample this host took; one is taken when there is none yet.
  nlohmann::json latest();
  /// A reading of now, for metrics_update: CPU, memory, disk and network
  /// since the previous reading (not stored), the agents and the health
  /// score of the newest sample.
  nlohmann::json current();
  /// Every host's samples of the last `hours`, oldest first.
  nlohmann::json since(std::int64_t hours) const;
  std::int64_t retentionHours() const { return retentionHours_; }

private:
  nlohmann::json take();
  /// Machine figures since `since` (which becomes now).
  struct Reading {
    std::uint64_t busy = 0, total = 0, bytes = 0;
    std::int64_t atMs = 0;
  };
  nlohmann::json machine(Reading& since) const;

  HostContext& context_;
  HealthWatch& health_;
  Metrics& metrics_;
  const std::string dataDir_, hostId_;
  const std::int64_t intervalMs_, retentionHours_;
  std::mutex mutex_;     ///< latest_ and the readings
  std::mutex takeMutex_; ///< one sample at a time: its deltas follow the previous one's
  nlohmann::json latest_;
  Reading lastSample_, lastCurrent_;
  std::uint64_t lastRequests_ = 0, lastServerErrors_ = 0;
};

} // namespace orch::host
