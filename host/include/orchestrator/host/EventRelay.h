#pragma once

#include "orchestrator/host/EventBus.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace orch::host {

class Storage;

/// Carries events between the hosts that share one PostgreSQL database. What
/// this host publishes is sent with NOTIFY on the channel `orch_events`
/// (batched, off the publisher's thread); what the other hosts send arrives on
/// a LISTEN connection of its own and is published here as remote
/// (EventBus::publishRemote), so only subscribers that asked for every host's
/// events see it. Best effort, like NOTIFY itself: events sent while the
/// listener reconnects are lost, and the durable state is in the tables.
class EventRelay {
public:
  /// `conninfo`: libpq's connection string for the LISTEN connection.
  EventRelay(Storage& storage, EventBus& bus, std::string conninfo);
  ~EventRelay();

  void start();
  /// Sends what is queued (for up to a second), then stops both threads.
  void stop();

  /// NOTIFY payloads are limited to 8,000 bytes; an event whose payload is
  /// bigger than this stays on its host.
  static constexpr std::size_t kMaxEventBytes = 7000;

private:
  void queue(const std::string& topic, const std::string& payload);
  void sendLoop();
  void listenLoop();
  void receive(const char* notification);

  Storage& storage_;
  EventBus& bus_;
  const std::string conninfo_, hostId_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::string>> outbox_;
  std::atomic<bool> stopping_{false};
  std::thread sender_, listener_;
};

} // namespace orch::host
