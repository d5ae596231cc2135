#pragma once

#include "Installs.h"
#include "ListingStore.h"
#include "Packages.h"

#include <orchestrator/plugin.hpp>

#include <string>
#include <vector>

namespace marketplace {

struct MarketplaceSettings {
  std::string name, publicUrl, signingKey, keyFile;
  std::vector<std::string> trustedKeys;
  std::int64_t billingIntervalMs = 0, activeDays = 0;
};

/// What the routes, the timers and the event handlers of the plugin share.
struct Marketplace {
  orch::Plugin& plugin;
  MarketplaceSettings settings;
  ListingStore listings;
  Installs installs;
  Packages packages;

  /// The listing's usage_metrics, from the rows.
  json usage(const json& listing) const { return installs.metrics(listing["id"].get<std::string>(), settings.activeDays); }
  /// marketplace.public_url + /agents/<marketplace_agent_id>.
  std::string url(const json& listing) const;
  /// marketplace_update to the publisher's tenant: what happened (`change`:
  /// published, unpublished, installed, metrics) and the metrics now.
  void announce(const json& listing, const std::string& change) const;
  /// Seed 004's integration: GET agents/{id}/marketplace and the publish answer.
  json integration(const json& listing) const;
};

/// POST agents/{id}/publish, GET agents/{id}/marketplace, POST
/// agents/{id}/unpublish, GET agents/{id}/export, POST agents/import, POST
/// agents/{id}/upgrade: what a publisher and an installer do with an agent.
void registerAgentRoutes(Marketplace& marketplace);
/// GET marketplace/listings (and /{id}), install, reviews, the host's key.
void registerListingRoutes(Marketplace& marketplace);

} // namespace marketplace
