#include "orchestrator/host/WebSocketHub.h"

#include "orchestrator/host/Config.h"
#include "orchestrator/host/WebSocketFrames.h"

#include "WebSocketConnection.h"

#include <orchestrator/plugin.hpp>

#include <Poco/Logger.h>
#include <Poco/NObserver.h>
#include <Poco/Net/SocketReactor.h>
#include <Poco/Net/StreamSocketImpl.h>

#include <atomic>
#include <chrono>
#include <vector>

namespace orch::host {

namespace websocket_detail {

std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

} // namespace websocket_detail

namespace {

using namespace websocket;
using Poco::Net::ErrorNotification;
using Poco::Net::ReadableNotification;
using Poco::Net::WritableNotification;
using websocket_detail::steadyMs;

Poco::Logger& logger() { return Poco::Logger::get("websocket"); }

constexpr std::int64_t kLingerMs = 5000;     ///< how long a closing client may take to answer
constexpr std::int64_t kMaintainEveryMs = 250;

} // namespace

WebSocketSettings WebSocketSettings::fromConfig(const Config& config) {
  WebSocketSettings s;
  s.maxMessageBytes = static_cast<std::size_t>(
      config.getInt("websocket.max_message_bytes", static_cast<long long>(s.maxMessageBytes), 125, 64LL << 20));
  s.maxQueuedBytes = static_cast<std::size_t>(
      config.getInt("websocket.max_queued_bytes", static_cast<long long>(s.maxQueuedBytes), 1024, 1LL << 32));
  s.maxConnectionsPerUser = static_cast<std::size_t>(
      config.getInt("websocket.max_connections_per_user", static_cast<long long>(s.maxConnectionsPerUser), 1, 1000000));
  s.pingIntervalMs = static_cast<std::int64_t>(
      config.getInt("websocket.ping_interval", s.pingIntervalMs / 1000, 1, 3600)) * 1000;
  s.authTimeoutMs = static_cast<std::int64_t>(config.getInt("websocket.auth_timeout", s.authTimeoutMs / 1000, 1, 3600)) * 1000;
  s.workers = static_cast<unsigned>(config.getInt("websocket.workers", s.workers, 1, 64));
  return s;
}

/// A SocketReactor whose quiet moments run the hub's upkeep instead of
/// sending a timeout notification to every socket.
class WebSocketHub::Reactor : public Poco::Net::SocketReactor {
public:
  explicit Reactor(WebSocketHub& hub) : Poco::Net::SocketReactor(Poco::Timespan(kMaintainEveryMs * 1000)), hub_(hub) {}

protected:
  void onTimeout() override { upkeep(); }
  void onIdle() override { upkeep(); }
  void onBusy() override { upkeep(); }

private:
  void upkeep() {
    hub_.applyScheduled();
    hub_.maintain();
  }

