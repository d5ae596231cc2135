#include "orchestrator/host/SystemSamples.h"

#include "orchestrator/host/Config.h"
#include "orchestrator/host/HealthWatch.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/Metrics.h"
#include "orchestrator/host/ServiceCalls.h"

#include <orchestrator/procfs.hpp>
#include <orchestrator/time.hpp>

#include <Poco/Logger.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <sys/statvfs.h>

namespace orch::host {
namespace {

using json = nlohmann::json;

double rounded(double value, int digits) {
  auto scale = std::pow(10.0, digits);
  return std::round(value * scale) / scale;
}

/// Busy and total jiffies of all cores since boot.
std::pair<std::uint64_t, std::uint64_t> cpuJiffies() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  auto busy = user + nice + system + irq + softirq + steal;
  return {busy, busy + idle + iowait};
}

double memoryUsagePercent() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  std::uint64_t value = 0, total = 0, available = 0;
  while (meminfo >> key >> value >> unit) {
    if (key == "MemTotal:") total = value;
    if (key == "MemAvailable:") available = value;
  }
  return total ? rounded(100.0 * static_cast<double>(total - available) / static_cast<double>(total), 1) : 0.0;
}

double diskUsagePercent(const std::string& path) {
  struct statvfs fs {};
  if (statvfs(path.c_str(), &fs) != 0 || fs.f_blocks == 0) return 0.0;
  auto used = static_cast<double>(fs.f_blocks - fs.f_bfree);
  auto usable = used + static_cast<double>(fs.f_bavail);
  return usable > 0 ? rounded(100.0 * used / usable, 1) : 0.0;
}

/// Bytes received and sent on every interface but loopback, since boot.
std::uint64_t networkBytes() {
  std::ifstream dev("/proc/net/dev");
  auto [received, sent] = orch::procfs::networkBytes(dev);
  return received + sent;
}

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS orch_system_samples (host_id TEXT NOT NULL, at_ms BIGINT NOT NULL, "
    "cpu_usage DOUBLE PRECISION, memory_usage DOUBLE PRECISION, disk_usage DOUBLE PRECISION, network_io DOUBLE PRECISION, "
    "active_agents BIGINT, health_score DOUBLE PRECISION, PRIMARY KEY (host_id, at_ms))";
constexpr const char* kCreateIndex = "CREATE INDEX IF NOT EXISTS orch_system_samples_time ON orch_system_samples (at_ms)";

json sampleOf(const json& row) {
  return {{"timestamp", orch::rfc3339(row["at_ms"].get<std::int64_t>() / 1000)},
          {"cpu_usage", row["cpu_usage"]},
          {"memory_usage", row["memory_usage"]},
          {"disk_usage", row["disk_usage"]},
          {"network_io", row["network_io"]},
          {"active_agents_count", row["active_agents"]},
          {"system_health_score", row["health_score"]},
          {"host_id", row["host_id"]}};
}

} // namespace

SystemSamples::SystemSamples(const Config& config, HostContext& context, HealthWatch& health, Metrics& metrics,
                             std::string dataDir, std::string hostId)
    : context_(context), health_(health), metrics_(metrics), dataDir_(std::move(dataDir)), hostId_(std::move(hostId)),
      intervalMs_(config.getInt("system.sample_interval_ms", 60000, 100, 86400000)),
      retentionHours_(config.getInt("system.samples_retention_hours", 168, 1, 24 * 3650)) {
  auto [busy, total] = cpuJiffies();
  lastSample_ = {busy, total, networkBytes(), orch::nowMs()};
  lastCurrent_ = lastSample_;
}

json SystemSamples::machine(Reading& since) const {
  auto now = orch::nowMs();
  auto [busy, total] = cpuJiffies();
  auto bytes = networkBytes();
  double cpu = total > since.total ? 100.0 * static_cast<double>(busy - since.busy) / static_cast<double>(total - since.total) : 0.0;
  double seconds = std::max<double>(0.001, static_cast<double>(now - since.atMs) / 1000.0);
  json figures = {{"at_ms", now},
                  {"cpu_usage", rounded(cpu, 1)},
                  {"memory_usage", memoryUsagePercent()},
                  {"disk_usage", diskUsagePercent(dataDir_)},
                  {"network_io", rounded(static_cast<double>(bytes - since.bytes) / 1024.0 / seconds, 1)}};
  since = {busy, total, bytes, now};
  return figures;
}

