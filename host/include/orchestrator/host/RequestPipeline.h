#pragma once

#include "orchestrator/host/AccessLog.h"
#include "orchestrator/host/Cors.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/Metrics.h"
#include "orchestrator/host/RateLimiter.h"
#include "orchestrator/host/Router.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <atomic>
#include <memory>

namespace orch::host {

/// Settings of the request path, read once from the configuration.
struct PipelineSettings {
  std::size_t bodyLimit = 1 << 20; ///< server.body_limit
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

  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  /// Publishes the router to serve from; the previous one must outlive requests.
  void setRouter(const Router* router, bool ready);
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  /// A Poco handler factory that sends every request through the pipeline.
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit Factory(RequestPipeline& pipeline) : pipeline_(pipeline) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override;

  private:
    RequestPipeline& pipeline_;
  };

private:
  struct Exchange;
  void process(Exchange& exchange);
  bool authenticate(Exchange& exchange);
  /// Hands a WebSocket route's connection to the WebSocketHub.
  void upgradeWebSocket(Exchange& exchange);
  bool limitRate(Exchange& exchange);
  bool authorize(Exchange& exchange);
  bool readBody(Exchange& exchange);
  void discardUnreadBody(Exchange& exchange);
  void invoke(Exchange& exchange);
  void send(Exchange& exchange);
  void setHeaders(Exchange& exchange);
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
