// Plugin `webhooks`: outside systems subscribe a URL to events
// (workflow.completed, credential.expired, ...) and receive them signed the
// Standard Webhooks way, retried durably for up to a day.
#include "Deliverer.h"
#include "WebhookEvents.h"
#include "WebhookRoutes.h"
#include "WebhookStore.h"
#include "webhooks_migrations.h"

#include <memory>

namespace {

void init(orch::Plugin& plugin) {
  plugin.migrations(webhooks_migrations());
  auto settings = webhooks::DeliverySettings::fromConfig(plugin);
  auto store = std::make_shared<webhooks::WebhookStore>(plugin.db(), sealing::KeyRing::fromConfig(plugin));
  auto deliverer = std::make_shared<webhooks::Deliverer>(plugin, *store, settings);
  webhooks::registerWebhookRoutes(plugin, *store, *deliverer, settings);

  // This host's events only: every host queues the events it published, so
  // each event is delivered once however many hosts share the database.
  for (const auto& topic : webhooks::webhook_events::topics())
    plugin.subscribe(topic, [deliverer](const std::string& name, const orch::json& event) {
      deliverer->onEvent(name, event);
    });
  // The hook lives as long as the plugin, and with it the store that the
  // routes and the deliverer refer to.
  plugin.onStart([&plugin, deliverer, store, settings] {
    // Secrets from before sealing, or under a key rotated out: sealed under the current key.
    sealing::resealAndLog(plugin, store->keys(), webhooks::WebhookStore::sealedColumn());
    plugin.timer(static_cast<std::uint64_t>(settings.pollMs), static_cast<std::uint64_t>(settings.pollMs),
                 [deliverer] { deliverer->poll(); });
  });
}

} // namespace

ORCH_PLUGIN("webhooks", "1.0.0", "Signed, durable webhook deliveries of events", init)
