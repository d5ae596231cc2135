#include "Marketplace.h"

#include <orchestrator/fields.hpp>
#include <orchestrator/ids.hpp>
#include <orchestrator/services/agents.hpp>
#include <orchestrator/services/billing.hpp>
#include <orchestrator/time.hpp>

#include <sstream>

namespace marketplace {
namespace {

ListingStore::Query queryOf(const orch::Request& request) {
  ListingStore::Query query;
  query.search = request.query("search");
  if (query.search && query.search->empty()) query.search.reset();
  if (auto framework = request.query("framework")) query.framework = lowerAscii(*framework);
  if (auto pricing = request.query("pricing_type")) {
    query.pricingType = lowerAscii(*pricing);
    if (query.pricingType != "free" && query.pricingType != "one_time" && query.pricingType != "subscription")
      throw orch::HttpError::validation("pricing_type", "Must be free, one_time or subscription");
  }
  if (auto tags = request.query("tags")) {
    std::stringstream list(*tags);
    for (std::string tag; std::getline(list, tag, ',');)
      if (!tag.empty()) query.tags.push_back(lowerAscii(tag));
    if (query.tags.size() > 20) throw orch::HttpError::validation("tags", "At most 20 tags");
  }
  if (auto sort = request.query("sort")) {
    query.sort = lowerAscii(*sort);
    if (query.sort != "downloads" && query.sort != "rating" && query.sort != "newest")
      throw orch::HttpError::validation("sort", "Must be downloads, rating or newest");
  }
  return query;
}

/// A listing in the catalogue; an unpublished one only for its publisher.
json catalogued(Marketplace& m, const orch::Request& request) {
  auto listing = m.listings.find(request.param("id"));
  if (!listing || ((*listing)["status"] != "published" &&
                   !orch::Tenant::of(request).canSee((*listing)["owner_id"].get<std::string>(), (*listing)["organization_id"])))
    throw orch::HttpError::notFound("Listing not found");
  return *listing;
}

void detail(Marketplace& m, orch::Request& request, orch::Response& response) {
  auto listing = catalogued(m, request);
  auto id = listing["id"].get<std::string>();
  auto view = m.integration(listing);
  auto latest = m.listings.version(id, listing["latest_version"].get<std::int64_t>());
  view["readme"] = listing["readme"];
  view["versions"] = m.listings.versions(id);
  view["agent_version"] = (*latest)["agent_version"];
  view["digest"] = (*latest)["digest"];
  view["requires"] = json::parse((*latest)["needs"].get<std::string>());
  response.json(view);
}

void install(Marketplace& m, orch::Request& request, orch::Response& response) {
  auto body = request.jsonObject();
  auto organization = orch::Tenant::of(request).organizationFrom(body);
  auto listing = m.listings.find(request.param("id"));
  if (!listing || (*listing)["status"] != "published") throw orch::HttpError::notFound("Listing not found");
  auto id = (*listing)["id"].get<std::string>();
  auto number = (*listing)["latest_version"].get<std::int64_t>();
  if (body.contains("version")) {
    if (!body["version"].is_number_integer()) throw orch::HttpError::validation("version", "A version number of the listing");
    number = body["version"].get<std::int64_t>();
  }
  auto version = m.listings.version(id, number);
  if (!version) throw orch::HttpError::validation("version", "The listing has no version " + std::to_string(number));
  // Verified again here: the row could have been changed behind the host's back.
  auto bundle = m.packages.verified(json::parse((*version)["bundle"].get<std::string>()));
  auto installId = orch::newId();
  auto price = Price::ofRow(*listing);
  auto installed = m.packages.install(request.principal(), bundle, organization,
                                      {{"marketplace", {{"listing_id", id}, {"install_id", installId}, {"version", number}}}},
                                      (*version)["agent_version"].get<std::string>());
  auto agentId = installed.agent["id"].get<std::string>();
  auto nowMs = orch::nowMs();
  auto installedAt = orch::rfc3339(nowMs / 1000);
  try {
    json reference;
    if (price.type != "free")
      reference = orch::services::billing::charge(m.plugin, {.payer = request.principal(), .payerOrganizationId = organization,
                                                             .installId = installId, .listingId = id, .kind = price.type,
                                                             .amountCents = price.cents, .currency = price.currency,
                                                             .periodStart = installedAt});
    json columns = {{"id", installId},
                    {"listing_id", id},
                    {"version_number", number},
                    {"agent_id", agentId},
                    {"workflow_ids", installed.workflowIds.dump()},
                    {"installer_id", orch::Tenant::of(request).userId},
                    {"organization_id", organization},
                    {"pricing_type", price.type},
                    {"price_cents", price.cents},
                    {"currency", price.currency},
                    {"billing_interval", price.interval.empty() ? json() : json(price.interval)},
                    {"next_charge_at", price.type == "subscription" ? json(orch::rfc3339(price.nextPeriodMs(nowMs) / 1000)) : json()},
                    {"installed_at", installedAt}};
    m.installs.record(columns, price, reference);
  } catch (...) {
    orch::services::agents::removeAgent(m.plugin, request.principal(), agentId); // not paid for, not installed
    throw;
  }
  m.announce(*m.listings.find(id), "installed");
  response.status(201).json({{"install_id", installId},
                             {"listing_id", id},
                             {"version", number},
                             {"agent_version", (*version)["agent_version"]},
                             {"agent", installed.agent},
                             {"workflow_ids", installed.workflowIds},
                             {"missing_credentials", installed.missingCredentials},
                             {"pricing", ListingStore::view(*listing)["pricing"]},
                             {"installed_at", installedAt}});
}

void review(Marketplace& m, orch::Request& request, orch::Response& response) {
  auto body = request.jsonObject();
  auto tenant = orch::Tenant::of(request);
  auto listing = catalogued(m, request);
  auto rating = body.value("rating", json());
  if (!rating.is_number_integer() || rating.get<std::int64_t>() < 1 || rating.get<std::int64_t>() > 5)
    throw orch::HttpError::validation("rating", "A whole number from 1 to 5");
  auto text = orch::optionalString(body, "review", 5000);
  auto organization = tenant.organizationFrom(body);
  auto id = listing["id"].get<std::string>();
  auto installer = m.installs.installer(id, tenant, organization);
  if (!installer)
    throw orch::HttpError(403, "FORBIDDEN", organization.is_string() ? "That organization has not installed this agent"
                                                                     : "Only those who installed an agent review it; "
                                                                       "name the organization that installed it in organization_id");
  if (!m.listings.review(id, *installer, tenant.userId, rating.get<std::int64_t>(), text ? json(*text) : json()))
    throw orch::HttpError(409, "CONFLICT", "This agent already has a review from " +
                                               std::string(organization.is_string() ? "that organization" : "you"));
  auto updated = *m.listings.find(id);
  response.status(201).json({{"listing_id", id}, {"tenant_id", *installer}, {"rating", rating}, {"review", text ? json(*text) : json()},
                             {"listing_rating", ListingStore::view(updated)["rating"]}});
}

} // namespace

void registerListingRoutes(Marketplace& m) {
  auto& plugin = m.plugin;
  plugin.route("GET", "/marketplace/listings", [&m](orch::Request& request, orch::Response& response) {
    auto page = orch::Page::of(request);
    auto [items, total] = m.listings.search(queryOf(request), page);
    response.json(page.envelope("listings", std::move(items), total));
  }, {.permission = "marketplace:read", .summary = "The catalogue: search, tags, framework, pricing_type, sort (downloads, rating, newest), pages"});

  plugin.route("GET", "/marketplace/listings/{id}", [&m](orch::Request& request, orch::Response& response) {
    detail(m, request, response);
  }, {.permission = "marketplace:read", .summary = "One listing: versions, publisher, readme, what it needs, rating, usage"});

  plugin.route("POST", "/marketplace/listings/{id}/install", [&m](orch::Request& request, orch::Response& response) {
    install(m, request, response);
  }, {.permission = "agent:create", .summary = "Install a copy of the listing's agent and workflows, pinned to a version"});

  plugin.route("POST", "/marketplace/listings/{id}/reviews", [&m](orch::Request& request, orch::Response& response) {
    review(m, request, response);
  }, {.permission = "marketplace:read", .summary = "Rate and review a listing, once per installing user or organization"});

  plugin.route("GET", "/marketplace/listings/{id}/reviews", [&m](orch::Request& request, orch::Response& response) {
    auto listing = catalogued(m, request);
    auto page = orch::Page::of(request);
    auto [items, total] = m.listings.reviews(listing["id"].get<std::string>(), page);
    response.json(page.envelope("reviews", std::move(items), total));
  }, {.permission = "marketplace:read", .summary = "A listing's reviews, newest first"});

  plugin.route("GET", "/marketplace/key", [&m](orch::Request&, orch::Response& response) {
    json trusted = json::array();
    for (const auto& key : m.packages.trusted()) trusted.push_back(key);
    response.json({{"public_key", m.packages.key().publicKey()}, {"algorithm", "Ed25519"}, {"trusted_keys", trusted}});
  }, {.permission = "marketplace:read", .summary = "The key this host signs bundles with (for another host's marketplace.trusted_keys)"});
}

} // namespace marketplace
