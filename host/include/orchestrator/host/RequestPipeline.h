#pragma once

#include "orchestrator/host/AccessLog.h"
#include "orchestrator/host/Cors.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/HttpExchange.h"
#include "orchestrator/host/Metrics.h"
#include "orchestrator/host/RateLimiter.h"
#include "orchestrator/host/Router.h"

#include <atomic>
#include <memory>

namespace orch::host {

/// Settings of the request path, read once from the configuration.
struct PipelineSettings {
  bool accessLog = true;           ///< log.access
  std::vector<std::string> corsOrigins;
  bool corsCredentials = false;
};

/// The middleware chain every HTTP request goes through: request id → CORS →
/// router → authenticator → rate limit → permission → body limit and content
/// type → handler → response (or the standard error envelope), with metrics
/// and the access log around it. Shared by all worker threads: the router is
/// swapped in atomically once plugins are loaded.
class RequestPipeline {
public:
  RequestPipeline(HostContext& context, RateLimiter& limiter, Metrics& metrics, PipelineSettings settings);

  /// Runs on a worker of the HttpServer, with the complete request (the
  /// server has refused bodies over server.body_limit already).
  void handle(HttpExchange& http);
  /// Publishes the router to serve from; the previous one must outlive requests.
  void setRouter(const Router* router, bool ready);
  bool ready() const { return ready_.load(std::memory_order_acquire); }

private:
  struct Exchange;
  void process(Exchange& exchange);
  bool authenticate(Exchange& exchange);
  /// Hands a WebSocket route's connection to the WebSocketHub.
  void upgradeWebSocket(Exchange& exchange);
  bool limitRate(Exchange& exchange);
  bool authorize(Exchange& exchange);
  bool readBody(Exchange& exchange);
  void invoke(Exchange& exchange);
  void send(Exchange& exchange);
  HttpHeaders responseHeaders(Exchange& exchange) const;
  /// response_stream: sends the headers once, then `chunk`; false once the client is gone.
  bool streamChunk(Exchange& exchange, std::string_view chunk);

  HostContext& context_;
  RateLimiter& limiter_;
  Metrics& metrics_;
  PipelineSettings settings_;
  Cors cors_;
  std::unique_ptr<AccessLog> accessLog_; ///< null when log.access = false
  std::atomic<const Router*> router_{nullptr};
  std::atomic<bool> ready_{false};
};

/// Whether a principal's permissions grant `permission`: exact, "*",
/// "admin:*", or "<resource>:*".
bool grants(const std::vector<std::string>& permissions, const std::string& permission);

} // namespace orch::host
