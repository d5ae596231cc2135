// Plugin `marketplace`: one team publishes an agent, another finds it,
// installs a copy and runs it, on this host or, through a signed bundle, on
// another. Listings, versions, installs, a ledger of what installs were
// priced at, and reviews; every figure from those rows. Charging is the
// service "billing" of another plugin, when one is loaded
// (orchestrator/services/billing.hpp).
#include "Marketplace.h"
#include "marketplace_migrations.h"

#include <orchestrator/services/billing.hpp>
#include <orchestrator/settings.hpp>
#include <orchestrator/time.hpp>

#include <filesystem>
#include <memory>

namespace {

using marketplace::MarketplaceSettings;
using orch::json;

const orch::SettingsMap<MarketplaceSettings> kMarketplaceSettings = {
    {"marketplace.name", &MarketplaceSettings::name, "orchestrator",
     "The marketplace_name of a listing whose publish body gives none"},
    {"marketplace.public_url", &MarketplaceSettings::publicUrl, "http://localhost:8080/marketplace",
     "Where people browse this marketplace: a listing's marketplace_url is <public_url>/agents/<marketplace_agent_id>"},
    {"marketplace.signing_key", &MarketplaceSettings::signingKey, "",
     "The Ed25519 seed (32 bytes, base64 or hex) bundles are signed with; unset: the key in marketplace.key_file",
     {.flags = ORCH_SETTING_SECRET}},
    {"marketplace.key_file", &MarketplaceSettings::keyFile, "",
     "Where the signing key is kept when marketplace.signing_key is unset (made at the first start); unset: "
     "<data_dir>/marketplace/signing.key"},
    {"marketplace.trusted_keys", &MarketplaceSettings::trustedKeys, "",
     "Public keys (base64, comma-separated; GET marketplace/key shows a host's) whose bundles import and install "
     "here; this host's own is always trusted"},
    {"marketplace.billing_interval_ms", &MarketplaceSettings::billingIntervalMs, "60000",
     "How often subscriptions whose next period has started are charged", {.minimum = "50"}},
    {"marketplace.active_days", &MarketplaceSettings::activeDays, "30",
     "active_users counts the users who ran an installed copy in this many days", {.minimum = "1"}},
};

marketplace::SigningKey signingKey(orch::Plugin& plugin, const MarketplaceSettings& settings) {
  if (!settings.signingKey.empty()) return marketplace::SigningKey(sealing::keyFromText(settings.signingKey, "marketplace.signing_key"));
  auto path = settings.keyFile;
  if (path.empty()) {
    auto folder = std::filesystem::path(plugin.config("server.data_dir", "var")) / "marketplace";
    std::filesystem::create_directories(folder);
    path = (folder / "signing.key").string();
  }
  bool created = false;
  marketplace::SigningKey key(sealing::keyFromFile(path, created, "the marketplace signing key"));
  if (created)
    plugin.logWarning("made a new marketplace signing key in " + path + " (public key " + key.publicKey() +
                      "); back it up: bundles signed with it are trusted by that key");
  return key;
}

/// Charges each subscription period that has started; every listing whose revenue moved is announced.
void chargeDue(marketplace::Marketplace& m) {
  std::set<std::string> moved;
  std::vector<marketplace::Installs::Due> due;
  try {
    due = m.installs.due(orch::nowMs());
  } catch (const std::exception& e) {
    return m.plugin.logWarning(std::string("marketplace: could not read the subscriptions due: ") + e.what());
  }
  for (const auto& one : due) {
    try {
      json reference = orch::services::billing::charge(
          m.plugin, {.payer = {{"id", one.install["installer_id"]}}, .payerOrganizationId = one.install["organization_id"],
                     .installId = one.install["id"].get<std::string>(), .listingId = one.install["listing_id"].get<std::string>(),
                     .kind = "subscription", .amountCents = one.price.cents, .currency = one.price.currency,
                     .periodStart = one.periodStart});
      if (m.installs.charge(one, reference)) moved.insert(one.install["listing_id"].get<std::string>());
    } catch (const std::exception& e) {
      m.plugin.logWarning("marketplace: the subscription of install " + one.install["id"].get<std::string>() +
                          " was not charged: " + e.what());
    }
  }
  for (const auto& id : moved)
    if (auto listing = m.listings.find(id)) m.announce(*listing, "metrics");
}

void init(orch::Plugin& plugin) {
  auto settings = plugin.settings(kMarketplaceSettings);
  plugin.migrations(marketplace_migrations());
  std::set<std::string> trusted(settings.trustedKeys.begin(), settings.trustedKeys.end());
  auto m = std::make_shared<marketplace::Marketplace>(marketplace::Marketplace{
      plugin, settings, marketplace::ListingStore(plugin.db()), marketplace::Installs(plugin.db()),
      marketplace::Packages(plugin, signingKey(plugin, settings), trusted, plugin.config("server.host_id", ""))});
  marketplace::registerAgentRoutes(*m);
  marketplace::registerListingRoutes(*m);

  plugin.onStart([&plugin, m] {
    // A run of an installed copy may add an active user. Most executions are
    // no agent's: those are skipped before their payload is parsed.
    for (const char* topic : {"execution_completed", "execution_failed"})
      plugin.subscribeUnparsed(topic, [&plugin, m](const std::string&, std::string_view payload) {
        if (payload.find("\"agent_id\":null") != std::string_view::npos) return;
        plugin.submit([m, event = orch::json::parse(payload, nullptr, false)] {
          try {
            if (!event.is_object() || !event.value("agent_id", json()).is_string() || !event.value("owner_id", json()).is_string())
              return;
            if (auto listing = m->installs.ran(event["agent_id"].get<std::string>(), event["owner_id"].get<std::string>(), orch::nowRfc3339(), m->settings.activeDays))
              if (auto row = m->listings.find(*listing)) m->announce(*row, "metrics");
          } catch (const std::exception& e) {
            m->plugin.logWarning(std::string("marketplace: could not record a run of an installed copy: ") + e.what());
          }
        });
      });
    // A deleted copy is no longer installed: its subscription ends.
    plugin.subscribe("agent_status_update", [m](const std::string&, const orch::json& event) {
      if (event.value("status", std::string()) == "deleted" && event.value("agent_id", json()).is_string())
        m->installs.removed(event["agent_id"].get<std::string>());
    });
    plugin.timer(static_cast<std::uint64_t>(m->settings.billingIntervalMs),
                 static_cast<std::uint64_t>(m->settings.billingIntervalMs), [m] { chargeDue(*m); });
  });
}

} // namespace

ORCH_PLUGIN("marketplace", "1.0.0", "Publish, find, install and measure agents; signed bundles between hosts", init)
