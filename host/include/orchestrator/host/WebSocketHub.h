#pragma once

#include "orchestrator/host/Authentication.h"
#include "orchestrator/host/Scheduler.h"
#include "orchestrator/host/WebSocketFrames.h"

#include <orchestrator/abi.h>

#include <Poco/AutoPtr.h>
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/SocketNotification.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Thread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace orch::host {

class Config;

/// The hooks of a WebSocket route (register_websocket_route).
struct WebSocketRoute {
  orch_on_websocket_open_fn onOpen = nullptr;
  orch_on_websocket_message_fn onMessage = nullptr;
  orch_on_websocket_close_fn onClose = nullptr;
  void* userData = nullptr;
  bool firstMessageAuth = false;
};

/// Limits of `websocket.*` in the config.
struct WebSocketSettings {
  std::size_t maxMessageBytes = 64 * 1024;   ///< a bigger message closes with 1009
  std::size_t maxQueuedBytes = 1024 * 1024;  ///< a client further behind is dropped; also bounds its messages waiting for the plugin (it is read no further)
  std::size_t maxConnectionsPerUser = 100;   ///< the next one is refused
  std::int64_t pingIntervalMs = 30000;       ///< silent for two intervals: dropped
  std::int64_t authTimeoutMs = 10000;        ///< for the first-message authentication
  unsigned workers = 2;                      ///< threads that run the plugins' callbacks

  static WebSocketSettings fromConfig(const Config& config);
};

/// What the upgrade request said, kept for on_open.
struct WebSocketOpening {
  std::shared_ptr<const WebSocketRoute> route;
  std::string permission, routeTemplate, path, query, paramsJson, clientIp, requestId;
  std::optional<Principal> principal; ///< empty until a first-message authentication
};

/// Every open WebSocket of the host. After the upgrade a connection belongs
/// to one reactor thread (a Poco SocketReactor over epoll), so ten thousand
/// idle clients cost memory, not threads. Senders on any thread queue text;
/// what the socket does not take at once waits in the connection's outbox,
/// bounded by maxQueuedBytes.
///
/// The reactor never calls a plugin: a first-message authentication (which
/// may ask the database), on_open, on_message and on_close run on a few
/// worker threads, one at a time per connection and in the order the client
/// sent, with on_close last. One slow plugin callback therefore delays its
/// own connection, not the other ten thousand; a client that sends faster
/// than its plugin handles is not read until the plugin catches up.
class WebSocketHub {
public:
  /// Turns the token of a first message into a principal.
  using Authenticator = std::function<Authentication(const Credentials&)>;

  WebSocketHub(WebSocketSettings settings, Authenticator authenticator);
  ~WebSocketHub();
  WebSocketHub(const WebSocketHub&) = delete;
  WebSocketHub& operator=(const WebSocketHub&) = delete;

  void start();
  /// Closes every connection (1001) and stops the reactor.
  void stop();
  const WebSocketSettings& settings() const { return settings_; }

  /// Takes one of the user's connection slots: false when all are in use.
  bool admit(const std::string& userId);

  /// A connection before its upgrade: messages sent to it wait for attach().
  std::uint64_t create(WebSocketOpening opening);
  /// Calls the route's on_open (the principal is known): the refusal's
  /// reason, or nullopt once accepted.
  std::optional<std::string> open(std::uint64_t id);
  /// Forgets a connection refused before the upgrade.
  void discard(std::uint64_t id);
  /// Hands the upgraded socket to the reactor.
  /// Takes the socket `fd` of an upgraded request, with the bytes the client
  /// sent after it (`leftover`, frames already), and serves it from here on.
  void attach(std::uint64_t id, int fd, std::string leftover = {});

  orch_status send(std::uint64_t id, std::string_view text);
  void close(std::uint64_t id, int code, std::string_view reason);

private:
  struct Connection;
  class Reactor;

  std::shared_ptr<Connection> find(std::uint64_t id) const;
  std::shared_ptr<Connection> findBySocket(const Poco::Net::Socket& socket) const;
  void onReadable(const Poco::AutoPtr<Poco::Net::ReadableNotification>& notification);
  void onWritable(const Poco::AutoPtr<Poco::Net::WritableNotification>& notification);
  void onError(const Poco::AutoPtr<Poco::Net::ErrorNotification>& notification);
  void onWake(const Poco::AutoPtr<Poco::Net::ReadableNotification>& notification);
  void receive(const std::shared_ptr<Connection>& connection);
  /// Handles the complete frames in the connection's inbox, on the reactor
  /// thread; false once it is closed or paused.
  bool handleInbox(const std::shared_ptr<Connection>& connection);
  /// Handles what a complete message or control frame asks; false once closed.
  bool handleFrame(const std::shared_ptr<Connection>& connection, websocket::Frame& frame);
  void authenticateFirstMessage(const std::shared_ptr<Connection>& connection, const std::string& text);
  /// Makes sure a worker is handing the connection's messages and owed
  /// on_close to its plugin. Any thread.
  void hand(const std::shared_ptr<Connection>& connection);
  /// On a worker: the connection's waiting messages, then its on_close when owed.
  void drain(const std::shared_ptr<Connection>& connection);
  /// Writes what the socket takes now; asks the reactor to watch for
  /// writability while bytes remain. The connection's mutex is held.
  bool flushLocked(Connection& connection);
  /// Asks the reactor thread to bring the connection's handlers in line with
  /// its state (watch reads, watch writes, or close). Any thread.
  void schedule(std::shared_ptr<Connection> connection);
  /// On the reactor thread (or once it has stopped): handler registration and
  /// socket closing, which only it does, so no other thread waits on a handler
  /// that waits on a connection lock.
  void applyScheduled();
  bool queue(Connection& connection, std::string frame);
  /// Sends a close frame and lets the client answer it (`graceful`), or
  /// drops the socket at once; on_close follows either way.
  void shut(const std::shared_ptr<Connection>& connection, int code, std::string_view reason, bool graceful);
  void release(Connection& connection);
  /// Pings, ping timeouts, first-message deadlines, lingering closes.
  void maintain();

  WebSocketSettings settings_;
  Authenticator authenticator_;
  std::unique_ptr<Reactor> reactor_;
  /// A Poco::Thread, not a std::thread: the reactor sleeps through
  /// Thread::trySleep while it has no socket, which returns at once on a
  /// thread Poco did not start (a busy loop).
  Poco::Thread reactorThread_{"websockets"};

  Poco::Net::DatagramSocket waker_; ///< a datagram to itself wakes the reactor (schedule)
  std::atomic<bool> wakePending_{false};
  std::mutex scheduledMutex_;
  std::vector<std::shared_ptr<Connection>> scheduled_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<Connection>> connections_;
  std::map<const void*, std::shared_ptr<Connection>> bySocket_;
  std::map<std::string, std::size_t> perUser_;
  std::uint64_t nextId_ = 1;
  std::int64_t lastMaintainedMs_ = 0;

  /// Runs the plugins' callbacks (drain); its own threads, so a slow plugin
  /// job does not hold up WebSocket messages.
  Scheduler callbacks_;
  std::mutex handingMutex_;
  std::condition_variable allHanded_;
  std::size_t handing_ = 0; ///< connections a worker is draining or will drain
};

} // namespace orch::host