  WebSocketHub& hub_;
};

WebSocketHub::WebSocketHub(WebSocketSettings settings, Authenticator authenticator)
    : settings_(settings), authenticator_(std::move(authenticator)), reactor_(std::make_unique<Reactor>(*this)),
      callbacks_(settings.workers) {}

WebSocketHub::~WebSocketHub() { stop(); }

void WebSocketHub::start() {
  if (reactorThread_.isRunning()) return;
  // Poco 1.11's reactor cannot be woken out of its poll; a datagram to this
  // socket does it, so a change another thread asks for applies at once
  // rather than at the next poll timeout.
  waker_.bind(Poco::Net::SocketAddress("127.0.0.1", 0));
  waker_.connect(waker_.address());
  waker_.setBlocking(false);
  reactor_->addEventHandler(waker_, Poco::NObserver<WebSocketHub, ReadableNotification>(*this, &WebSocketHub::onWake));
  reactorThread_.start(*reactor_);
}

void WebSocketHub::onWake(const Poco::AutoPtr<ReadableNotification>&) {
  // Cleared before the changes are applied: a change asked for from now on sends another datagram.
  wakePending_ = false;
  char drain[64];
  try {
    while (waker_.available() > 0) waker_.receiveBytes(drain, sizeof drain);
  } catch (const Poco::Exception&) {
  }
  applyScheduled();
}

void WebSocketHub::stop() {
  if (reactorThread_.isRunning()) {
    reactor_->stop();
    reactor_->wakeUp();
    reactorThread_.wakeUp(); // out of its idle sleep
    reactorThread_.join();
  }
  std::vector<std::shared_ptr<Connection>> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, connection] : connections_) all.push_back(connection);
  }
  for (auto& connection : all) {
    {
      std::lock_guard lock(connection->mutex);
      if (connection->attached && !connection->gone) {
        connection->outbox += encodeClose(close_code::kGoingAway, "server shutting down");
        flushLocked(*connection);
      }
    }
    shut(connection, close_code::kGoingAway, "", false);
  }
  applyScheduled(); // the reactor has stopped: this thread may touch its handlers now
  // Every on_close before the plugins go; a callback stuck for long is left behind.
  {
    std::unique_lock lock(handingMutex_);
    if (!allHanded_.wait_for(lock, std::chrono::seconds(5), [&] { return handing_ == 0; }))
      logger().warning("%z WebSocket connections still in a plugin callback after 5 s", handing_);
  }
  callbacks_.stop();
}

bool WebSocketHub::admit(const std::string& userId) {
  std::lock_guard lock(mutex_);
  auto& count = perUser_[userId];
  if (count >= settings_.maxConnectionsPerUser) return false;
  ++count;
  return true;
}

void WebSocketHub::release(Connection& connection) {
  std::string userId;
  {
    std::lock_guard lock(connection.mutex);
    userId.swap(connection.userId);
  }
  if (userId.empty()) return;
  std::lock_guard lock(mutex_);
  auto it = perUser_.find(userId);
  if (it != perUser_.end() && --it->second == 0) perUser_.erase(it);
}

std::uint64_t WebSocketHub::create(WebSocketOpening opening) {
  auto connection = std::make_shared<Connection>();
  if (opening.principal) connection->userId = opening.principal->id;
  connection->opening = std::move(opening);
  std::lock_guard lock(mutex_);
  connection->id = nextId_++;
  connections_[connection->id] = connection;
  return connection->id;
}

std::shared_ptr<WebSocketHub::Connection> WebSocketHub::find(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(id);
  return it == connections_.end() ? nullptr : it->second;
}

std::shared_ptr<WebSocketHub::Connection> WebSocketHub::findBySocket(const Poco::Net::Socket& socket) const {
  std::lock_guard lock(mutex_);
  auto it = bySocket_.find(socket.impl());
  return it == bySocket_.end() ? nullptr : it->second;
}

std::optional<std::string> WebSocketHub::open(std::uint64_t id) {
  auto connection = find(id);
  if (!connection) return "the connection is gone";
  const auto& o = connection->opening;
  using orch::detail::view;
  static const std::string get = "GET";
  orch_request request{};
  request.struct_size = sizeof request;
  request.method = view(get);
  request.path = view(o.path);
  request.route_template = view(o.routeTemplate);
  request.query = view(o.query);
  request.params_json = view(o.paramsJson);
  request.principal_json = view(o.principal->json);
  request.request_id = view(o.requestId);
  request.client_ip = view(o.clientIp);
  orch::detail::StringSink message;
  auto status = o.route->onOpen(o.route->userData, id, &request, message.get());
  if (status != ORCH_OK) return message.text.empty() ? std::string("refused") : message.text;
  bool ended;
  {
    std::lock_guard lock(connection->mutex);
    connection->opened = true;
    ended = connection->gone || connection->closing;
    // It ended while on_open ran (a late authentication, a shutdown): the
    // plugin has just counted it, so it is owed its on_close.
    connection->closeOwed = ended;
  }
  if (ended) hand(connection);
  return std::nullopt;
}

void WebSocketHub::discard(std::uint64_t id) {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    auto it = connections_.find(id);
    if (it == connections_.end()) return;
    connection = it->second;
    connections_.erase(it);
  }
  release(*connection);
}

