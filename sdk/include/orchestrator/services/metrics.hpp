// A plugin's part of the host's Prometheus text (GET
// system/metrics/prometheus): the host calls every service named
// "metrics.<name>" (method "prometheus") and appends the `text` it answers,
// whole metric families in the text format (# HELP, # TYPE, samples).
#pragma once

#include "../plugin.hpp"
#include "../prometheus.hpp"

#include <functional>
#include <string>

namespace orch::services::metrics {

inline constexpr const char* kPrefix = "metrics.";
inline constexpr const char* kPrometheus = "prometheus";

/// Registers `render` as the families `name` adds.
inline void contribute(Plugin& plugin, const std::string& name, std::function<std::string()> render) {
  plugin.service(std::string(kPrefix) + name, [render = std::move(render)](const std::string& method, const json&) -> json {
    if (method != kPrometheus) throw HttpError::badRequest("metrics: unknown method '" + method + "' (prometheus)");
    return {{"text", render()}};
  });
}

using orch::prometheus::escapeLabel;

} // namespace orch::services::metrics
