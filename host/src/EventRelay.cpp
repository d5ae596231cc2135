#include "orchestrator/host/EventRelay.h"

#include "orchestrator/host/Storage.h"

#include <Poco/Logger.h>
#include <Poco/UUIDGenerator.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <poll.h>

namespace orch::host {
namespace {

constexpr const char* kChannel = "orch_events";
constexpr std::size_t kMaxQueued = 10000;
constexpr std::size_t kMaxNotifyBytes = 7999; // NOTIFY takes payloads shorter than 8000 bytes

Poco::Logger& logger() { return Poco::Logger::get("events"); }

} // namespace

EventRelay::EventRelay(Storage& storage, EventBus& bus, std::string conninfo)
    : storage_(storage), bus_(bus), conninfo_(std::move(conninfo)),
      hostId_(Poco::UUIDGenerator::defaultGenerator().createRandom().toString()) {}

EventRelay::~EventRelay() { stop(); }

void EventRelay::start() {
  bus_.setRelay([this](const std::string& topic, const std::string& payload) { queue(topic, payload); });
  sender_ = std::thread([this] { sendLoop(); });
  listener_ = std::thread([this] { listenLoop(); });
}

void EventRelay::stop() {
  if (stopping_.exchange(true)) return;
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
  if (listener_.joinable()) listener_.join();
}

void EventRelay::queue(const std::string& topic, const std::string& payload) {
  if (stopping_ || payload.size() > kMaxEventBytes) return;
  std::lock_guard lock(mutex_);
  if (outbox_.size() >= kMaxQueued) {
    // The database cannot keep up; the newest events matter most to a live view.
    outbox_.pop_front();
  }
  outbox_.emplace_back(topic, payload);
  wake_.notify_one();
}

void EventRelay::sendLoop() {
  auto deadline = std::chrono::steady_clock::time_point::max();
  for (;;) {
    std::deque<std::pair<std::string, std::string>> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !outbox_.empty(); });
      if (stopping_ && deadline == std::chrono::steady_clock::time_point::max())
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      if (outbox_.empty() || std::chrono::steady_clock::now() > deadline) return;
      batch.swap(outbox_);
    }
    // Several events per notification: one round trip carries a burst. Sizes
    // are of the escaped text, exactly what NOTIFY limits.
    const std::string head = R"({"h":")" + hostId_ + R"(","e":[)";
    std::string text = head;
    auto send = [&] {
      if (text.size() == head.size()) return;
      try {
        storage_.execute("SELECT pg_notify(?, ?)", nlohmann::json::array({kChannel, text + "]}"}));
      } catch (const std::exception& e) {
        logger().warning("cannot send events to the other hosts: %s", std::string(e.what()));
      }
      text = head;
    };
    for (const auto& [topic, payload] : batch) {
      auto entry = nlohmann::json::array({topic, payload}).dump();
      if (head.size() + entry.size() + 2 > kMaxNotifyBytes) continue; // stays on this host (see kMaxEventBytes)
      if (text.size() + entry.size() + 3 > kMaxNotifyBytes) send();
      if (text.size() > head.size()) text += ',';
      text += entry;
    }
    send();
  }
}

void EventRelay::listenLoop() {
  bool reported = false;
  while (!stopping_) {
    PGconn* connection = PQconnectdb(conninfo_.c_str());
    bool listening = PQstatus(connection) == CONNECTION_OK;
    if (listening) {
      PGresult* result = PQexec(connection, (std::string("LISTEN ") + kChannel).c_str());
      listening = PQresultStatus(result) == PGRES_COMMAND_OK;
      PQclear(result);
    }
    if (!listening) {
      if (!reported) logger().warning("cannot listen for other hosts' events: %s", std::string(PQerrorMessage(connection)));
      reported = true;
      PQfinish(connection);
      for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (reported) logger().information("listening for other hosts' events again");
    reported = false;
    while (!stopping_) {
      pollfd descriptor{PQsocket(connection), POLLIN, 0};
      if (poll(&descriptor, 1, 250) < 0) break;
      if (!PQconsumeInput(connection)) break; // the connection is gone: reconnect
      while (PGnotify* notification = PQnotifies(connection)) {
        receive(notification->extra);
        PQfreemem(notification);
      }
    }
    if (!stopping_) logger().warning("lost the connection that listens for other hosts' events; reconnecting");
    PQfinish(connection);
  }
}

void EventRelay::receive(const char* notification) {
  auto message = nlohmann::json::parse(notification, nullptr, false);
  if (!message.is_object() || message.value("h", std::string()) == hostId_) return;
  const auto events = message.value("e", nlohmann::json::array());
  for (const auto& event : events)
    if (event.is_array() && event.size() == 2 && event[0].is_string() && event[1].is_string())
      bus_.publishRemote(event[0].get<std::string>(), event[1].get<std::string>());
}

} // namespace orch::host