namespace {

/// A Poco socket around a descriptor accepted elsewhere (the HttpServer).
struct AdoptedSocket : Poco::Net::StreamSocket {
  explicit AdoptedSocket(int fd) : Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(fd)) {}
};

} // namespace

void WebSocketHub::attach(std::uint64_t id, int fd, std::string leftover) {
  Poco::Net::StreamSocket socket = AdoptedSocket(fd);
  auto connection = find(id);
  if (!connection) {
    socket.close();
    return;
  }
  socket.setBlocking(false);
  socket.setNoDelay(true);
  {
    std::lock_guard lock(mutex_);
    bySocket_[socket.impl()] = connection;
  }
  bool ok;
  {
    std::lock_guard lock(connection->mutex);
    connection->socket = socket;
    connection->attached = true;
    connection->inbox = std::move(leftover); // handled when the reactor first takes the connection
    auto now = steadyMs();
    connection->lastHeardMs = now;
    connection->lastPingMs = now;
    if (!connection->opened) connection->deadlineMs = now + settings_.authTimeoutMs;
    ok = flushLocked(*connection);
  }
  schedule(connection); // the reactor starts watching it
  if (!ok) shut(connection, close_code::kGoingAway, "", false);
}

orch_status WebSocketHub::send(std::uint64_t id, std::string_view text) {
  auto connection = find(id);
  if (!connection) return ORCH_NOT_FOUND;
  {
    std::lock_guard lock(connection->mutex);
    if (connection->gone || connection->closing) return ORCH_NOT_FOUND;
    if (queue(*connection, encodeFrame(Opcode::Text, text))) return ORCH_OK;
  }
  logger().warning("dropping WebSocket %?u: it reads too slowly (more than %z bytes queued)",
                   static_cast<unsigned long long>(id), settings_.maxQueuedBytes);
  shut(connection, close_code::kPolicyViolation, "", false);
  return ORCH_ERROR;
}

void WebSocketHub::close(std::uint64_t id, int code, std::string_view reason) {
  if (auto connection = find(id)) shut(connection, code, reason, true);
}

void WebSocketHub::schedule(std::shared_ptr<Connection> connection) {
  {
    std::lock_guard lock(scheduledMutex_);
    scheduled_.push_back(std::move(connection));
  }
  if (!wakePending_.exchange(true)) {
    try {
      waker_.sendBytes("w", 1);
    } catch (const Poco::Exception&) {
      wakePending_ = false; // the next poll timeout applies it
    }
  }
}

void WebSocketHub::applyScheduled() {
  std::vector<std::shared_ptr<Connection>> due;
  {
    std::lock_guard lock(scheduledMutex_);
    due.swap(scheduled_);
  }
  using Readable = Poco::NObserver<WebSocketHub, ReadableNotification>;
  using Writable = Poco::NObserver<WebSocketHub, WritableNotification>;
  using Error = Poco::NObserver<WebSocketHub, ErrorNotification>;
  for (auto& connection : due) {
    auto& c = *connection;
    if (c.closed) continue;
    bool gone, wantReads, wantWrites;
    {
      std::lock_guard lock(c.mutex);
      if (!c.attached) continue;
      gone = c.gone;
      wantReads = !gone && !c.paused;
      wantWrites = c.wantWrites && !gone;
    }
    // Outside the connection's lock: a handler being removed may be running
    // on this very socket, and Poco waits for it to finish.
    bool resumed = wantReads && !c.watchingReads && !c.inbox.empty();
    bool removed = false;
    if (wantReads != c.watchingReads) {
      if (wantReads) reactor_->addEventHandler(c.socket, Readable(*this, &WebSocketHub::onReadable));
      else reactor_->removeEventHandler(c.socket, Readable(*this, &WebSocketHub::onReadable));
      removed = !wantReads;
      c.watchingReads = wantReads;
    }
    if (wantWrites != c.watchingWrites) {
      if (wantWrites) reactor_->addEventHandler(c.socket, Writable(*this, &WebSocketHub::onWritable));
      else reactor_->removeEventHandler(c.socket, Writable(*this, &WebSocketHub::onWritable));
      removed = removed || !wantWrites;
      c.watchingWrites = wantWrites;
    }
    // The error handler stays while the connection lives. Adding it again
    // also sets the socket's poll mode anew: Poco 1.11 keeps polling for an
    // event whose handler was removed while others remain, and a socket that
    // stays readable or writable then spins the reactor.
    if (!gone && (removed || !c.watchingErrors)) reactor_->addEventHandler(c.socket, Error(*this, &WebSocketHub::onError));
    if (gone && c.watchingErrors) reactor_->removeEventHandler(c.socket, Error(*this, &WebSocketHub::onError));
    c.watchingErrors = !gone;
    // Frames read before the pause wait in the inbox; the socket may have
    // nothing new to say about them.
    if (resumed) handleInbox(connection);
    if (gone) {
      try {
        c.socket.close();
      } catch (const Poco::Exception&) {
      }
      c.closed = true;
    }
  }
}

