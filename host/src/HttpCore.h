#pragma once

// The HttpServer's insides, shared by HttpServer.cpp (listening, reactors,
// timeouts, stopping) and HttpConnection.cpp (one connection's reads,
// answers and hand-overs). Not part of the host's interface.

#include "HttpWorkers.h"
#include "RefusalLog.h"

#include "orchestrator/host/HttpServer.h"

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace orch::host {

using SteadyClock = std::chrono::steady_clock;

/// One client connection. Whoever holds `mutex` may touch it; between
/// events it belongs to its reactor (Reading, Writing, Lingering) or to one
/// worker (Handling), and epoll reports it (one-shot) only to its owner.
struct HttpConnection {
  enum class Phase {
    Reading,    ///< waiting for (the rest of) a request
    Handling,   ///< a worker runs the handler; the reactor only flushes `output`
    Writing,    ///< the answer is complete, the socket has not taken all of it
    Lingering,  ///< answered with an error: reading away what the client still sends, then closing
    Closed,
    HandedOver, ///< upgraded: the descriptor belongs to the WebSocket hub now
  };

  HttpConnection(std::uint64_t id, int fd, std::string clientIp, std::size_t reactor, const HttpLimits& limits)
      : id(id), fd(fd), clientIp(std::move(clientIp)), reactor(reactor), parser(limits) {}

  const std::uint64_t id;
  const int fd;
  const std::string clientIp;
  const std::size_t reactor; ///< index of the reactor that watches it

  std::mutex mutex;
  std::condition_variable drained; ///< `output` shrank or the connection is gone: a streaming worker goes on
  Phase phase = Phase::Reading;
  HttpRequestParser parser;
  SteadyClock::time_point since; ///< start of the current wait: idle, head, body piece, send, linger
  bool requestStarted = false;   ///< bytes of the next request have come
  bool headDone = false;         ///< its head is complete; the body is coming
  ParsedRequest current;         ///< the request being handled
  std::string input;             ///< bytes after `current`: the pipelined requests
  std::string output;            ///< what the socket has not taken yet
  std::size_t outputOffset = 0;
  unsigned served = 0;
  bool closeAfter = false; ///< the answer being sent is the connection's last
  bool gone = false;       ///< a write failed: the client is gone
  bool answered = false;
  bool streaming = false, chunked = false;
  bool shutDown = false; ///< lingering: our side is shut for writing
  std::size_t discarded = 0;
};

struct HttpServer::Core {
  Core(HttpServerSettings settings, Handler handler);

  struct Reactor {
    int epoll = -1;
    std::thread thread;
    std::mutex mutex; ///< guards `connections`
    std::unordered_map<std::uint64_t, std::shared_ptr<HttpConnection>> connections;
    SteadyClock::time_point lastScan, acceptPausedUntil;
    bool listening = false;
  };
  /// What consuming bytes left the connection with.
  enum class Outcome { NeedMore, Ready, Done };

  // HttpServer.cpp: listening, reactors, the timeout scan, stopping.
  void run(Reactor& reactor);
  void acceptAll(Reactor& reactor, int listening);
  void refuse(int fd, const std::string& clientIp, int status, std::string_view message);
  void scan(Reactor& reactor, SteadyClock::time_point now);
  void listen(Reactor& reactor, bool on);
  std::vector<std::shared_ptr<HttpConnection>> snapshot(Reactor& reactor);

  // HttpConnection.cpp: one connection.
  void onEvent(const std::shared_ptr<HttpConnection>& connection, std::uint32_t events);
  void readLocked(const std::shared_ptr<HttpConnection>& connection, std::unique_lock<std::mutex>& lock);
  Outcome consumeLocked(HttpConnection& connection, const char* data, std::size_t size);
  Outcome afterAnswerLocked(HttpConnection& connection);
  void dispatch(const std::shared_ptr<HttpConnection>& connection, std::unique_lock<std::mutex>& lock);
  void serve(std::shared_ptr<HttpConnection> connection); ///< a worker: handler, then the pipelined requests
  bool writeLocked(HttpConnection& connection, std::string_view bytes);
  bool flushLocked(HttpConnection& connection);
  void rearmLocked(HttpConnection& connection);
  void answerErrorLocked(HttpConnection& connection, int status, std::string_view message, std::string_view detailsJson = {});
  void lingerLocked(HttpConnection& connection);
  void closeLocked(HttpConnection& connection);
  void releaseLocked(HttpConnection& connection); ///< out of the tables, descriptor kept
  /// Waits (the caller's lock held around it) until `output` is below `bytes`; false once gone.
  bool waitForRoomLocked(HttpConnection& connection, std::unique_lock<std::mutex>& lock, std::size_t bytes);
  bool keepsAlive(const HttpConnection& connection) const;

  const HttpServerSettings settings;
  const Handler handler;
  Poco::Net::ServerSocket listener;
  int listenFd = -1;
  Poco::Net::ServerSocket unixListener; ///< server.unix_socket, when set
  int unixFd = -1;
  std::vector<std::unique_ptr<Reactor>> reactors;
  std::unique_ptr<HttpWorkers> workers;
  RefusalLog refusals;
  std::mutex clientsMutex;
  std::unordered_map<std::string, int> perClient; ///< open connections by address
  std::atomic<int> open{0};
  std::atomic<std::uint64_t> nextId{1};
  std::atomic<bool> draining{false}; ///< stopping: no new connections, every answer the last
  std::atomic<bool> stopping{false}; ///< reactors end
  int maxConnections = 0;            ///< the setting, within the descriptor limit
};

} // namespace orch::host
