#pragma once

#include "orchestrator/host/Config.h"
#include "orchestrator/host/EventRelay.h"
#include "orchestrator/host/HealthWatch.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/Metrics.h"
#include "orchestrator/host/PluginManager.h"
#include "orchestrator/host/RateLimiter.h"
#include "orchestrator/host/RequestPipeline.h"
#include "orchestrator/host/Router.h"

#include <chrono>
#include <memory>
#include <string>

namespace Poco::Net {
class HTTPServer;
}

namespace orch::host {

/// The host's own settings, read and validated once at start-up; a bad value
/// is a ConfigError naming its key.
struct ServerSettings {
  std::string host = "0.0.0.0";
  int port = 8080;
  std::string dataDir = "var";
  std::string pluginsDir;
  int threads = 256;            ///< HTTP worker threads: one per open keep-alive connection
  int queue = 1024;             ///< accepted connections waiting for a thread
  int backlog = 1024;           ///< listen(2) backlog
  bool keepAlive = true;
  int keepAliveTimeoutSeconds = 15;
  int maxKeepAliveRequests = 1000000;
  int requestTimeoutSeconds = 60;
  int shutdownTimeoutSeconds = 30;
  int jobWorkers = 4;
  std::string storageUrl;
  int storagePoolMax = 16;
  PipelineSettings pipeline;
  bool rateLimitEnabled = true;
  std::map<std::string, std::uint32_t> rateLimits;

  static ServerSettings fromConfig(const Config& config, const std::string& defaultPluginsDir);
};

/// The whole host: storage, plugins, the request pipeline and the HTTP server.
/// start() serves /health and /ready at once (503 until ready), then loads
/// plugins, applies migrations and starts them, then serves everything.
class Server {
public:
  Server(Config& config, ServerSettings settings);
  ~Server();

  /// Throws ConfigError, StorageError, RequiredPluginError or a Poco network
  /// error (port in use); nothing is left running then.
  void start();
  /// Graceful: stop accepting, let in-flight requests finish (up to
  /// server.shutdown_timeout), then shut the plugins down.
  void stop();

  bool ready() const { return pipeline_.ready(); }
  std::uint16_t port() const;
  HostContext& context() { return context_; }
  PluginManager& plugins() { return plugins_; }
  Metrics& metrics() { return metrics_; }
  HealthWatch& health() { return *health_; }
  const ServerSettings& settings() const { return settings_; }
  std::chrono::steady_clock::time_point startedAt() const { return startedAt_; }
  /// The OpenAPI document of the routes being served.
  const std::string& openApiJson() const { return openApi_; }

private:
  void buildRouters();

  Config& config_;
  ServerSettings settings_;
  HostContext context_;
  PluginManager plugins_;
  RateLimiter limiter_;
  Metrics metrics_;
  RequestPipeline pipeline_;
  std::unique_ptr<Router> bootRouter_, router_;
  std::unique_ptr<Poco::ThreadPool> threads_; // outlives the server that uses it
  std::unique_ptr<Poco::Net::HTTPServer> http_;
  std::unique_ptr<EventRelay> relay_; ///< PostgreSQL only: events to and from the other hosts
  std::unique_ptr<HealthWatch> health_;
  std::string openApi_;
  std::chrono::steady_clock::time_point startedAt_;
  bool stopped_ = false;
};

} // namespace orch::host
