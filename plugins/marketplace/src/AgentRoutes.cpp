#include "Marketplace.h"

#include <orchestrator/fields.hpp>
#include <orchestrator/ids.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>
#include <cmath>
#include <regex>

namespace marketplace {
namespace {

/// The fields of a publish body's `pricing`; amounts in cents.
Price priceOf(const json& pricing) {
  Price price;
  if (pricing.empty()) return price; // free
  price.type = orch::requiredString(pricing, "type", 20);
  if (price.type != "free" && price.type != "one_time" && price.type != "subscription")
    throw orch::HttpError::validation("type", "Must be free, one_time or subscription");
  if (auto currency = orch::optionalString(pricing, "currency", 3)) {
    static const std::regex code("[A-Z]{3}");
    if (!std::regex_match(*currency, code)) throw orch::HttpError::validation("currency", "An ISO 4217 code: USD, EUR, ...");
    price.currency = *currency;
  }
  if (price.type == "free") return price;
  auto amount = pricing.value("amount", json());
  if (!amount.is_number() || amount.get<double>() <= 0 || amount.get<double>() > 1e9)
    throw orch::HttpError::validation("amount", "A priced agent needs an amount above 0");
  auto cents = amount.get<double>() * 100.0;
  if (std::fabs(cents - std::round(cents)) > 1e-6) throw orch::HttpError::validation("amount", "At most two decimals");
  price.cents = static_cast<std::int64_t>(std::llround(cents));
  if (price.type == "subscription") {
    price.interval = orch::optionalString(pricing, "interval", 20).value_or("");
    if (price.interval != "daily" && price.interval != "weekly" && price.interval != "monthly" && price.interval != "yearly")
      throw orch::HttpError::validation("interval", "A subscription is daily, weekly, monthly or yearly");
  }
  return price;
}

/// priceOf, its errors naming "pricing.<field>".
Price checkedPrice(const json& body) {
  auto pricing = orch::optionalObject(body, "pricing");
  try {
    return priceOf(pricing);
  } catch (const orch::HttpError& e) {
    const auto& details = e.details();
    if (!details.is_object() || !details.contains("field")) throw;
    throw orch::HttpError::validation("pricing." + details["field"].get<std::string>(), details.value("issue", std::string()));
  }
}

/// Lower-cased, each once, at most 20.
std::vector<std::string> checkedTags(const json& body) {
  std::vector<std::string> tags;
  for (auto tag : orch::stringList(body, "tags", 50)) {
    tag = lowerAscii(tag);
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  }
  if (tags.size() > 20) throw orch::HttpError::validation("tags", "At most 20 tags");
  return tags;
}

/// The listing of an agent the caller sees, or a 404 saying it is not published.
json listingOf(Marketplace& m, const orch::Request& request) {
  auto agent = m.packages.agent(request.principal(), request.param("id"));
  auto listing = m.listings.ofAgent(agent["id"].get<std::string>());
  if (!listing) throw orch::HttpError::notFound("The agent has never been published");
  return *listing;
}

void publish(Marketplace& m, orch::Request& request, orch::Response& response) {
  auto body = request.jsonObject();
  auto agent = m.packages.agent(request.principal(), request.param("id"));
  auto agentId = agent["id"].get<std::string>();
  if (m.installs.ofAgent(agentId))
    throw orch::HttpError(409, "CONFLICT", "This agent is a copy installed from the marketplace; only its original can be published");
  auto name = orch::optionalString(body, "marketplace_name", 100).value_or(m.settings.name);
  static const std::regex slug("[a-z0-9][a-z0-9-]{0,99}");
  if (!std::regex_match(name, slug))
    throw orch::HttpError::validation("marketplace_name", "Lower-case letters, digits and dashes");
  auto price = checkedPrice(body);
  auto tags = checkedTags(body);
  auto description = orch::optionalString(body, "description", 5000);
  auto readme = orch::optionalString(body, "readme", 100000);
  auto envelope = m.packages.exportAgent(request.principal(), agent);

  auto existing = m.listings.ofAgent(agentId);
  auto id = existing ? (*existing)["id"].get<std::string>() : orch::newId();
  auto now = orch::nowRfc3339();
  json columns = {{"id", id},
                  {"agent_id", agentId},
                  {"owner_id", existing ? (*existing)["owner_id"] : agent["owner_id"]},
                  {"organization_id", agent["organization_id"]},
                  {"marketplace_name", name},
                  {"marketplace_agent_id", name + "-agent-" + id},
                  {"name", agent["name"]},
                  {"description", description ? json(*description) : agent["description"]},
                  {"readme", readme ? json(*readme) : existing ? (*existing)["readme"] : json()},
                  {"framework", agent["framework"]},
                  {"tags", json(tags).dump()},
                  {"pricing_type", price.type},
                  {"price_cents", price.cents},
                  {"currency", price.currency},
                  {"billing_interval", price.interval.empty() ? json() : json(price.interval)},
                  {"published_at", now},
                  {"updated_at", now}};
  if (!existing) columns["created_at"] = now;
  auto listing = m.listings.publish(columns, tags, agent["version"].get<std::string>(), envelope);
  m.announce(listing, "published");
  response.json(m.integration(listing));
}

void upgrade(Marketplace& m, orch::Request& request, orch::Response& response) {
  auto agent = m.packages.agent(request.principal(), request.param("id"));
  auto install = m.installs.ofAgent(agent["id"].get<std::string>());
  if (!install) throw orch::HttpError(409, "CONFLICT", "This agent was not installed from the marketplace");
  auto listing = m.listings.find((*install)["listing_id"].get<std::string>());
  if (!listing || (*listing)["status"] != "published")
    throw orch::HttpError(409, "CONFLICT", "The listing was unpublished: there is no version to upgrade to");
  auto from = (*install)["version_number"].get<std::int64_t>();
  auto to = (*listing)["latest_version"].get<std::int64_t>();
  json answer = {{"agent_id", agent["id"]}, {"listing_id", (*listing)["id"]}, {"from_version", from}, {"to_version", to}};
  if (to <= from) {
    answer["upgraded"] = false;
    answer["agent"] = agent;
    return response.json(answer), void();
  }
  auto version = *m.listings.version((*listing)["id"].get<std::string>(), to);
  auto bundle = m.packages.verified(json::parse(version["bundle"].get<std::string>()));
  auto moved = m.packages.upgrade(request.principal(), agent, bundle, json::parse((*install)["workflow_ids"].get<std::string>()),
                                  {{"marketplace", {{"listing_id", (*listing)["id"]}, {"install_id", (*install)["id"]}, {"version", to}}}},
                                  version["agent_version"].get<std::string>());
  m.installs.moveTo((*install)["id"].get<std::string>(), to, moved.workflowIds);
  answer["upgraded"] = true;
  answer["agent"] = moved.agent;
  answer["missing_credentials"] = moved.missingCredentials;
  response.json(answer);
}

} // namespace

void registerAgentRoutes(Marketplace& m) {
  auto& plugin = m.plugin;
  plugin.route("POST", "/agents/{id}/publish", [&m](orch::Request& request, orch::Response& response) {
    publish(m, request, response);
  }, {.permission = "marketplace:publish", .summary = "Publish an agent (seed 004): a new listing, or a new version of its listing"});

  plugin.route("GET", "/agents/{id}/marketplace", [&m](orch::Request& request, orch::Response& response) {
    response.json(m.integration(listingOf(m, request)));
  }, {.permission = "marketplace:read", .summary = "The agent's listing (seed 004) with usage_metrics"});

  plugin.route("POST", "/agents/{id}/unpublish", [&m](orch::Request& request, orch::Response& response) {
    auto listing = listingOf(m, request);
    auto now = orch::nowRfc3339();
    if (!m.listings.unpublish(listing["id"].get<std::string>(), now))
      throw orch::HttpError(409, "CONFLICT", "The agent is not published");
    listing = *m.listings.find(listing["id"].get<std::string>());
    m.announce(listing, "unpublished");
    response.json({{"integration_id", listing["id"]}, {"status", "unpublished"}, {"unpublished_at", listing["unpublished_at"]}});
  }, {.permission = "marketplace:publish", .summary = "Take the agent's listing out of the catalogue; installed copies keep working"});

  plugin.route("GET", "/agents/{id}/export", [&m](orch::Request& request, orch::Response& response) {
    auto agent = m.packages.agent(request.principal(), request.param("id"));
    response.header("Content-Disposition", "attachment; filename=\"agent-" + agent["id"].get<std::string>() + ".bundle.json\"");
    response.json(m.packages.exportAgent(request.principal(), agent));
  }, {.permission = "agent:read", .summary = "The agent as a bundle signed by this host (Ed25519), without secrets"});

  plugin.route("POST", "/agents/import", [&m](orch::Request& request, orch::Response& response) {
    auto envelope = request.jsonObject();
    auto organization = orch::Tenant::of(request).organizationFrom(envelope);
    auto bundle = m.packages.verified(envelope);
    auto installed = m.packages.install(request.principal(), bundle, organization,
                                        {{"imported", {{"digest", envelope["digest"]}, {"source", bundle.value("source", json())}}}},
                                        bundle.value("agent", json::object()).value("version", std::string("1.0.0")));
    response.status(201).json({{"agent", installed.agent}, {"workflow_ids", installed.workflowIds},
                               {"missing_credentials", installed.missingCredentials}, {"digest", envelope["digest"]}});
  }, {.permission = "agent:create", .summary = "Create an agent from a signed bundle, once its digest and signature verify"});

  plugin.route("POST", "/agents/{id}/upgrade", [&m](orch::Request& request, orch::Response& response) {
    upgrade(m, request, response);
  }, {.permission = "agent:update", .summary = "Move an installed copy to its listing's newest version"});
}

} // namespace marketplace
