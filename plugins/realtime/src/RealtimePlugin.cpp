// Live updates over WebSockets: four endpoints, each speaking the message
// shapes its clients expect, fed by the host's event bus.
#include "Messages.h"
#include "Subscribers.h"

#include <orchestrator/plugin.hpp>
#include <orchestrator/services/system.hpp>
#include <orchestrator/tenancy.hpp>
#include <orchestrator/time.hpp>

#include <memory>

namespace {

using realtime::MessageShape;

struct RealtimeSettings {
  std::int64_t metricsIntervalMs = 0;
};

const orch::SettingsMap<RealtimeSettings> kRealtimeSettings = {
    {"realtime.metrics_interval_ms", &RealtimeSettings::metricsIntervalMs, "5000",
     "How often metrics_update goes to the clients of /ws/{client_id} and /api/ws/{user_id} (seeds 001 and 003, whose "
     "clients never subscribe) and to those of the others that subscribed to the metrics channel",
     {.minimum = "100"}},
};

/// metrics_update's data: a reading of the machine and the health score
/// from the host (orchestrator/services/system.hpp), and this host's
/// connections.
nlohmann::json systemMetrics(const orch::Plugin& plugin, std::size_t connections) {
  auto reading = plugin.callServiceIfServed(orch::services::system::kService, orch::services::system::kSample, nlohmann::json::object())
                     .value_or(nlohmann::json::object());
  reading["websocket_connections"] = connections;
  if (!reading.contains("timestamp")) reading["timestamp"] = orch::nowRfc3339();
  return reading;
}

void init(orch::Plugin& plugin) {
  auto settings = plugin.settings(kRealtimeSettings);
  auto subscribers = std::make_shared<realtime::Subscribers>();

  // The same hooks behind every endpoint; the message shape is the endpoint's.
  auto endpoint = [&plugin, subscribers](MessageShape shape) {
    orch::WebSocketHandlers handlers;
    handlers.open = [&plugin, subscribers, shape](std::uint64_t connection, orch::Request& request) {
      realtime::Subscriber subscriber;
      subscriber.tenant = orch::Tenant::of(request);
      subscriber.shape = shape;
      // Seed 001's and seed 003's clients are sent metrics_update unasked.
      subscriber.metrics = shape == MessageShape::Client || shape == MessageShape::User;
      if (shape == MessageShape::User && request.param("user_id") != subscriber.tenant.userId)
        throw std::runtime_error("the token belongs to another user than " + request.param("user_id"));
      subscribers->add(connection, subscriber);
      plugin.websocketSend(connection, realtime::envelope("connected", {{"connection_id", std::to_string(connection)},
                                                                         {"user_id", subscriber.tenant.userId}})
                                           .dump());
    };
    handlers.message = [&plugin, subscribers](std::uint64_t connection, std::string_view text) {
      auto message = nlohmann::json::parse(text, nullptr, false);
      auto type = message.is_object() ? message.value("type", "") : std::string();
      auto reply = [&](const std::string& kind, nlohmann::json data) {
        plugin.websocketSend(connection, realtime::envelope(kind, std::move(data)).dump());
      };
      if (type == "ping") return reply("pong", nlohmann::json::object());
      if (type == "subscribe" || type == "unsubscribe") {
        auto result = subscribers->change(connection, message);
        if (result.is_string()) return reply("error_notification", {{"message", result}, {"request", message}});
        return reply(type == "subscribe" ? "subscribed" : "unsubscribed", result);
      }
      reply("error_notification",
            {{"message", message.is_object() ? "unknown message type '" + type + "'; send subscribe, unsubscribe or ping"
                                             : std::string("messages are JSON objects with a \"type\"")}});
    };
    handlers.close = [subscribers](std::uint64_t connection) { subscribers->remove(connection); };
    return handlers;
  };
  plugin.websocket("/ws/executions", endpoint(MessageShape::Executions),
                   {.summary = "Execution updates; token in ?token=, the Authorization header or a first auth message",
                    .flags = ORCH_ROUTE_AT_ROOT | ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH});
  plugin.websocket("/ws/{client_id}", endpoint(MessageShape::Client),
                   {.summary = "Updates for a client (?token=)", .flags = ORCH_ROUTE_AT_ROOT});
  plugin.websocket("/api/ws/{user_id}", endpoint(MessageShape::User),
                   {.summary = "Updates for one user (?token=), whose id must be the token's",
                    .flags = ORCH_ROUTE_EXACT_PATH});
  plugin.websocket("/ws", endpoint(MessageShape::Api),
                   {.summary = "Updates: authenticate with a first message {\"type\":\"auth\",\"token\":...}",
                    .flags = ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH});

  // Every step of every execution publishes an event; with nobody connected
  // (the common case on a busy worker host) it is dropped unparsed.
  // Every host's events: a client sees an execution that another host of the
  // same database runs.
  plugin.subscribeUnparsed(
      "*",
      [&plugin, subscribers](const std::string& topic, std::string_view text) {
        if (!realtime::forwarded(topic) || subscribers->size() == 0) return;
        auto event = nlohmann::json::parse(text, nullptr, false);
        if (event.is_discarded()) return;
        // One text per shape, not per connection: a broadcast to a thousand
        // subscribers formats at most four messages. System alerts belong to
        // no tenant, and go to the system channel's subscribers, unless they
        // are about a tenant's own (an agent's container): then to that tenant.
        std::string texts[4];
        bool system = topic == "system_alert" && !event.contains("owner_id");
        auto targets = system ? subscribers->metricsSubscribers() : subscribers->recipients(event);
        for (const auto& [connection, shape] : targets) {
          auto& message = texts[static_cast<int>(shape)];
          if (message.empty()) message = realtime::message(topic, event, shape).dump();
          plugin.websocketSend(connection, message);
        }
      },
      orch::EventScope::AllHosts);

  auto intervalMs = settings.metricsIntervalMs;
  plugin.onStart([&plugin, subscribers, intervalMs] {
    plugin.timer(static_cast<std::uint64_t>(intervalMs), static_cast<std::uint64_t>(intervalMs), [&plugin, subscribers] {
      auto targets = subscribers->metricsSubscribers();
      if (targets.empty()) return;
      auto text = realtime::envelope("metrics_update", systemMetrics(plugin, subscribers->size())).dump();
      for (const auto& [connection, shape] : targets) plugin.websocketSend(connection, text);
    });
  });
}

} // namespace

ORCH_PLUGIN("realtime", "1.0.0", "Live updates over WebSockets for executions, agents and the system", init)
