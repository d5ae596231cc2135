#include "CpuSampler.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace containers {

double CpuSampler::percent(const std::string& id, const std::function<std::optional<std::int64_t>()>& read) {
  std::lock_guard lock(mutex_);
  auto& last = samples_[id];
  auto now = std::chrono::steady_clock::now();
  auto cpu = read();
  if (!cpu) return 0;
  if (last.nanos < 0 || *cpu < last.nanos || now - last.at > std::chrono::seconds(30)) {
    last = {*cpu, now};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    now = std::chrono::steady_clock::now();
    cpu = read();
    if (!cpu) return 0;
  }
  auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last.at).count();
  double percent = wall > 0 ? 100.0 * static_cast<double>(std::max<std::int64_t>(*cpu - last.nanos, 0)) / static_cast<double>(wall) : 0;
  last = {*cpu, now};
  return std::round(percent * 10) / 10;
}

void CpuSampler::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  samples_.erase(id);
}

} // namespace containers
