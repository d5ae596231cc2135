#include "Deliverer.h"

#include "WebhookEvents.h"
#include "outbound/OutboundHttp.h"
#include "outbound/WebhookSignature.h"

#include <orchestrator/time.hpp>
#include <orchestrator/settings.hpp>

#include <algorithm>

namespace webhooks {
namespace {

/// Other hosts may add subscriptions; their events reach this host's cache
/// within this long.
constexpr std::int64_t kCacheMs = 5000;

bool wants(const Subscription& subscription, const std::string& event, const orch::json& data) {
  if (std::find(subscription.events.begin(), subscription.events.end(), event) == subscription.events.end() &&
      std::find(subscription.events.begin(), subscription.events.end(), "*") == subscription.events.end())
    return false;
  auto owner = data.value("owner_id", orch::json());
  if (!owner.is_string()) return subscription.ownerIsAdmin; // system-wide: alerts
  if (subscription.ownerIsAdmin || owner == subscription.ownerId) return true;
  auto organization = data.value("organization_id", orch::json());
  return organization.is_string() && organization == subscription.organizationId;
}

} // namespace

const orch::SettingsMap<DeliverySettings> kDeliverySettings = {
    {"webhooks.allow_private_networks", &DeliverySettings::allowPrivateNetworks, "false",
     "Also deliver to loopback, private and link-local addresses (the SSRF guard refuses them)"},
    {"webhooks.tls_ca_file", &DeliverySettings::tlsCaFile, "", "Extra trusted CA certificates (PEM) for receivers"},
    {"webhooks.timeout_ms", &DeliverySettings::timeoutMs, "10000", "Each attempt's timeout", {.minimum = "100"}},
    {"webhooks.retry_base_ms", &DeliverySettings::retryBaseMs, "5000",
     "The first retry's delay, doubled at each retry (with jitter)", {.minimum = "10"}},
    {"webhooks.retry_max_ms", &DeliverySettings::retryMaxMs, "3600000", "The longest wait between two attempts",
     {.minimum = "10"}},
    {"webhooks.retry_window_ms", &DeliverySettings::retryWindowMs, "86400000",
     "No attempt after this long: the delivery fails", {.minimum = "0"}},
    {"webhooks.lease_ms", &DeliverySettings::leaseMs, "",
     "How long a delivery being sent is held, so a crashed host's deliveries are sent by another; unset: the larger "
     "of 60000 and twice webhooks.timeout_ms; at least webhooks.timeout_ms + 1000",
     {.minimum = "1100"}},
    {"webhooks.poll_interval_ms", &DeliverySettings::pollMs, "1000", "How often due deliveries are looked for",
     {.minimum = "10"}},
    {"webhooks.concurrency", &DeliverySettings::concurrency, "4", "Attempts in flight per host", {.minimum = "1"}},
};

DeliverySettings DeliverySettings::fromConfig(orch::Plugin& plugin) {
  auto s = plugin.settings(kDeliverySettings);
  if (s.leaseMs == 0) s.leaseMs = std::max<std::int64_t>(60000, s.timeoutMs * 2);
  if (s.leaseMs < s.timeoutMs + 1000)
    throw std::invalid_argument("webhooks.lease_ms = " + std::to_string(s.leaseMs) +
                                ": must be at least webhooks.timeout_ms + 1000");
  return s;
}

Deliverer::Deliverer(orch::Plugin& plugin, WebhookStore& store, DeliverySettings settings)
    : plugin_(plugin), store_(store), settings_(std::move(settings)), owner_(orch::newId()) {}

std::vector<Subscription> Deliverer::subscriptions() {
  std::lock_guard lock(mutex_);
  auto now = orch::nowMs();
  if (cacheLoadedMs_ < 0 || now - cacheLoadedMs_ > kCacheMs) {
    cache_ = store_.active();
    cacheLoadedMs_ = now;
  }
  return cache_;
}

void Deliverer::invalidate() {
  std::lock_guard lock(mutex_);
  cacheLoadedMs_ = -1;
}

void Deliverer::onEvent(const std::string& topic, const orch::json& event) {
  auto name = webhook_events::fromTopic(topic);
  if (!name) return;
  std::vector<std::string> targets;
  for (const auto& subscription : subscriptions())
    if (wants(subscription, *name, event)) targets.push_back(subscription.id);
  if (targets.empty()) return;
  auto payload = orch::json{{"type", *name}, {"event", *name}, {"timestamp", orch::rfc3339Millis(orch::nowMs())},
                            {"data", event}}
                     .dump();
  // Off the event bus's thread: the other subscribers should not wait on a write.
  plugin_.submit([this, targets = std::move(targets), event = *name, payload = std::move(payload)] {
    try {
      store_.enqueue(targets, event, payload);
    } catch (const std::exception& e) {
      plugin_.logError("webhooks: cannot queue a " + event + " delivery: " + e.what());
      return;
    }
    poll();
  });
}

void Deliverer::poll() {
  // One poll at a time per host; the timer comes back soon.
  if (polling_.exchange(true)) return;
  try {
    auto room = settings_.concurrency - inFlight_.load();
    if (room > 0) {
      for (auto& delivery : store_.claim(owner_, orch::nowMs(), settings_.leaseMs, room)) {
        ++inFlight_;
        plugin_.submit([this, delivery] {
          try {
            send(delivery);
          } catch (const std::exception& e) {
            plugin_.logWarning("webhooks: delivery " + delivery.id + " could not be recorded: " + e.what());
          }
          --inFlight_;
        });
      }
    }
  } catch (const std::exception& e) {
    plugin_.logWarning(std::string("webhooks: cannot claim deliveries: ") + e.what());
  }
  polling_ = false;
}

void Deliverer::send(const Delivery& delivery) {
  std::optional<Subscription> subscription;
  try {
    subscription = store_.subscription(delivery.subscriptionId);
  } catch (const std::runtime_error& e) {
    // Its secret is sealed under a key this host lacks: an operator can add it.
    return retryOrFail(delivery, 0, e.what(), 0);
  }
  if (!subscription) {
    store_.recordAttempt(delivery, "cancelled", 0, "the subscription was deleted or turned off", 0, 0);
    return;
  }
  outbound::OutboundRequest request;
  request.method = "POST";
  request.url = subscription->url;
  request.body = delivery.payload;
  request.timeoutMs = settings_.timeoutMs;
  request.allowPrivate = settings_.allowPrivateNetworks;
  request.maxRedirects = 0; // a receiver that moves is asked to be updated, not followed with the secret's signature
  request.headers.emplace_back("Content-Type", "application/json");
  for (auto& header : outbound::webhook_signature::headers(subscription->secret, "msg_" + delivery.id,
                                                           orch::nowMs() / 1000, request.body))
    request.headers.push_back(std::move(header));

  auto started = orch::nowMs();
  int status = 0;
  std::string error;
  try {
    status = outbound::sendOutbound(request, settings_.tlsCaFile).status;
    if (status < 200 || status >= 300) error = "HTTP " + std::to_string(status);
  } catch (const std::exception& e) {
    error = e.what();
  }
  auto took = orch::nowMs() - started;
  if (error.empty()) return store_.recordAttempt(delivery, "delivered", status, "", took, 0);
  if (status == 410) {
    // Standard Webhooks: 410 Gone asks the sender to stop.
    store_.deactivate(subscription->id);
    invalidate();
    return store_.recordAttempt(delivery, "failed", status, "the receiver answered 410 Gone; the subscription is turned off",
                                took, 0);
  }
  retryOrFail(delivery, status, error, took);
}

void Deliverer::retryOrFail(const Delivery& delivery, int status, const std::string& error, std::int64_t took) {
  auto next = orch::nowMs() + orch::backoffMs(delivery.attempts + 1, settings_.retryBaseMs, settings_.retryMaxMs);
  if (next > delivery.createdMs + settings_.retryWindowMs)
    return store_.recordAttempt(delivery, "failed", status, error + " (no more retries)", took, 0);
  store_.recordAttempt(delivery, "pending", status, error, took, next);
}

} // namespace webhooks
