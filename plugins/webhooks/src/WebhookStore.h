#pragma once

#include "sealing/KeyRing.h"

#include <orchestrator/plugin.hpp>
#include <orchestrator/tenancy.hpp>

#include <optional>
#include <string>
#include <vector>

namespace webhooks {

/// A subscription as deliveries need it.
struct Subscription {
  std::string id, url, ownerId;
  std::string secret; ///< opened by subscription(id) alone: the cached list holds none
  orch::json organizationId;
  std::vector<std::string> events;
  bool ownerIsAdmin = false;
};

/// A delivery claimed for one attempt.
struct Delivery {
  std::string id, subscriptionId, event, payload;
  std::int64_t attempts = 0, createdMs = 0;
};

/// Subscriptions (wh_subscriptions), their deliveries (wh_deliveries: one row
/// per event and subscription, a small queue with leases so that hosts
/// sharing the database send each delivery once at a time) and every attempt
/// (wh_attempts). Signing secrets are sealed at rest (sealing::KeyRing).
class WebhookStore {
public:
  WebhookStore(const orch::Database& db, sealing::KeyRing keys) : db_(db), keys_(std::move(keys)) {}
  /// Where the secrets are, for sealing::reseal(); rows from before sealing
  /// (no key) hold plain text until then.
  static sealing::SealedColumn sealedColumn() {
    return {.table = "wh_subscriptions", .contextPrefix = "webhook/", .nullKeyIsPlaintext = true};
  }
  const sealing::KeyRing& keys() const { return keys_; }

  orch::json create(const orch::Tenant& owner, const orch::json& fields);
  std::optional<orch::json> find(const std::string& id, const orch::Tenant& tenant) const;
  std::pair<orch::json, std::int64_t> list(const orch::Tenant& tenant, const orch::Page& page) const;
  /// Deletes the subscription and cancels its pending deliveries.
  bool remove(const std::string& id, const orch::Tenant& tenant);
  std::vector<Subscription> active() const;
  std::optional<Subscription> subscription(const std::string& id) const;
  void deactivate(const std::string& id);

  /// Queues one delivery per subscription in one transaction.
  void enqueue(const std::vector<std::string>& subscriptionIds, const std::string& event, const std::string& payload);
  /// Leases up to `limit` due deliveries for `leaseMs`.
  std::vector<Delivery> claim(const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int limit);
  /// Records an attempt and the delivery's next state: "delivered", "failed",
  /// "cancelled", or "pending" again at `nextAttemptMs`.
  void recordAttempt(const Delivery& delivery, const std::string& status, int responseStatus, const std::string& error,
                     std::int64_t durationMs, std::int64_t nextAttemptMs);
  std::pair<orch::json, std::int64_t> deliveries(const std::string& subscriptionId, const std::optional<std::string>& status,
                                                 const orch::Page& page) const;

private:
  static orch::json publicView(const orch::json& row);

  const orch::Database& db_;
  sealing::KeyRing keys_;
};

} // namespace webhooks
