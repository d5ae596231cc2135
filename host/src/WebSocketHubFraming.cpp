// The WebSocket hub's framing: a connection's bytes read into frames and
// messages, its pings and close answered, and the frames queued for it
// written as its socket takes them. The registry is in WebSocketHub.cpp.

#include "orchestrator/host/WebSocketHub.h"

#include "orchestrator/host/WebSocketFrames.h"

#include "WebSocketConnection.h"

#include <Poco/Exception.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace orch::host {
namespace {

using namespace websocket;
using websocket_detail::steadyMs;

constexpr std::size_t kReadChunk = 16 * 1024;

} // namespace

bool WebSocketHub::queue(Connection& connection, std::string frame) {
  if (connection.outbox.size() - connection.sent + frame.size() > settings_.maxQueuedBytes) return false;
  connection.outbox += frame;
  return flushLocked(connection);
}

bool WebSocketHub::flushLocked(Connection& c) {
  if (!c.attached || c.gone) return true;
  while (c.sent < c.outbox.size()) {
    int n = 0;
    try {
      n = c.socket.sendBytes(c.outbox.data() + c.sent, static_cast<int>(std::min<std::size_t>(c.outbox.size() - c.sent, 1 << 20)));
    } catch (const Poco::Exception&) {
      return false;
    }
    if (n <= 0) break; // the kernel's buffer is full
    c.sent += static_cast<std::size_t>(n);
  }
  if (c.sent == c.outbox.size()) {
    c.outbox.clear();
    if (c.outbox.capacity() > 64 * 1024) c.outbox.shrink_to_fit();
    c.sent = 0;
  } else if (c.sent > 256 * 1024) {
    c.outbox.erase(0, c.sent);
    c.sent = 0;
  }
  bool want = !c.outbox.empty();
  if (want != c.wantWrites) {
    c.wantWrites = want;
    schedule(c.shared_from_this()); // the reactor watches for writability, or stops
  }
  return true;
}

void WebSocketHub::receive(const std::shared_ptr<Connection>& connection) {
  char buffer[kReadChunk];
  auto& c = *connection;
  {
    std::lock_guard lock(c.mutex);
    if (c.gone) return; // its teardown is scheduled
  }
  for (int reads = 0; reads < 8; ++reads) {
    int n = 0;
    try {
      n = c.socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::Exception&) {
      return shut(connection, close_code::kGoingAway, "", false);
    }
    if (n == 0) return shut(connection, close_code::kGoingAway, "", false); // the client closed
    if (n < 0) return;                                                       // nothing more for now
    c.lastHeardMs = steadyMs();
    bool closing;
    {
      std::lock_guard lock(c.mutex);
      closing = c.closing;
    }
    if (closing) continue; // only its FIN matters now
    c.inbox.append(buffer, static_cast<std::size_t>(n));
    if (!handleInbox(connection)) return;
    if (static_cast<std::size_t>(n) < sizeof buffer) return;
  }
}

bool WebSocketHub::handleInbox(const std::shared_ptr<Connection>& connection) {
  auto& c = *connection;
  std::size_t offset = 0;
  bool more = true;
  while (more) {
    {
      std::lock_guard lock(c.mutex);
      if (c.paused) break;
    }
    auto parsed = parseFrame(std::string_view(c.inbox).substr(offset), settings_.maxMessageBytes);
    if (parsed.kind == Parsed::Kind::Incomplete) break;
    if (parsed.kind == Parsed::Kind::Invalid) {
      shut(connection, parsed.closeCode, parsed.reason, true);
      return false;
    }
    offset += parsed.consumed;
    more = handleFrame(connection, parsed.frame);
  }
  c.inbox.erase(0, offset);
  if (c.inbox.capacity() > 64 * 1024 && c.inbox.size() < 1024) c.inbox.shrink_to_fit();
  std::lock_guard lock(c.mutex);
  return more && !c.paused;
}

bool WebSocketHub::handleFrame(const std::shared_ptr<Connection>& connection, Frame& frame) {
  auto& c = *connection;
  auto& payload = frame.payload;
  switch (frame.opcode) {
  case Opcode::Ping: {
    std::lock_guard lock(c.mutex);
    queue(c, encodeFrame(Opcode::Pong, payload));
    return true;
  }
  case Opcode::Pong:
    return true;
  case Opcode::Close: {
    auto [code, reason] = decodeClose(payload);
    {
      std::lock_guard lock(c.mutex);
      // Echo the client's code, unless it is one a close frame may not carry
      // (RFC 6455 7.4.1: under 1000, 1004-1006, 1015, beyond 4999).
      bool sendable = code >= 1000 && code <= 4999 && !(code >= 1004 && code <= 1006) && code != 1015;
      c.outbox += encodeClose(code == 1005 ? close_code::kNormal : sendable ? code : close_code::kProtocolError, "");
      flushLocked(c);
    }
    shut(connection, code, "", false);
    return false;
  }
  case Opcode::Continuation:
    if (c.messageOpcode < 0) {
      shut(connection, close_code::kProtocolError, "continuation without a message", true);
      return false;
    }
    c.message += payload;
    break;
  default:
    if (c.messageOpcode >= 0) {
      shut(connection, close_code::kProtocolError, "a new message inside a fragmented one", true);
      return false;
    }
    c.messageOpcode = static_cast<int>(frame.opcode);
    c.message.swap(payload);
  }
  if (c.message.size() > settings_.maxMessageBytes) {
    shut(connection, close_code::kMessageTooBig, "message larger than " + std::to_string(settings_.maxMessageBytes) + " bytes", true);
    return false;
  }
  if (!frame.fin) return true;
  auto kind = static_cast<Opcode>(c.messageOpcode);
  c.messageOpcode = -1;
  std::string text;
  text.swap(c.message);
  if (kind == Opcode::Binary) {
    shut(connection, close_code::kUnsupportedData, "binary messages are not supported; send JSON text", true);
    return false;
  }
  bool pause;
  {
    std::lock_guard lock(c.mutex);
    if (c.gone || c.closing) return false;
    c.waitingBytes += text.size();
    c.waiting.push_back(std::move(text));
    // A client that sends faster than its plugin handles is read no further
    // until the plugin catches up: TCP slows the client, memory stays bounded.
    pause = c.paused = c.waitingBytes >= settings_.maxQueuedBytes;
  }
  if (pause) schedule(connection);
  hand(connection);
  return true;
}

} // namespace orch::host
