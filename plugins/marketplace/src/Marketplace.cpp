#include "Marketplace.h"

#include <orchestrator/time.hpp>

namespace marketplace {

std::string Marketplace::url(const json& listing) const {
  auto base = settings.publicUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/agents/" + listing["marketplace_agent_id"].get<std::string>();
}

void Marketplace::announce(const json& listing, const std::string& change) const {
  // owner_id and organization_id route it to the publisher's tenant (realtime strips them).
  plugin.publish("marketplace_update", {{"agent_id", listing["agent_id"]},
                                        {"integration_id", listing["id"]},
                                        {"listing_id", listing["id"]},
                                        {"status", listing["status"]},
                                        {"change", change},
                                        {"version", listing["latest_version"]},
                                        {"usage_metrics", usage(listing)},
                                        {"owner_id", listing["owner_id"]},
                                        {"organization_id", listing["organization_id"]},
                                        {"timestamp", orch::nowRfc3339()}});
}

json Marketplace::integration(const json& listing) const {
  auto view = ListingStore::view(listing);
  view["marketplace_url"] = url(listing);
  view["usage_metrics"] = usage(listing);
  return view;
}

} // namespace marketplace
