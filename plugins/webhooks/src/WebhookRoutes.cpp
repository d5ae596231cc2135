#include "WebhookRoutes.h"

#include "WebhookEvents.h"
#include "outbound/NetworkGuard.h"
#include "outbound/WebhookSignature.h"

#include <Poco/URI.h>

#include <algorithm>

namespace webhooks {
namespace {

/// The receiver's URL: http(s), a host, and (unless private networks are
/// allowed) an address on the public internet now; deliveries check again.
std::string checkedUrl(const orch::json& body, bool allowPrivate) {
  if (!body.contains("url") || !body["url"].is_string() || body["url"].get_ref<const std::string&>().empty())
    throw orch::HttpError::validation("url", "Required: the receiver's http or https URL");
  auto url = body["url"].get<std::string>();
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const std::exception&) {
    throw orch::HttpError::validation("url", "Not a valid URL");
  }
  if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
    throw orch::HttpError::validation("url", "Must be an http or https URL with a host");
  if (url.size() > 2048) throw orch::HttpError::validation("url", "At most 2048 characters");
  try {
    outbound::network_guard::resolve(uri.getHost(), allowPrivate);
  } catch (const std::exception& e) {
    throw orch::HttpError::validation("url", e.what());
  }
  return url;
}

orch::json checkedEvents(const orch::json& body) {
  if (!body.contains("events") || !body["events"].is_array() || body["events"].empty())
    throw orch::HttpError::validation("events", "Required: a non-empty list of events");
  const auto& known = webhook_events::names();
  orch::json events = orch::json::array();
  for (std::size_t i = 0; i < body["events"].size(); ++i) {
    const auto& event = body["events"][i];
    bool valid = event.is_string() && (event == "*" || std::find(known.begin(), known.end(), event.get<std::string>()) != known.end());
    if (!valid) {
      std::string list;
      for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
      throw orch::HttpError::validation("events[" + std::to_string(i) + "]", "Must be \"*\" or one of: " + list);
    }
    if (std::find(events.begin(), events.end(), event) == events.end()) events.push_back(event);
  }
  return events;
}

std::string checkedSecret(const orch::json& body) {
  if (!body.contains("secret") || body["secret"].is_null()) return outbound::webhook_signature::newSecret();
  if (!body["secret"].is_string() || body["secret"].get_ref<const std::string&>().size() < 24 ||
      body["secret"].get_ref<const std::string&>().size() > 256)
    throw orch::HttpError::validation("secret", "Must be a string of 24 to 256 characters (or leave it out to get one)");
  return body["secret"].get<std::string>();
}

orch::json visibleOrNotFound(const WebhookStore& store, const orch::Request& request) {
  auto found = store.find(request.param("id"), orch::Tenant::of(request));
  if (!found) throw orch::HttpError::notFound("Webhook not found");
  return *found;
}

} // namespace

void registerWebhookRoutes(orch::Plugin& plugin, WebhookStore& store, Deliverer& deliverer,
                           const DeliverySettings& settings) {
  plugin.route("POST", "/webhooks", [&store, &deliverer, allowPrivate = settings.allowPrivateNetworks](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto body = request.jsonObject();
    orch::json fields = {{"url", checkedUrl(body, allowPrivate)}, {"events", checkedEvents(body)},
                         {"secret", checkedSecret(body)}};
    if (body.contains("description") && !body["description"].is_null()) {
      if (!body["description"].is_string()) throw orch::HttpError::validation("description", "Must be a string");
      fields["description"] = body["description"];
    }
    if (auto organization = tenant.organizationFrom(body); !organization.is_null())
      fields["organization_id"] = organization;
    auto created = store.create(tenant, fields);
    deliverer.invalidate();
    // The only time the secret is shown: receivers need it to check signatures.
    created["secret"] = fields["secret"];
    response.status(201).write(created.dump());
  }, {"webhook:write", "", "Subscribe a URL to events (signed deliveries; the secret is shown once)"});
  plugin.route("GET", "/webhooks", [&store](orch::Request& request, orch::Response& response) {
    auto page = orch::Page::of(request);
    auto [items, total] = store.list(orch::Tenant::of(request), page);
    response.write(page.envelope("webhooks", std::move(items), total).dump());
  }, {"webhook:read", "", "List webhook subscriptions"});
  plugin.route("GET", "/webhooks/{id}", [&store](orch::Request& request, orch::Response& response) {
    response.write(visibleOrNotFound(store, request).dump());
  }, {"webhook:read", "", "One webhook subscription"});
  plugin.route("DELETE", "/webhooks/{id}", [&store, &deliverer](orch::Request& request, orch::Response& response) {
    if (!store.remove(request.param("id"), orch::Tenant::of(request)))
      throw orch::HttpError::notFound("Webhook not found");
    deliverer.invalidate();
    response.status(204);
  }, {"webhook:write", "", "Delete a subscription; its pending deliveries are cancelled"});
  plugin.route("GET", "/webhooks/{id}/deliveries", [&store](orch::Request& request, orch::Response& response) {
    auto subscription = visibleOrNotFound(store, request);
    auto page = orch::Page::of(request);
    auto status = request.query("status");
    static const std::vector<std::string> statuses{"pending", "delivered", "failed", "cancelled"};
    if (status && std::find(statuses.begin(), statuses.end(), *status) == statuses.end())
      throw orch::HttpError::validation("status", "Must be pending, delivered, failed or cancelled");
    auto [items, total] = store.deliveries(subscription["id"].get<std::string>(), status, page);
    response.write(page.envelope("deliveries", std::move(items), total).dump());
  }, {"webhook:read", "", "Deliveries of a subscription, each attempt with its response code"});
}

} // namespace webhooks
