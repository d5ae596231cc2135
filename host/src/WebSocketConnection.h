#pragma once

// One WebSocket of the hub, private to the host: its state, shared by the
// registry (WebSocketHub.cpp) and the framing (WebSocketHubFraming.cpp).

#include "orchestrator/host/WebSocketHub.h"

#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

namespace orch::host {

namespace websocket_detail {

/// A monotonic clock for pings and deadlines (the wall clock may jump).
std::int64_t steadyMs();

} // namespace websocket_detail

struct WebSocketHub::Connection : std::enable_shared_from_this<Connection> {
  std::uint64_t id = 0;
  WebSocketOpening opening;
  // Guarded by mutex: writes to the socket and the state below.
  std::mutex mutex;
  Poco::Net::StreamSocket socket;
  bool attached = false, closing = false, gone = false;
  bool wantWrites = false; ///< the outbox holds bytes the socket did not take
  std::string outbox;    ///< frames the socket has not taken yet, from `sent`
  std::size_t sent = 0;
  std::string userId;    ///< holds one of the user's slots while set
  // For the plugin, handed over by drain() on a worker.
  std::list<std::string> waiting; ///< messages the plugin has not had yet (a list: nothing allocated while empty)
  std::size_t waitingBytes = 0;
  bool handing = false;  ///< a worker drains `waiting`; nobody else may call the plugin
  bool paused = false;   ///< `waiting` is full: the client is not read until it drains
  bool opened = false;   ///< on_open accepted it: on_close is owed once it ends
  bool closeOwed = false, closeHanded = false;
  std::int64_t lastPingMs = 0, deadlineMs = 0; ///< deadline: first message, or end of a close
  std::atomic<std::int64_t> lastHeardMs{0};
  // The reactor thread's own.
  std::string inbox, message;
  int messageOpcode = -1;
  bool watchingReads = false, watchingWrites = false, watchingErrors = false, closed = false;
};

} // namespace orch::host
