#include "orchestrator/host/Server.h"

#include "orchestrator/host/OpenApi.h"
#include "orchestrator/host/SystemRoutes.h"

#include <Poco/Logger.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <filesystem>
#include <thread>

namespace orch::host {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("server"); }
constexpr long long kMaxInt = 2147483647;

} // namespace

ServerSettings ServerSettings::fromConfig(const Config& config, const std::string& defaultPluginsDir) {
  ServerSettings s;
  s.host = config.getString("server.host", s.host);
  s.port = static_cast<int>(config.getInt("server.port", s.port, 0, 65535));
  s.dataDir = config.getString("server.data_dir", s.dataDir);
  s.pluginsDir = config.getString("plugins.dir", defaultPluginsDir);
  s.threads = static_cast<int>(config.getInt("server.threads", s.threads, 2, 10000));
  s.queue = static_cast<int>(config.getInt("server.queue", s.queue, 1, 1000000));
  s.backlog = static_cast<int>(config.getInt("server.backlog", s.backlog, 1, 65535));
  s.keepAlive = config.getBool("server.keep_alive", s.keepAlive);
  s.keepAliveTimeoutSeconds = static_cast<int>(config.getInt("server.keep_alive_timeout", s.keepAliveTimeoutSeconds, 1, 3600));
  s.maxKeepAliveRequests =
      static_cast<int>(config.getInt("server.max_keep_alive_requests", s.maxKeepAliveRequests, 1, kMaxInt));
  s.requestTimeoutSeconds = static_cast<int>(config.getInt("server.timeout", s.requestTimeoutSeconds, 1, 3600));
  s.shutdownTimeoutSeconds =
      static_cast<int>(config.getInt("server.shutdown_timeout", s.shutdownTimeoutSeconds, 0, 3600));
  s.jobWorkers = static_cast<int>(config.getInt("server.job_workers", s.jobWorkers, 1, 256));
  s.storageUrl = config.getString("storage.url", "");
  s.storagePoolMax = static_cast<int>(config.getInt("storage.pool_max", s.storagePoolMax, 1, 1024));
  s.pipeline.bodyLimit = static_cast<std::size_t>(
      config.getInt("server.body_limit", static_cast<long long>(s.pipeline.bodyLimit), 1, 1LL << 32));
  s.pipeline.accessLog = config.getBool("log.access", s.pipeline.accessLog);
  s.pipeline.corsOrigins = config.getList("cors.origins");
  s.pipeline.corsCredentials = config.getBool("cors.allow_credentials", false);
  s.rateLimitEnabled = config.getBool("ratelimit.enabled", true);
  s.rateLimits = RateLimiter::defaultLimits();
  // A category without its own per_minute uses "default" (RateLimiter::limitFor).
  for (const auto& category : config.subKeys("ratelimit")) {
    auto key = "ratelimit." + category + ".per_minute";
    if (config.find(key)) s.rateLimits[category] = static_cast<std::uint32_t>(config.getInt(key, 0, 1, 4000000000LL));
  }
  return s;
}

Server::Server(Config& config, ServerSettings settings)
    : config_(config), settings_(std::move(settings)), context_(config, static_cast<unsigned>(settings_.jobWorkers)),
      plugins_(context_), limiter_(settings_.rateLimitEnabled, settings_.rateLimits),
      pipeline_(context_, limiter_, metrics_, settings_.pipeline), startedAt_(std::chrono::steady_clock::now()) {}

Server::~Server() { stop(); }

std::uint16_t Server::port() const { return http_ ? http_->port() : 0; }

void Server::start() {
  std::filesystem::create_directories(settings_.dataDir);
  context_.storage = Storage::open({settings_.storageUrl, settings_.dataDir, 1, settings_.storagePoolMax});
  context_.websockets = std::make_unique<WebSocketHub>(
      WebSocketSettings::fromConfig(config_), [this](const Credentials& credentials) { return authenticate(context_, credentials); });
  context_.websockets->start();
  health_ = std::make_unique<HealthWatch>(config_, context_, settings_.dataDir);
  if (auto conninfo = context_.storage->libpqConninfo();
      !conninfo.empty() && config_.getBool("events.share_between_hosts", true)) {
    relay_ = std::make_unique<EventRelay>(*context_.storage, context_.events, conninfo);
    relay_->start();
  }

  // Serve /health and /ready while plugins load.
  bootRouter_ = std::make_unique<Router>();
  for (auto& route : systemRoutes(*this)) bootRouter_->add(route);
  pipeline_.setRouter(bootRouter_.get(), false);

  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(settings_.threads);
  params->setMaxQueued(settings_.queue);
  params->setKeepAlive(settings_.keepAlive);
  params->setKeepAliveTimeout(Poco::Timespan(settings_.keepAliveTimeoutSeconds, 0));
  params->setMaxKeepAliveRequests(settings_.maxKeepAliveRequests);
  params->setTimeout(Poco::Timespan(settings_.requestTimeoutSeconds, 0));
  params->setServerName("orchestrator");
  // Threads are started on demand; a small stack keeps 256 of them cheap.
  threads_ = std::make_unique<Poco::ThreadPool>(2, settings_.threads + 2, 60, 256 * 1024);
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress(settings_.host, static_cast<Poco::UInt16>(settings_.port)), true);
  socket.listen(settings_.backlog);
  http_ = std::make_unique<Poco::Net::HTTPServer>(new RequestPipeline::Factory(pipeline_), *threads_, socket, params);
  http_->start();
  logger().information("listening on %s:%hu", settings_.host, http_->port());

  plugins_.loadAll(settings_.pluginsDir);
  auto applied = plugins_.applyMigrations();
  plugins_.startAll();
  health_->start();
  buildRouters();
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - startedAt_).count();
  logger().information("ready in %.1f ms: %z plugins, %z migrations applied, %s storage", elapsed,
                       plugins_.loadedCount(), applied, context_.storage->backendName());
}

void Server::buildRouters() {
  router_ = std::make_unique<Router>();
  for (auto& route : systemRoutes(*this)) router_->add(route);
  for (auto& route : plugins_.acceptedRoutes()) router_->add(route);
  openApi_ = buildOpenApi(router_->routes(), ORCH_VERSION).dump();
  pipeline_.setRouter(router_.get(), true);
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (http_) {
    // Stop accepting; connections close after their current request.
    http_->stopAll(false);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings_.shutdownTimeoutSeconds);
    while (http_->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (http_->currentConnections() > 0) {
      logger().warning("%d connections still open after %d s; closing them", http_->currentConnections(),
                       settings_.shutdownTimeoutSeconds);
      http_->stopAll(true);
    }
    threads_->joinAll();
  }
  // Before the plugins go: closing a WebSocket calls its plugin's on_close.
  if (context_.websockets) context_.websockets->stop();
  if (relay_) relay_->stop();
  context_.events.drain();
  plugins_.shutdownAll();
  context_.scheduler.stop();
  context_.events.stop();
  logger().information("stopped");
}

} // namespace orch::host
