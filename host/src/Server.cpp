#include "orchestrator/host/Server.h"

#include "orchestrator/host/OpenApi.h"
#include "orchestrator/host/SystemRoutes.h"

#include <Poco/Logger.h>

#include <orchestrator/ids.hpp>

#include <filesystem>
#include <fstream>

#include <sys/un.h>

#include <filesystem>

#include <sys/un.h>
#include <thread>

namespace orch::host {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("server"); }
constexpr long long kMaxInt = 2147483647;

} // namespace

ServerSettings ServerSettings::fromConfig(const Config& config, const std::string& defaultPluginsDir) {
  ServerSettings s;
  auto& http = s.http;
  auto integer = [&config](const char* key, int fallback, long long low, long long high) {
    return static_cast<int>(config.getInt(key, fallback, low, high));
  };
  auto seconds = [&config](const char* key, std::chrono::milliseconds fallback) {
    return std::chrono::milliseconds(1000 * config.getInt(key, fallback.count() / 1000, 1, 3600));
  };
  http.host = config.getString("server.host", http.host);
  http.port = integer("server.port", http.port, 0, 65535);
  s.dataDir = config.getString("server.data_dir", s.dataDir);
  s.pluginsDir = config.getString("plugins.dir", defaultPluginsDir);
  // A folder of its own: a container is given the folder, and nothing else of the data.
  http.unixSocket = config.getString("server.unix_socket",
                                     (std::filesystem::absolute(s.dataDir) / "run" / "orchestrator.sock").lexically_normal().string());
  http.ioThreads = integer("server.io_threads", http.ioThreads, 1, 64);
  http.workers = integer("server.threads", http.workers, 2, 10000);
  http.queue = integer("server.queue", http.queue, 1, 1000000);
  http.backlog = integer("server.backlog", http.backlog, 1, 65535);
  http.keepAlive = config.getBool("server.keep_alive", http.keepAlive);
  http.keepAliveTimeout = seconds("server.keep_alive_timeout", http.keepAliveTimeout);
  http.maxKeepAliveRequests = integer("server.max_keep_alive_requests", http.maxKeepAliveRequests, 1, kMaxInt);
  http.sendTimeout = seconds("server.timeout", http.sendTimeout);
  http.headTimeout = seconds("server.head_timeout", http.headTimeout);
  http.bodyTimeout = seconds("server.body_timeout", http.bodyTimeout);
  http.maxConnections = integer("server.max_connections", http.maxConnections, 1, 10000000);
  http.maxConnectionsPerClient = integer("server.max_connections_per_client", http.maxConnectionsPerClient, 1, 10000000);
  http.limits.maxHeaderCount = static_cast<std::size_t>(integer("server.max_header_count", 100, 1, 10000));
  http.limits.maxHeadBytes = static_cast<std::size_t>(integer("server.max_header_size", 16384, 256, 1 << 24));
  http.limits.maxBodyBytes = static_cast<std::size_t>(config.getInt("server.body_limit", 1 << 20, 1, 1LL << 32));
  s.shutdownTimeoutSeconds =
      static_cast<int>(config.getInt("server.shutdown_timeout", s.shutdownTimeoutSeconds, 0, 3600));
  s.jobWorkers = static_cast<int>(config.getInt("server.job_workers", s.jobWorkers, 1, 256));
  s.storageUrl = config.getString("storage.url", "");
  s.storagePoolMax = static_cast<int>(config.getInt("storage.pool_max", s.storagePoolMax, 1, 1024));
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

namespace {

/// This host's id, made once and kept in its data folder: what it labels
/// and records as its own (an agent's container, a worker pool), by which it
/// knows them again after a restart.
std::string hostIdIn(const std::string& dataDir) {
  auto file = std::filesystem::path(dataDir) / "host_id";
  if (std::ifstream in(file); in) {
    std::string id;
    if (std::getline(in, id) && !id.empty()) return id;
  }
  auto id = orch::newId();
  std::ofstream(file) << id << '\n';
  return id;
}

} // namespace

Server::Server(Config& config, ServerSettings settings)
    : config_(config), settings_(std::move(settings)), context_(config, static_cast<unsigned>(settings_.jobWorkers)),
      plugins_(context_), limiter_(settings_.rateLimitEnabled, settings_.rateLimits),
      pipeline_(context_, limiter_, metrics_, settings_.pipeline), docs_(config.getString("docs.dir", "share/orchestrator/docs")),
      startedAt_(std::chrono::steady_clock::now()) {}

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

  if (settings_.http.unixSocket.size() >= sizeof(sockaddr_un::sun_path)) {
    logger().warning("server.unix_socket %s is too long for a Unix socket (%z bytes at most): not serving on it",
                     settings_.http.unixSocket, sizeof(sockaddr_un::sun_path) - 1);
    settings_.http.unixSocket.clear();
  }
  // Plugins read where it is (agents give it to their workers).
  if (!config_.find("server.unix_socket")) config_.setDefault("server.unix_socket", settings_.http.unixSocket);
  if (!config_.find("server.host_id")) config_.setDefault("server.host_id", hostIdIn(settings_.dataDir));
  if (!config_.find("plugins.dir")) config_.setDefault("plugins.dir", settings_.pluginsDir);
  samples_ = std::make_unique<SystemSamples>(config_, context_, *health_, metrics_, settings_.dataDir,
                                             config_.getString("server.host_id", ""));
  // The service "system" (orchestrator/services/system.hpp): a reading of now, for metrics_update.
  context_.services.add("system", "host", Service{&Server::onSystemService, this});
  http_ = std::make_unique<HttpServer>(settings_.http, [this](HttpExchange& exchange) { pipeline_.handle(exchange); });
  http_->start();
  logger().information("listening on %s:%hu%s", settings_.http.host, http_->port(),
                       settings_.http.unixSocket.empty() ? std::string() : " and " + settings_.http.unixSocket);

  plugins_.loadAll(settings_.pluginsDir);
  auto applied = plugins_.applyMigrations();
  plugins_.startAll();
  health_->start();
  samples_->start();
  buildRouters();
  auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - startedAt_).count();
  logger().information("ready in %.1f ms: %z plugins, %z migrations applied, %s storage", elapsed,
                       plugins_.loadedCount(), applied, context_.storage->backendName());
}

