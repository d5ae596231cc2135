#include "HttpCore.h"

#include "orchestrator/host/ErrorEnvelope.h"

#include "HttpResponseHead.h"

#include <orchestrator/plugin.hpp>

#include <Poco/Logger.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace orch::host {
namespace {

using Phase = HttpConnection::Phase;

/// A streaming handler waits while more than this is unsent, and goes on below kLowWater.
constexpr std::size_t kHighWater = 256 * 1024, kLowWater = 64 * 1024;
/// A lingering connection reads away at most this much before it is closed.
constexpr std::size_t kMaxDiscard = 16u << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

Poco::Logger& logger() {
  static Poco::Logger& instance = Poco::Logger::get("http");
  return instance;
}

bool isHead(const ParsedRequest& request) { return request.method == "HEAD"; }

/// The exchange a worker hands to the handler: every call locks the connection.
class ServerExchange final : public HttpExchange {
public:
  ServerExchange(HttpServer::Core& core, std::shared_ptr<HttpConnection> connection)
      : core_(core), connection_(std::move(connection)) {}

  ParsedRequest& request() override { return connection_->current; }
  const std::string& clientIp() const override { return connection_->clientIp; }

  void respond(int status, const HttpHeaders& headers, std::string_view body) override {
    auto& c = *connection_;
    std::lock_guard lock(c.mutex);
    if (c.answered) return;
    c.answered = true;
    bool noBody = status < 200 || status == 204 || status == 304 || isHead(c.current);
    if (!core_.keepsAlive(c)) c.closeAfter = true;
    std::string bytes;
    bytes.reserve(256 + (noBody ? 0 : body.size()));
    appendResponseHead(bytes, status, headers, HttpFraming::Length, noBody ? 0 : body.size(), c.closeAfter,
                       c.current.versionMinor == 0);
    if (!noBody) bytes.append(body);
    core_.writeLocked(c, bytes);
  }

  bool startStream(int status, const HttpHeaders& headers) override {
    auto& c = *connection_;
    std::lock_guard lock(c.mutex);
    if (c.answered) return false;
    c.answered = c.streaming = true;
    // HTTP/1.0 has no chunked encoding: the end of the body is the end of the connection.
    c.chunked = c.current.versionMinor > 0;
    if (!c.chunked || !core_.keepsAlive(c)) c.closeAfter = true;
    std::string bytes;
    appendResponseHead(bytes, status, headers, c.chunked ? HttpFraming::Chunked : HttpFraming::UntilClose, 0,
                       c.closeAfter, !c.chunked);
    return core_.writeLocked(c, bytes);
  }

  bool streamChunk(std::string_view chunk) override {
    auto& c = *connection_;
    std::unique_lock lock(c.mutex);
    if (!c.streaming || c.gone || c.phase != Phase::Handling) return false;
    if (chunk.empty()) return true; // an empty chunk would end the body
    bool ok;
    if (c.chunked) {
      char size[24];
      auto length = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
      std::string framed;
      framed.reserve(chunk.size() + 32);
      framed.append(size, static_cast<std::size_t>(length)).append(chunk).append("\r\n");
      ok = core_.writeLocked(c, framed);
    } else {
      ok = core_.writeLocked(c, chunk);
    }
    return ok && core_.waitForRoomLocked(c, lock, kHighWater);
  }

  bool upgrade(const HttpHeaders& headers, const std::function<void(int fd, std::string leftover)>& takeOver) override {
    auto& c = *connection_;
    std::unique_lock lock(c.mutex);
    if (c.answered) return false;
    c.answered = true;
    std::string bytes;
    appendResponseHead(bytes, 101, headers, HttpFraming::None, 0, false, false);
    if (!core_.writeLocked(c, bytes) || !core_.waitForRoomLocked(c, lock, 1)) return false;
    // Out of the HTTP server's hands, descriptor and all; what the client sent
    // after the request already belongs to the new protocol.
    c.phase = Phase::HandedOver;
    core_.releaseLocked(c);
    auto leftover = std::move(c.input);
    int fd = c.fd;
    lock.unlock();
    takeOver(fd, std::move(leftover));
    return true;
  }

private:
  HttpServer::Core& core_;
  std::shared_ptr<HttpConnection> connection_;
};

} // namespace

bool HttpServer::Core::keepsAlive(const HttpConnection& c) const {
  return settings.keepAlive && c.current.keepAlive && !draining.load() &&
         c.served < static_cast<unsigned>(settings.maxKeepAliveRequests);
}

