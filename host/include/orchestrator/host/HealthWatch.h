#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace orch::host {

class Config;
struct HostContext;

/// The health of the host's components: `storage` (a round trip to the
/// database), `memory` (resident set under `health.max_rss_mb`) and `disk`
/// (free space in the data directory over `health.min_free_disk_mb`), and
/// those plugins vouch for through a service "health.<name>" (the
/// workflows' queue and SMTP server, the AI providers). GET
/// health/detailed shows check(); a timer runs it every
/// `health.check_interval_ms` and publishes `system_alert` when a component
/// turns unhealthy (severity "critical") and when it recovers ("info").
class HealthWatch {
public:
  HealthWatch(const Config& config, HostContext& context, std::string dataDir);

  /// {"status": "healthy"|"unhealthy", "components": {name: {"status", ...}}}.
  nlohmann::json check();
  /// Starts the periodic check on the host's scheduler.
  void start();

private:
  void alertChanges(const nlohmann::json& components);

  HostContext& context_;
  const std::string dataDir_;
  const std::uint64_t maxRssBytes_, minFreeDiskBytes_;
  const long long intervalMs_;
  std::mutex mutex_;
  std::map<std::string, std::string> lastStatus_;
};

} // namespace orch::host