void WebSocketHub::onWritable(const Poco::AutoPtr<WritableNotification>& notification) {
  auto connection = findBySocket(notification->socket());
  if (!connection) return;
  bool ok;
  {
    std::lock_guard lock(connection->mutex);
    ok = flushLocked(*connection);
  }
  if (!ok) shut(connection, close_code::kGoingAway, "", false);
}

void WebSocketHub::onError(const Poco::AutoPtr<ErrorNotification>& notification) {
  if (auto connection = findBySocket(notification->socket())) shut(connection, close_code::kGoingAway, "", false);
}

void WebSocketHub::onReadable(const Poco::AutoPtr<ReadableNotification>& notification) {
  if (auto connection = findBySocket(notification->socket())) receive(connection);
}

void WebSocketHub::hand(const std::shared_ptr<Connection>& connection) {
  {
    std::lock_guard lock(connection->mutex);
    if (connection->handing) return; // the running drain sees what was added
    connection->handing = true;
  }
  {
    std::lock_guard lock(handingMutex_);
    ++handing_;
  }
  callbacks_.submit("websockets", [this, connection] { drain(connection); });
}

void WebSocketHub::drain(const std::shared_ptr<Connection>& connection) {
  auto& c = *connection;
  const auto& route = *c.opening.route;
  for (;;) {
    std::string text;
    bool opened, ended, close = false;
    {
      std::lock_guard lock(c.mutex);
      opened = c.opened;
      ended = c.gone || c.closing;
      if (!c.waiting.empty() && (opened || !ended)) {
        text.swap(c.waiting.front());
        c.waiting.pop_front();
        c.waitingBytes -= text.size();
        if (c.paused && c.waitingBytes <= settings_.maxQueuedBytes / 2) {
          c.paused = false;
          schedule(connection); // read it again
        }
      } else if (c.closeOwed && !c.closeHanded) {
        c.closeHanded = close = true;
      } else {
        c.waiting.clear(); // an unauthenticated client's messages after its close
        c.waitingBytes = 0;
        c.handing = false;
        break;
      }
    }
    if (close) {
      if (route.onClose) route.onClose(route.userData, c.id);
    } else if (!opened) {
      authenticateFirstMessage(connection, text);
    } else if (route.onMessage) {
      // Messages that arrived before a close still reach the plugin, before its on_close.
      route.onMessage(route.userData, c.id, orch::detail::view(text));
    }
  }
  std::lock_guard lock(handingMutex_);
  if (--handing_ == 0) allHanded_.notify_all();
}

