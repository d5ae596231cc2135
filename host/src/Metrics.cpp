#include "orchestrator/host/Metrics.h"

#include <orchestrator/prometheus.hpp>

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace orch::host {
using orch::prometheus::escapeLabel;

Metrics::Metrics() : started_(std::chrono::system_clock::now()) {}

void Metrics::record(const std::string& method, const std::string& route, int status,
                     std::chrono::nanoseconds elapsed, bool probe) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  total_.fetch_add(1, std::memory_order_relaxed);
  if (status >= 400 && !probe) failed_.fetch_add(1, std::memory_order_relaxed);
  if (status >= 500 && !probe) serverErrors_.fetch_add(1, std::memory_order_relaxed);
  nanoseconds_.fetch_add(static_cast<std::uint64_t>(elapsed.count()), std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  auto& histogram = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++histogram.buckets[i];
  ++histogram.count;
  histogram.sum += seconds;
}

Metrics::Totals Metrics::totals() const {
  return {total_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed),
          serverErrors_.load(std::memory_order_relaxed), static_cast<double>(nanoseconds_.load(std::memory_order_relaxed)) / 1e9};
}

std::string Metrics::prometheus(std::size_t pluginsLoaded, std::size_t pluginsCrashed, const std::string& version) const {
  std::ostringstream out;
  out << "# HELP orch_http_requests_total HTTP requests by method, route template and status.\n"
      << "# TYPE orch_http_requests_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [key, count] : requests_) {
    const auto& [method, route, status] = key;
    out << "orch_http_requests_total{method=\"" << escapeLabel(method) << "\",route=\"" << escapeLabel(route)
        << "\",status=\"" << status << "\"} " << count << '\n';
  }
  // Seed 003's name for the same counts, by method and route template.
  std::map<std::pair<std::string, std::string>, std::uint64_t> byEndpoint;
  for (const auto& [key, count] : requests_) byEndpoint[{std::get<0>(key), std::get<1>(key)}] += count;
  out << "# HELP aimos_requests_total Total HTTP requests (seed 003's name), by method and route template.\n"
      << "# TYPE aimos_requests_total counter\n";
  for (const auto& [key, count] : byEndpoint)
    out << "aimos_requests_total{method=\"" << escapeLabel(key.first) << "\",endpoint=\"" << escapeLabel(key.second)
        << "\"} " << count << '\n';
  out << "# HELP orch_http_request_duration_seconds Time from request to response, by route template.\n"
      << "# TYPE orch_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    auto label = escapeLabel(route);
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
      out << "orch_http_request_duration_seconds_bucket{route=\"" << label << "\",le=\"" << kBuckets[i] << "\"} "
          << histogram.buckets[i] << '\n';
    out << "orch_http_request_duration_seconds_bucket{route=\"" << label << "\",le=\"+Inf\"} " << histogram.count
        << '\n'
        << "orch_http_request_duration_seconds_sum{route=\"" << label << "\"} " << histogram.sum << '\n'
        << "orch_http_request_duration_seconds_count{route=\"" << label << "\"} " << histogram.count << '\n';
  }
  out << "# HELP orch_plugins_loaded Plugins loaded and serving.\n# TYPE orch_plugins_loaded gauge\n"
      << "orch_plugins_loaded " << pluginsLoaded << '\n'
      << "# HELP orch_plugins_crashed Plugins whose step types are off after a crash, until a restart.\n"
      << "# TYPE orch_plugins_crashed gauge\n"
      << "orch_plugins_crashed " << pluginsCrashed << '\n'
      << "# HELP orch_build_info Build information.\n# TYPE orch_build_info gauge\n"
      << "orch_build_info{version=\"" << escapeLabel(version) << "\"} 1\n"
      << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      << "# TYPE process_resident_memory_bytes gauge\n"
      << "process_resident_memory_bytes " << residentMemoryBytes() << '\n'
      << "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
      << "# TYPE process_start_time_seconds gauge\n"
      << "process_start_time_seconds "
      << std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count() << '\n';
  return out.str();
}

std::uint64_t residentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

} // namespace orch::host
