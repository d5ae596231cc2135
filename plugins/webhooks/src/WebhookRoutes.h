#pragma once

#include "Deliverer.h"
#include "WebhookStore.h"

namespace webhooks {

/// POST/GET/DELETE webhooks, GET webhooks/{id} and GET webhooks/{id}/deliveries.
void registerWebhookRoutes(orch::Plugin& plugin, WebhookStore& store, Deliverer& deliverer,
                           const DeliverySettings& settings);

} // namespace webhooks
