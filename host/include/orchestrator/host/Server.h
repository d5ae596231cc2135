#pragma once

#include "orchestrator/host/Config.h"
#include "orchestrator/host/DocsPages.h"
#include "orchestrator/host/EventRelay.h"
#include "orchestrator/host/HealthWatch.h"
#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/HttpServer.h"
#include "orchestrator/host/Metrics.h"
#include "orchestrator/host/PluginManager.h"
#include "orchestrator/host/RateLimiter.h"
#include "orchestrator/host/RequestPipeline.h"
#include "orchestrator/host/Router.h"
#include "orchestrator/host/SystemSamples.h"

#include <chrono>
#include <memory>
#include <string>

namespace orch::host {

/// The host's own settings, read and validated once at start-up; a bad value
/// is a ConfigError naming its key.
struct ServerSettings {
  std::string dataDir = "var";
  std::string pluginsDir;
  HttpServerSettings http; ///< server.host, server.port, server.threads, the connection limits
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
  SystemSamples& samples() { return *samples_; }
  DocsPages& docs() { return docs_; }
  Config& config() { return config_; }
  const ServerSettings& settings() const { return settings_; }
  std::chrono::steady_clock::time_point startedAt() const { return startedAt_; }
  /// The OpenAPI document of the routes being served.
  const std::string& openApiJson() const { return openApi_; }

private:
  void buildRouters();
  /// The host's service "system": method "sample" answers samples().latest().
  static orch_status onSystemService(void* self, orch_str method, orch_str request, orch_sink* result, orch_sink* error);

  Config& config_;
  ServerSettings settings_;
  HostContext context_;
  PluginManager plugins_;
  RateLimiter limiter_;
  Metrics metrics_;
  RequestPipeline pipeline_;
  std::unique_ptr<Router> bootRouter_, router_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<EventRelay> relay_; ///< PostgreSQL only: events to and from the other hosts
  std::unique_ptr<HealthWatch> health_;
  std::unique_ptr<SystemSamples> samples_;
  DocsPages docs_;
  std::string openApi_;
  std::chrono::steady_clock::time_point startedAt_;
  bool stopped_ = false;
};

} // namespace orch::host