void WebSocketHub::authenticateFirstMessage(const std::shared_ptr<Connection>& connection, const std::string& text) {
  auto message = nlohmann::json::parse(text, nullptr, false);
  auto token = message.is_object() && message.value("type", "") == "auth" ? message.find("token") : message.end();
  if (!message.is_object() || token == message.end() || !token->is_string() || token->get<std::string>().empty())
    return shut(connection, close_code::kPolicyViolation, R"(authentication required: the first message must be {"type":"auth","token":"..."})", true);
  auto& opening = connection->opening;
  auto outcome = authenticator_({"", "", token->get<std::string>(), opening.clientIp, opening.path});
  if (outcome.status != ORCH_OK)
    return shut(connection, close_code::kPolicyViolation,
                "authentication failed: " + (outcome.message.empty() ? std::string("invalid token") : outcome.message), true);
  auto& principal = *outcome.principal;
  if (!opening.permission.empty() && !orch::grants(principal.permissions, opening.permission))
    return shut(connection, close_code::kPolicyViolation, "permission '" + opening.permission + "' is required", true);
  if (!admit(principal.id))
    return shut(connection, close_code::kPolicyViolation,
                "too many connections: at most " + std::to_string(settings_.maxConnectionsPerUser) + " per user", true);
  bool gone;
  {
    std::lock_guard lock(connection->mutex);
    connection->userId = principal.id;
    gone = connection->gone;
  }
  // The client left while it was authenticated here: nothing will shut it
  // again, so its slot is given back now.
  if (gone) return release(*connection);
  opening.principal = std::move(principal);
  if (auto refusal = open(connection->id)) shut(connection, close_code::kPolicyViolation, *refusal, true);
}

void WebSocketHub::shut(const std::shared_ptr<Connection>& connection, int code, std::string_view reason, bool graceful) {
  auto& c = *connection;
  bool notify = false, gone = false;
  {
    std::lock_guard lock(c.mutex);
    if (c.gone || (c.closing && graceful)) return;
    notify = c.opened && !c.closeOwed;
    c.closeOwed = c.closeOwed || notify;
    if (graceful && c.attached && !c.closing) {
      // Say why, then let the client answer before the socket closes.
      c.closing = true;
      c.outbox += encodeClose(code, reason);
      flushLocked(c);
      c.deadlineMs = steadyMs() + kLingerMs;
    } else {
      c.gone = gone = true;
    }
  }
  // The reactor thread alone unregisters and closes the socket: another
  // thread doing it could deadlock with a handler running for it.
  if (gone && c.attached) schedule(connection);
  if (gone) {
    std::lock_guard lock(mutex_);
    connections_.erase(c.id);
    if (c.attached) bySocket_.erase(c.socket.impl());
  }
  release(c);
  if (notify) hand(connection); // on_close, after the messages the plugin has not had yet
}

void WebSocketHub::maintain() {
  auto now = steadyMs();
  if (now - lastMaintainedMs_ < kMaintainEveryMs) return;
  lastMaintainedMs_ = now;
  std::vector<std::shared_ptr<Connection>> all;
  {
    std::lock_guard lock(mutex_);
    all.reserve(connections_.size());
    for (auto& [id, connection] : connections_) all.push_back(connection);
  }
  for (auto& connection : all) {
    auto& c = *connection;
    enum class Action { None, Linger, AuthLate, Silent, Slow } action = Action::None;
    {
      std::lock_guard lock(c.mutex);
      if (c.gone || !c.attached) continue;
      if (c.closing) {
        if (now > c.deadlineMs) action = Action::Linger;
      } else if (!c.opened) {
        if (now > c.deadlineMs) action = Action::AuthLate;
      } else if (now - c.lastHeardMs > 2 * settings_.pingIntervalMs) {
        action = Action::Silent;
      } else if (now - c.lastPingMs >= settings_.pingIntervalMs) {
        c.lastPingMs = now;
        if (!queue(c, encodeFrame(Opcode::Ping, ""))) action = Action::Slow;
      }
    }
    switch (action) {
    case Action::None: break;
    case Action::Linger:
    case Action::Slow: shut(connection, close_code::kGoingAway, "", false); break;
    case Action::AuthLate:
      shut(connection, close_code::kPolicyViolation, "authentication timed out: no auth message within " +
                                                         std::to_string(settings_.authTimeoutMs / 1000) + " s", true);
      break;
    case Action::Silent: shut(connection, close_code::kGoingAway, "no answer to ping", true); break;
    }
  }
}

} // namespace orch::host
