#include "HttpCore.h"

#include "HttpResponseHead.h"

#include <Poco/Logger.h>
#include <Poco/Net/SocketAddress.h>

#include <filesystem>


#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace orch::host {
namespace {

Poco::Logger& logger() {
  static Poco::Logger& instance = Poco::Logger::get("http");
  return instance;
}

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kUnixListenerId = ~std::uint64_t{0}; ///< server.unix_socket's, beyond every connection id
constexpr auto kScanEvery = std::chrono::milliseconds(250);
constexpr auto kLingerFor = std::chrono::seconds(2);
/// Descriptors kept for everything else the host opens (database, plugins, logs).
constexpr int kReservedDescriptors = 256;

std::string addressText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "unknown";
  if (address.ss_family == AF_UNIX) return "unix"; // a process of this machine (an agent's worker)
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address).sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) inet_ntop(AF_INET, &v6.s6_addr[12], text, sizeof text);
    else inet_ntop(AF_INET6, &v6, text, sizeof text);
  }
  return text;
}

/// Raises the soft descriptor limit to the hard one: each connection is one.
int descriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur > 1u << 30 ? 1 << 30 : static_cast<int>(limit.rlim_cur);
}

} // namespace

HttpServer::Core::Core(HttpServerSettings settings, Handler handler)
    : settings(std::move(settings)), handler(std::move(handler)) {}

HttpServer::HttpServer(HttpServerSettings settings, Handler handler)
    : core_(std::make_unique<Core>(std::move(settings), std::move(handler))) {}

HttpServer::~HttpServer() { stop(std::chrono::milliseconds(0)); }

std::uint16_t HttpServer::port() const { return core_->listenFd < 0 ? 0 : core_->listener.address().port(); }

std::size_t HttpServer::connections() const { return static_cast<std::size_t>(core_->open.load()); }

void HttpServer::start() {
  auto& core = *core_;
  const auto& settings = core.settings;
  auto limit = descriptorLimit();
  core.maxConnections = std::min(settings.maxConnections, std::max(16, limit - kReservedDescriptors));
  if (core.maxConnections < settings.maxConnections)
    logger().warning("server.max_connections is %d but this process may open %d descriptors: at most %d connections",
                     settings.maxConnections, limit, core.maxConnections);
  core.listener.bind(Poco::Net::SocketAddress(settings.host, static_cast<Poco::UInt16>(settings.port)), true);
  core.listener.listen(settings.backlog);
  core.listener.setBlocking(false);
  core.listenFd = core.listener.impl()->sockfd();
  if (!settings.unixSocket.empty()) {
    // A socket left by a host that died is in the way, and nobody listens on it.
    std::error_code ignored;
    if (std::filesystem::is_socket(settings.unixSocket, ignored)) std::filesystem::remove(settings.unixSocket, ignored);
    std::filesystem::create_directories(std::filesystem::path(settings.unixSocket).parent_path(), ignored);
    core.unixListener.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, settings.unixSocket));
    core.unixListener.listen(settings.backlog);
    core.unixListener.setBlocking(false);
    core.unixFd = core.unixListener.impl()->sockfd();
  }

  unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  core.workers = std::make_unique<HttpWorkers>(cores, static_cast<unsigned>(settings.workers),
                                               static_cast<std::size_t>(settings.queue),
                                               [&core](std::shared_ptr<HttpConnection> c) { core.serve(std::move(c)); });
  for (int i = 0; i < settings.ioThreads; ++i) {
    auto reactor = std::make_unique<Core::Reactor>();
    reactor->epoll = epoll_create1(EPOLL_CLOEXEC);
    if (reactor->epoll < 0) throw Poco::IOException("epoll_create1 failed");
    core.listen(*reactor, true);
    core.reactors.push_back(std::move(reactor));
  }
  for (auto& reactor : core.reactors) reactor->thread = std::thread([&core, r = reactor.get()] { core.run(*r); });
}

void HttpServer::Core::listen(Reactor& reactor, bool on) {
  if (reactor.listening == on) return;
  epoll_event event{};
  // Several reactors wait on one listening socket: the kernel wakes one.
  event.events = EPOLLIN | (reactors.size() > 1 || settings.ioThreads > 1 ? EPOLLEXCLUSIVE : 0u);
  for (auto [fd, id] : {std::pair{listenFd, kListenerId}, std::pair{unixFd, kUnixListenerId}}) {
    if (fd < 0) continue;
    event.data.u64 = id;
    if (on) epoll_ctl(reactor.epoll, EPOLL_CTL_ADD, fd, &event);
    else epoll_ctl(reactor.epoll, EPOLL_CTL_DEL, fd, nullptr);
  }
  reactor.listening = on;
}

void HttpServer::Core::run(Reactor& reactor) {
  epoll_event events[256];
  while (!stopping.load(std::memory_order_acquire)) {
    int count = epoll_wait(reactor.epoll, events, 256, 100);
    for (int i = 0; i < count; ++i) {
      auto id = events[i].data.u64;
      if (id == kListenerId || id == kUnixListenerId) {
        acceptAll(reactor, id == kListenerId ? listenFd : unixFd);
        continue;
      }
      std::shared_ptr<HttpConnection> connection;
      {
        std::lock_guard lock(reactor.mutex);
        auto it = reactor.connections.find(id);
        if (it != reactor.connections.end()) connection = it->second;
      }
      if (connection) onEvent(connection, events[i].events);
    }
    auto now = SteadyClock::now();
    if (now - reactor.lastScan >= kScanEvery) {
      reactor.lastScan = now;
      scan(reactor, now);
      if (!reactor.listening && !draining && now >= reactor.acceptPausedUntil) listen(reactor, true);
    }
  }
}

