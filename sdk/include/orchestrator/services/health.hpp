// A plugin's part of the host's health: the host calls every service named
// "health.<name>" (method "check") when it checks itself (GET
// monitoring/health, GET health/detailed, its timer that publishes
// system_alert on a change, the system_health_score). The answer is
// {component: {"status": "healthy"|"unhealthy", "latency_ms", "message"?,
// ...}}: the components the plugin can vouch for (its queue, the servers it
// talks to). A check runs on the host's threads: keep it under a second.
#pragma once

#include "../plugin.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace orch::services::health {

inline constexpr const char* kPrefix = "health.";
inline constexpr const char* kCheck = "check";

/// Registers `check` as the components `name` answers for.
inline void contribute(Plugin& plugin, const std::string& name, std::function<json()> check) {
  plugin.service(std::string(kPrefix) + name, [check = std::move(check)](const std::string& method, const json&) -> json {
    if (method != kCheck) throw HttpError::badRequest("health: unknown method '" + method + "' (check)");
    return check();
  });
}

/// A component measured by running `probe`: healthy with its latency and
/// what it returned (an object's fields), or unhealthy with what it threw.
inline json timed(const std::function<json()>& probe) {
  auto start = std::chrono::steady_clock::now();
  json component;
  try {
    auto fields = probe();
    component = fields.is_object() ? fields : json::object();
    component["status"] = "healthy";
  } catch (const std::exception& e) {
    component = {{"status", "unhealthy"}, {"message", e.what()}};
  }
  component["latency_ms"] =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return component;
}

} // namespace orch::services::health
