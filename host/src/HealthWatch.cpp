#include "orchestrator/host/HealthWatch.h"

#include "orchestrator/host/Config.h"
#include "orchestrator/host/ErrorEnvelope.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/Metrics.h"
#include "orchestrator/host/ServiceCalls.h"
#include "orchestrator/host/Storage.h"

#include <orchestrator/time.hpp>

#include <filesystem>

namespace orch::host {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

nlohmann::json measured(bool healthy, nlohmann::json fields) {
  fields["status"] = healthy ? "healthy" : "unhealthy";
  return fields;
}

} // namespace

HealthWatch::HealthWatch(const Config& config, HostContext& context, std::string dataDir)
    : context_(context), dataDir_(std::move(dataDir)),
      maxRssBytes_(static_cast<std::uint64_t>(config.getInt("health.max_rss_mb", 0, 0, 1LL << 30)) * kMiB),
      minFreeDiskBytes_(static_cast<std::uint64_t>(config.getInt("health.min_free_disk_mb", 100, 0, 1LL << 40)) * kMiB),
      intervalMs_(config.getInt("health.check_interval_ms", 15000, 100, 86400000)) {}

nlohmann::json HealthWatch::check() {
  nlohmann::json components;
  nlohmann::json storage = {{"backend", context_.storage->backendName()}};
  try {
    storage["latency_ms"] = context_.storage->ping().count() / 1000.0;
    components["storage"] = measured(true, storage);
  } catch (const std::exception&) {
    storage["message"] = "the database does not answer";
    components["storage"] = measured(false, storage);
  }
  auto rss = residentMemoryBytes();
  nlohmann::json memory = {{"rss_bytes", rss}, {"limit_bytes", maxRssBytes_ ? nlohmann::json(maxRssBytes_) : nullptr}};
  bool memoryHealthy = maxRssBytes_ == 0 || rss <= maxRssBytes_;
  if (!memoryHealthy) memory["message"] = "resident memory is over health.max_rss_mb";
  components["memory"] = measured(memoryHealthy, memory);
  std::error_code error;
  auto space = std::filesystem::space(dataDir_, error);
  nlohmann::json disk = {{"path", dataDir_}, {"minimum_free_bytes", minFreeDiskBytes_}};
  bool diskHealthy = !error && space.available >= minFreeDiskBytes_;
  if (!error) disk["free_bytes"] = space.available;
  if (!diskHealthy)
    disk["message"] = error ? "cannot read the data directory's free space: " + error.message()
                            : "free space in the data directory is under health.min_free_disk_mb";
  components["disk"] = measured(diskHealthy, disk);
  auto crashed = context_.crashes.all();
  nlohmann::json plugins = {{"crashed", crashed}};
  if (!crashed.empty()) plugins["message"] = "a plugin crashed; its step types are off until the host restarts";
  components["plugins"] = measured(crashed.empty(), plugins);
  // What plugins vouch for (orchestrator/services/health.hpp): their queue,
  // the servers they talk to.
  for (const auto& service : servicesStartingWith(context_, "health.")) {
    try {
      auto answer = callService(context_, service, "check", nlohmann::json::object());
      if (!answer || !answer->is_object()) continue;
      for (const auto& [name, component] : answer->items()) {
        if (components.contains(name)) continue;
        if (component.is_object() && component.value("status", nlohmann::json()).is_string()) {
          components[name] = component;
        } else {
          components[name] = {{"status", "unhealthy"}, {"message", service + " answered no status for " + name}};
        }
      }
    } catch (const std::exception& e) {
      components[service.substr(7)] = {{"status", "unhealthy"}, {"message", std::string("its check failed: ") + e.what()}};
    }
  }

  bool healthy = true;
  for (const auto& [name, component] : components.items()) healthy = healthy && component["status"] == "healthy";
  return {{"status", healthy ? "healthy" : "unhealthy"}, {"components", components}};
}

void HealthWatch::start() {
  context_.scheduler.startTimer("host", std::chrono::milliseconds(intervalMs_), std::chrono::milliseconds(intervalMs_),
                                [this] { alertChanges(check()["components"]); });
}

void HealthWatch::alertChanges(const nlohmann::json& components) {
  std::lock_guard lock(mutex_);
  for (const auto& [name, component] : components.items()) {
    auto status = component["status"].get<std::string>();
    auto& last = lastStatus_[name];
    // The first check only alerts on trouble; after that, on every change.
    bool changed = last.empty() ? status != "healthy" : status != last;
    last = status;
    if (!changed) continue;
    bool down = status != "healthy";
    context_.events.publish("system_alert", nlohmann::json{{"component", name},
                                                           {"status", status},
                                                           {"severity", down ? "critical" : "info"},
                                                           {"message", down ? component.value("message", name + " is unhealthy")
                                                                            : name + " is healthy again"},
                                                           {"details", component},
                                                           {"timestamp", orch::rfc3339Millis(orch::nowMs())}}
                                                .dump());
  }
}

} // namespace orch::host
