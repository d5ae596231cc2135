#pragma once

#include "WebhookStore.h"

#include <atomic>
#include <mutex>

namespace webhooks {

/// How deliveries are sent and retried.
struct DeliverySettings {
  bool allowPrivateNetworks = false;
  std::string tlsCaFile;
  std::int64_t timeoutMs = 0;
  std::int64_t retryBaseMs = 0;
  std::int64_t retryMaxMs = 0;
  std::int64_t retryWindowMs = 0;
  std::int64_t leaseMs = 0; ///< 0 until read: the larger of 60 s and twice timeoutMs
  std::int64_t pollMs = 0;
  std::int64_t concurrency = 0;

  /// Declares the settings (kDeliverySettings) and reads them; in init only.
  static DeliverySettings fromConfig(orch::Plugin& plugin);
};

/// Every setting of the plugin: key, default, what it does and its range.
extern const orch::SettingsMap<DeliverySettings> kDeliverySettings;

/// Turns bus events into deliveries and sends the due ones. Each delivery is
/// posted with the Standard Webhooks headers (the delivery id as
/// `webhook-id`, the same on every attempt); a 2xx answer delivers it, 410
/// Gone turns the subscription off, anything else is retried with
/// exponential backoff and jitter until the retry window closes.
class Deliverer {
public:
  Deliverer(orch::Plugin& plugin, WebhookStore& store, DeliverySettings settings);

  /// Queues deliveries of a bus event for the subscriptions that want it
  /// and may see it (its owner's or organization's; alerts go to admins').
  void onEvent(const std::string& topic, const orch::json& event);
  /// Claims due deliveries and sends them on the host's job workers.
  void poll();
  /// Forgets the cached subscriptions (after a change on this host).
  void invalidate();

private:
  void send(const Delivery& delivery);
  /// Records a failed attempt: pending again after a backoff, or failed
  /// once the retry window has closed.
  void retryOrFail(const Delivery& delivery, int status, const std::string& error, std::int64_t took);
  std::vector<Subscription> subscriptions();

  orch::Plugin& plugin_;
  WebhookStore& store_;
  const DeliverySettings settings_;
  const std::string owner_;
  std::mutex mutex_;
  std::vector<Subscription> cache_;
  std::int64_t cacheLoadedMs_ = -1;
  std::atomic<int> inFlight_{0};
  std::atomic<bool> polling_{false};
};

} // namespace webhooks