void HttpServer::Core::acceptAll(Reactor& reactor, int listening) {
  for (;;) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int fd = accept4(listening, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: the listening socket would stay readable and spin the reactor.
        logger().warning("cannot accept connections: %s; pausing for a moment", std::string(std::strerror(errno)));
        listen(reactor, false);
        reactor.acceptPausedUntil = SteadyClock::now() + std::chrono::milliseconds(100);
      }
      return;
    }
    auto clientIp = addressText(address);
    if (draining) {
      ::close(fd);
      continue;
    }
    bool overTotal = open.load() >= maxConnections, overClient = false;
    if (!overTotal) {
      std::lock_guard lock(clientsMutex);
      auto& count = perClient[clientIp];
      overClient = count >= settings.maxConnectionsPerClient;
      if (!overClient) ++count;
    }
    if (overTotal || overClient) {
      refuse(fd, clientIp, 503,
             overTotal ? "The server has as many connections open as it accepts (server.max_connections); retry later"
                       : "This address has as many connections open as the server accepts from one "
                         "(server.max_connections_per_client); close some or retry later");
      continue;
    }
    ++open;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    std::size_t index = 0;
    for (std::size_t i = 0; i < reactors.size(); ++i)
      if (reactors[i].get() == &reactor) index = i;
    auto connection = std::make_shared<HttpConnection>(nextId++, fd, std::move(clientIp), index, settings.limits);
    connection->since = SteadyClock::now();
    {
      std::lock_guard lock(reactor.mutex);
      reactor.connections.emplace(connection->id, connection);
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.u64 = connection->id;
    epoll_ctl(reactor.epoll, EPOLL_CTL_ADD, fd, &event);
  }
}

void HttpServer::Core::refuse(int fd, const std::string& clientIp, int status, std::string_view message) {
  refusals.note(clientIp, status, message);
  // Read what already came, so that closing sends our answer rather than a reset.
  char scratch[4096];
  while (recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
  }
  auto answer = errorResponse(status, message);
  [[maybe_unused]] auto sent = send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  shutdown(fd, SHUT_WR);
  ::close(fd);
}

std::vector<std::shared_ptr<HttpConnection>> HttpServer::Core::snapshot(Reactor& reactor) {
  std::lock_guard lock(reactor.mutex);
  std::vector<std::shared_ptr<HttpConnection>> all;
  all.reserve(reactor.connections.size());
  for (auto& [id, connection] : reactor.connections) all.push_back(connection);
  return all;
}

void HttpServer::Core::scan(Reactor& reactor, SteadyClock::time_point now) {
  using Phase = HttpConnection::Phase;
  for (auto& connection : snapshot(reactor)) {
    auto& c = *connection;
    std::lock_guard lock(c.mutex);
    auto waited = now - c.since;
    switch (c.phase) {
    case Phase::Reading:
      if (!c.requestStarted) {
        if (draining) {
          closeLocked(c);
        } else if (c.served == 0 && waited > settings.headTimeout) {
          refusals.note(c.clientIp, 0, "sent no request within server.head_timeout");
          closeLocked(c);
        } else if (c.served > 0 && waited > settings.keepAliveTimeout) {
          closeLocked(c); // an ordinary idle keep-alive connection: nothing to report
        }
      } else if (!c.headDone ? waited > settings.headTimeout : waited > settings.bodyTimeout) {
        std::string_view what = c.headDone ? "the request body stalled longer than server.body_timeout"
                                           : "the request head took longer than server.head_timeout";
        refusals.note(c.clientIp, 408, what);
        answerErrorLocked(c, 408, c.headDone ? "The request body stopped arriving; send it without pauses"
                                             : "The request head did not arrive in time");
      }
      break;
    case Phase::Writing:
      if (waited > settings.sendTimeout) {
        refusals.note(c.clientIp, 0, "did not read its answer within server.timeout");
        closeLocked(c);
      }
      break;
    case Phase::Lingering:
      if (waited > kLingerFor) closeLocked(c);
      break;
    default: break;
    }
  }
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  auto& core = *core_;
  if (core.reactors.empty() || core.stopping) return;
  core.draining = true;
  for (auto& reactor : core.reactors) {
    epoll_ctl(reactor->epoll, EPOLL_CTL_DEL, core.listenFd, nullptr);
    if (core.unixFd >= 0) epoll_ctl(reactor->epoll, EPOLL_CTL_DEL, core.unixFd, nullptr);
  }
  // The reactors' scan closes idle connections; busy ones end after their answer.
  auto deadline = SteadyClock::now() + grace;
  while (core.open.load() > 0 && SteadyClock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (core.open.load() > 0)
    logger().warning("%d connections still open after the shutdown timeout; closing them", core.open.load());
  core.stopping = true;
  for (auto& reactor : core.reactors) reactor->thread.join();
  for (auto& reactor : core.reactors)
    for (auto& connection : core.snapshot(*reactor)) {
      std::lock_guard lock(connection->mutex);
      core.closeLocked(*connection);
    }
  core.workers->stop(); // running handlers see their writes fail and return
  for (auto& reactor : core.reactors) ::close(reactor->epoll);
  core.listener.close();
  if (core.unixFd >= 0) {
    core.unixListener.close();
    std::error_code ignored;
    std::filesystem::remove(core.settings.unixSocket, ignored);
  }
}

} // namespace orch::host