void HttpServer::Core::onEvent(const std::shared_ptr<HttpConnection>& connection, std::uint32_t events) {
  auto& c = *connection;
  std::unique_lock lock(c.mutex);
  if (!c.output.empty() && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
    if (!flushLocked(c)) {
      if (c.phase == Phase::Handling) return c.drained.notify_all(); // the worker closes it when its handler returns
      return closeLocked(c);
    }
    if (c.output.size() < kLowWater) c.drained.notify_all();
  }
  switch (c.phase) {
  case Phase::Handling: return rearmLocked(c);
  case Phase::Writing:
    if (!c.output.empty()) return rearmLocked(c);
    if (afterAnswerLocked(c) == Outcome::Ready) dispatch(connection, lock);
    return;
  case Phase::Lingering: {
    if (!c.output.empty()) return rearmLocked(c);
    if (!c.shutDown) {
      shutdown(c.fd, SHUT_WR);
      c.shutDown = true;
    }
    char scratch[16384];
    for (;;) {
      auto n = recv(c.fd, scratch, sizeof scratch, 0);
      if (n > 0 && (c.discarded += static_cast<std::size_t>(n)) <= kMaxDiscard) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return rearmLocked(c);
      return closeLocked(c);
    }
  }
  case Phase::Reading: return readLocked(connection, lock);
  default: return;
  }
}

