#pragma once

#include "WebhookStore.h"

#include <atomic>
#include <mutex>

namespace webhooks {

/// How deliveries are sent and retried.
struct DeliverySettings {
  bool allowPrivateNetworks = false; ///< webhooks.allow_private_networks
  std::string tlsCaFile;             ///< webhooks.tls_ca_file
  std::int64_t timeoutMs = 10000;    ///< webhooks.timeout_ms, per attempt
  std::int64_t retryBaseMs = 5000;   ///< webhooks.retry_base_ms: the first retry's delay, doubled each time
  std::int64_t retryMaxMs = 3600000; ///< webhooks.retry_max_ms: the longest wait between attempts
  std::int64_t retryWindowMs = 86400000; ///< webhooks.retry_window_ms: no attempt after this long
  std::int64_t leaseMs = 60000;      ///< webhooks.lease_ms: a crashed sender's delivery waits this long
  std::int64_t pollMs = 1000;        ///< webhooks.poll_interval_ms
  int concurrency = 4;               ///< webhooks.concurrency: attempts in flight per host

  static DeliverySettings fromConfig(const orch::Plugin& plugin);
};

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