orch_status Server::onSystemService(void* self, orch_str method, orch_str, orch_sink* result, orch_sink* error) {
  std::string text;
  try {
    if (std::string_view(method.ptr, method.len) != "sample") {
      text = "system: unknown method (sample)";
      error->write(error, text.data(), text.size());
      return ORCH_INVALID;
    }
    text = static_cast<Server*>(self)->samples().current().dump();
    result->write(result, text.data(), text.size());
    return ORCH_OK;
  } catch (const std::exception& e) {
    text = e.what();
    error->write(error, text.data(), text.size());
    return ORCH_ERROR;
  }
}

void Server::buildRouters() {
  router_ = std::make_unique<Router>();
  for (auto& route : systemRoutes(*this)) router_->add(route);
  for (auto& route : plugins_.acceptedRoutes()) router_->add(route);
  auto document = buildOpenApi(router_->routes(), ORCH_VERSION);
  std::vector<nlohmann::json> seeds;
  for (int seed = 0; seed < 10; ++seed)
    if (auto file = docs_.file("seed_00" + std::to_string(seed) + ".json"))
      seeds.push_back(nlohmann::json::parse(file->body, nullptr, false));
  addSeedExamples(document, *router_, seeds);
  openApi_ = document.dump();
  pipeline_.setRouter(router_.get(), true);
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  // Stop accepting; connections close after their current request.
  if (http_) http_->stop(std::chrono::seconds(settings_.shutdownTimeoutSeconds));
  // Before the plugins go: closing a WebSocket calls its plugin's on_close.
  if (context_.websockets) context_.websockets->stop();
  if (relay_) relay_->stop();
  context_.events.drain();
  // The host's timers (health checks, samples) call plugins' services.
  context_.scheduler.stopOwner("host");
  plugins_.shutdownAll();
  context_.scheduler.stop();
  context_.events.stop();
  logger().information("stopped");
}

} // namespace orch::host
