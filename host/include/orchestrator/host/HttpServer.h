#pragma once

#include "orchestrator/host/HttpExchange.h"
#include "orchestrator/host/HttpRequestParser.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace orch::host {

/// The HTTP server's settings (server.* in the configuration), each with a
/// default that holds against slow and hostile clients.
struct HttpServerSettings {
  std::string host = "0.0.0.0";
  int port = 8080;
  /// server.unix_socket: a path to serve on as well (the link of agents'
  /// workers, which reaches a container with no network); empty: none.
  std::string unixSocket;
  int backlog = 1024;
  int ioThreads = 1;   ///< server.io_threads: reactors reading and writing every connection
  int workers = 256;   ///< server.threads: most threads running handlers, started as requests wait
  int queue = 1024;    ///< server.queue: complete requests waiting for a worker; beyond, 503
  bool keepAlive = true;
  std::chrono::milliseconds keepAliveTimeout{15000}; ///< an idle kept-alive connection is closed
  int maxKeepAliveRequests = 1000000;
  std::chrono::milliseconds headTimeout{10000}; ///< server.head_timeout: from a request's first byte to its head's end; 408
  std::chrono::milliseconds bodyTimeout{10000}; ///< server.body_timeout: between two pieces of a body; 408
  std::chrono::milliseconds sendTimeout{60000}; ///< server.timeout: an answer the client does not read is dropped
  int maxConnections = 20000;         ///< server.max_connections: open at once; beyond, 503
  int maxConnectionsPerClient = 1024; ///< server.max_connections_per_client: per address; beyond, 503
  HttpLimits limits;                  ///< header count and size (431, 414), body (413)
};

/// HTTP/1.1 on epoll: no thread per connection. Reactor threads accept,
/// read and parse (HttpRequestParser) every connection; only a complete
/// request goes to a worker, which runs `handler` and writes the answer
/// straight to the socket, leaving to the reactor what the socket does not
/// take at once. An idle connection is a descriptor and a few hundred bytes.
/// Requests on one connection are answered one at a time, in order
/// (pipelined ones wait in its buffer).
class HttpServer {
public:
  using Handler = std::function<void(HttpExchange&)>;

  HttpServer(HttpServerSettings settings, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts serving; throws Poco::Exception when the address is taken.
  void start();
  std::uint16_t port() const;
  /// Graceful: stops accepting, closes idle connections, lets requests in
  /// flight finish (answered with Connection: close) for up to `grace`, then
  /// closes what is left and joins every thread.
  void stop(std::chrono::milliseconds grace);
  /// Open connections, WebSocket ones (handed over) not counted.
  std::size_t connections() const;

  struct Core;

private:
  std::unique_ptr<Core> core_;
};

} // namespace orch::host