void HttpServer::Core::readLocked(const std::shared_ptr<HttpConnection>& connection, std::unique_lock<std::mutex>& lock) {
  auto& c = *connection;
  thread_local char scratch[64 * 1024];
  for (;;) {
    auto n = recv(c.fd, scratch, sizeof scratch, 0);
    if (n > 0) {
      auto outcome = consumeLocked(c, scratch, static_cast<std::size_t>(n));
      if (outcome == Outcome::Ready) return dispatch(connection, lock);
      if (outcome == Outcome::Done) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return rearmLocked(c);
    if (n == 0) {
      c.parser.finish();
      if (c.parser.state() == HttpRequestParser::State::Failed)
        return answerErrorLocked(c, 400, "The connection closed in the middle of a request");
    }
    return closeLocked(c);
  }
}

HttpServer::Core::Outcome HttpServer::Core::consumeLocked(HttpConnection& c, const char* data, std::size_t size) {
  using State = HttpRequestParser::State;
  auto now = SteadyClock::now();
  if (!c.requestStarted) {
    c.requestStarted = true;
    c.since = now; // the head timeout runs from the request's first byte
  }
  auto used = c.parser.feed(data, size);
  switch (c.parser.state()) {
  case State::Failed: {
    auto status = c.parser.errorStatus();
    std::string details;
    if (status == 413) details = "{\"limit\":" + std::to_string(settings.limits.maxBodyBytes) + "}";
    auto message = status == 413 ? "Request body exceeds " + std::to_string(settings.limits.maxBodyBytes) + " bytes"
                                 : "Malformed request: " + c.parser.errorReason();
    if (status == 431 || status == 414) message = "Refused: " + c.parser.errorReason();
    if (status != 400) refusals.note(c.clientIp, status, c.parser.errorReason());
    answerErrorLocked(c, status, message, details);
    return Outcome::Done;
  }
  case State::Complete:
    c.current = c.parser.take();
    c.input.assign(data + used, size - used);
    c.phase = Phase::Handling;
    ++c.served;
    c.answered = c.streaming = c.closeAfter = false;
    return Outcome::Ready;
  case State::HeadReady:
    c.headDone = true;
    c.since = now;
    if (c.parser.head().expectsContinue()) writeLocked(c, kContinue);
    return Outcome::NeedMore;
  case State::NeedMore:
    if (c.headDone) c.since = now; // a piece of the body: the body timeout starts again
    return Outcome::NeedMore;
  }
  return Outcome::NeedMore;
}

void HttpServer::Core::dispatch(const std::shared_ptr<HttpConnection>& connection, std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  if (workers->submit(connection)) return;
  lock.lock();
  refusals.note(connection->clientIp, 503, "every worker is busy and server.queue requests wait");
  connection->current.keepAlive = false;
  answerErrorLocked(*connection, 503, "The server is busy; retry later");
}

void HttpServer::Core::serve(std::shared_ptr<HttpConnection> connection) {
  auto& c = *connection;
  for (;;) {
    {
      ServerExchange exchange(*this, connection);
      try {
        handler(exchange);
      } catch (const std::exception& e) {
        logger().error("request from %s failed: %s", c.clientIp, std::string(e.what()));
      }
      std::unique_lock lock(c.mutex);
      if (c.phase != Phase::Handling) return; // closed, or handed over
      if (!c.answered) {
        lock.unlock();
        exchange.respond(500, {{"Content-Type", "application/json"}},
                         errorEnvelope("INTERNAL_ERROR", "Internal server error", {}, orch::newId(), {}));
      }
    }
    std::unique_lock lock(c.mutex);
    if (c.phase != Phase::Handling) return;
    if (c.streaming && c.chunked) writeLocked(c, "0\r\n\r\n");
    if (afterAnswerLocked(c) != Outcome::Ready) return;
    // A pipelined request was waiting: this worker answers it, in order.
  }
}

HttpServer::Core::Outcome HttpServer::Core::afterAnswerLocked(HttpConnection& c) {
  if (c.gone) {
    closeLocked(c);
    return Outcome::Done;
  }
  if (!c.output.empty()) {
    c.phase = Phase::Writing;
    c.since = SteadyClock::now();
    rearmLocked(c);
    return Outcome::NeedMore;
  }
  if (c.closeAfter) {
    lingerLocked(c);
    return Outcome::Done;
  }
  c.phase = Phase::Reading;
  c.since = SteadyClock::now();
  c.requestStarted = c.headDone = c.streaming = false;
  c.current = ParsedRequest{};
  if (!c.input.empty()) {
    auto pending = std::move(c.input);
    c.input.clear();
    auto outcome = consumeLocked(c, pending.data(), pending.size());
    if (outcome != Outcome::NeedMore) return outcome;
  }
  // Idle: keep nothing but the descriptor and the parser.
  std::string().swap(c.input);
  std::string().swap(c.output);
  c.outputOffset = 0;
  rearmLocked(c);
  return Outcome::NeedMore;
}

bool HttpServer::Core::writeLocked(HttpConnection& c, std::string_view bytes) {
  if (c.gone || c.phase == Phase::Closed || c.phase == Phase::HandedOver) return false;
  if (c.output.empty()) {
    while (!bytes.empty()) {
      auto n = send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      c.gone = true;
      return false;
    }
    if (bytes.empty()) return true;
    c.since = SteadyClock::now();
  }
  c.output.append(bytes);
  rearmLocked(c); // the reactor sends the rest when the socket has room
  return true;
}

bool HttpServer::Core::flushLocked(HttpConnection& c) {
  while (c.outputOffset < c.output.size()) {
    auto n = send(c.fd, c.output.data() + c.outputOffset, c.output.size() - c.outputOffset, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.outputOffset += static_cast<std::size_t>(n);
      c.since = SteadyClock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    c.gone = true;
    return false;
  }
  if (c.outputOffset == c.output.size()) {
    c.output.clear();
    c.outputOffset = 0;
  } else if (c.outputOffset > kLowWater) {
    c.output.erase(0, c.outputOffset);
    c.outputOffset = 0;
  }
  return true;
}

void HttpServer::Core::rearmLocked(HttpConnection& c) {
  std::uint32_t mask = 0;
  bool pending = !c.output.empty();
  switch (c.phase) {
  case Phase::Reading: mask = EPOLLIN | (pending ? EPOLLOUT : 0u); break;
  case Phase::Handling: mask = pending ? EPOLLOUT : 0u; break;
  case Phase::Writing: mask = EPOLLOUT; break;
  case Phase::Lingering: mask = pending ? EPOLLOUT : EPOLLIN; break;
  default: return;
  }
  if (mask == 0) return;
  epoll_event event{};
  event.events = mask | EPOLLONESHOT;
  event.data.u64 = c.id;
  epoll_ctl(reactors[c.reactor]->epoll, EPOLL_CTL_MOD, c.fd, &event);
}

bool HttpServer::Core::waitForRoomLocked(HttpConnection& c, std::unique_lock<std::mutex>& lock, std::size_t bytes) {
  auto deadline = SteadyClock::now() + settings.sendTimeout;
  while (c.output.size() - c.outputOffset >= bytes && !c.gone && c.phase == Phase::Handling) {
    if (c.drained.wait_until(lock, deadline) == std::cv_status::timeout) {
      refusals.note(c.clientIp, 0, "did not read a streamed answer within server.timeout");
      c.gone = true;
    }
  }
  return !c.gone && c.phase == Phase::Handling;
}

void HttpServer::Core::answerErrorLocked(HttpConnection& c, int status, std::string_view message,
                                         std::string_view detailsJson) {
  auto bytes = errorResponse(status, message, detailsJson);
  c.phase = Phase::Lingering; // before writing: what the socket does not take waits for EPOLLOUT
  c.since = SteadyClock::now();
  if (!writeLocked(c, bytes)) return closeLocked(c);
  if (c.output.empty()) lingerLocked(c);
}

void HttpServer::Core::lingerLocked(HttpConnection& c) {
  // Closing with unread bytes would reset the connection, and the client
  // might lose the answer: shut our side, read theirs away for a moment.
  c.phase = Phase::Lingering;
  c.since = SteadyClock::now();
  if (!c.shutDown) {
    shutdown(c.fd, SHUT_WR);
    c.shutDown = true;
  }
  rearmLocked(c);
}

void HttpServer::Core::releaseLocked(HttpConnection& c) {
  epoll_ctl(reactors[c.reactor]->epoll, EPOLL_CTL_DEL, c.fd, nullptr);
  {
    std::lock_guard lock(reactors[c.reactor]->mutex);
    reactors[c.reactor]->connections.erase(c.id);
  }
  {
    std::lock_guard lock(clientsMutex);
    auto it = perClient.find(c.clientIp);
    if (it != perClient.end() && --it->second <= 0) perClient.erase(it);
  }
  --open;
  c.drained.notify_all();
}

void HttpServer::Core::closeLocked(HttpConnection& c) {
  if (c.phase == Phase::Closed || c.phase == Phase::HandedOver) return;
  c.phase = Phase::Closed;
  releaseLocked(c);
  ::close(c.fd);
}

} // namespace orch::host