json SystemSamples::current() {
  auto sample = latest();
  sample.erase("components");
  std::lock_guard lock(mutex_);
  auto figures = machine(lastCurrent_);
  for (const char* field : {"cpu_usage", "memory_usage", "disk_usage", "network_io"}) sample[field] = figures[field];
  sample["timestamp"] = orch::rfc3339(figures["at_ms"].get<std::int64_t>() / 1000);
  return sample;
}

void SystemSamples::start() {
  context_.storage->execute(kCreateTable, json::array());
  context_.storage->execute(kCreateIndex, json::array());
  // The series starts at start-up, not a minute later.
  try {
    take();
  } catch (const std::exception& e) {
    Poco::Logger::get("system").warning("system sample not recorded: %s", std::string(e.what()));
  }
  context_.scheduler.startTimer("host", std::chrono::milliseconds(intervalMs_), std::chrono::milliseconds(intervalMs_), [this] {
    try {
      take();
    } catch (const std::exception& e) {
      Poco::Logger::get("system").warning("system sample not recorded: %s", std::string(e.what()));
    }
  });
}

json SystemSamples::latest() {
  {
    std::lock_guard lock(mutex_);
    if (!latest_.is_null()) return latest_;
  }
  return take();
}

json SystemSamples::take() {
  std::lock_guard taking(takeMutex_);
  auto components = health_.check()["components"];
  std::size_t healthy = 0;
  for (const auto& [name, component] : components.items()) healthy += component["status"] == "healthy";
  std::optional<std::int64_t> activeAgents;
  try {
    if (auto counts = callService(context_, "agents", "counts", json::object()))
      activeAgents = (*counts)["by_status"].value("active", std::int64_t{0});
  } catch (const std::exception&) {
  }
  auto requests = metrics_.totals();
  json row;
  {
    std::lock_guard lock(mutex_);
    row = machine(lastSample_);
    auto answered = requests.requests - lastRequests_;
    double errorShare = answered ? static_cast<double>(requests.serverErrors - lastServerErrors_) / static_cast<double>(answered) : 0.0;
    double componentShare = components.empty() ? 1.0 : static_cast<double>(healthy) / static_cast<double>(components.size());
    row["host_id"] = hostId_;
    row["active_agents"] = activeAgents ? json(*activeAgents) : json(nullptr);
    row["health_score"] = rounded(componentShare * (1.0 - errorShare), 2);
    lastRequests_ = requests.requests;
    lastServerErrors_ = requests.serverErrors;
    latest_ = sampleOf(row);
    latest_["components"] = components;
  }
  context_.storage->execute("INSERT INTO orch_system_samples (host_id, at_ms, cpu_usage, memory_usage, disk_usage, network_io, "
                            "active_agents, health_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            json::array({row["host_id"], row["at_ms"], row["cpu_usage"], row["memory_usage"], row["disk_usage"],
                                         row["network_io"], row["active_agents"], row["health_score"]}));
  context_.storage->execute("DELETE FROM orch_system_samples WHERE at_ms < ?",
                            json::array({row["at_ms"].get<std::int64_t>() - retentionHours_ * 3600 * 1000}));
  std::lock_guard lock(mutex_);
  return latest_;
}

json SystemSamples::since(std::int64_t hours) const {
  json samples = json::array();
  for (const auto& row : context_.storage->query("SELECT host_id, at_ms, cpu_usage, memory_usage, disk_usage, network_io, "
                                                 "active_agents, health_score FROM orch_system_samples WHERE at_ms >= ? "
                                                 "ORDER BY at_ms, host_id",
                                                 json::array({orch::nowMs() - hours * 3600 * 1000})))
    samples.push_back(sampleOf(row));
  return samples;
}

} // namespace orch::host
