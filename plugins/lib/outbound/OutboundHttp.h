#pragma once

#include <orchestrator/plugin.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace outbound {

/// One outbound HTTP request of a step.
struct OutboundRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Sent to the origin of `url` alone: a redirect to another scheme, host or
  /// port goes without them (a credential's login). Authorization, Cookie
  /// and Proxy-Authorization among `headers` are treated the same way.
  std::vector<std::pair<std::string, std::string>> secretHeaders;
  std::string body;
  std::int64_t timeoutMs = 30000;
  bool allowPrivate = false; ///< skip the network guard (config or step opt-in)
  int maxRedirects = 5;
};

/// What came back.
struct OutboundResponse {
  int status = 0;
  std::string reason, url; ///< url: where the final answer came from
  orch::json headers = orch::json::object();
  std::string body;
};

/// HTTP and HTTPS calls to the outside world for steps and webhooks. Every
/// hop (the first URL and each redirect) is resolved, checked by the network
/// guard and connected to by the address checked; TLS still verifies the
/// name. Answers beyond 10 MiB are refused. Throws std::runtime_error (or
/// BlockedDestination) with a sentence a workflow author can act on.
OutboundResponse sendOutbound(const OutboundRequest& request, const std::string& caFile = {});

} // namespace outbound
