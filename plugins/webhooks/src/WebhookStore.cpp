#include "WebhookStore.h"

#include <orchestrator/time.hpp>

#include <map>

namespace webhooks {
namespace {

constexpr const char* kColumns =
    "id, owner_id, organization_id, url, events, description, active, created_at, updated_at";

/// What deliveries need of a subscription, but its secret.
constexpr const char* kSubscriptionColumns = "id, url, owner_id, organization_id, owner_is_admin, events";

std::vector<std::string> eventList(const orch::json& text) {
  return orch::json::parse(text.get<std::string>()).get<std::vector<std::string>>();
}

Subscription subscriptionOf(const orch::json& row) {
  return {row["id"], row["url"], row["owner_id"], "", row["organization_id"], eventList(row["events"]),
          row["owner_is_admin"] == 1 || row["owner_is_admin"] == true};
}

} // namespace

orch::json WebhookStore::publicView(const orch::json& row) {
  return {{"id", row["id"]},
          {"url", row["url"]},
          {"events", eventList(row["events"])},
          {"description", row["description"]},
          {"active", row["active"] == 1 || row["active"] == true},
          {"owner_id", row["owner_id"]},
          {"organization_id", row["organization_id"]},
          {"created_at", row["created_at"]},
          {"updated_at", row["updated_at"]}};
}

orch::json WebhookStore::create(const orch::Tenant& owner, const orch::json& fields) {
  auto now = orch::rfc3339Millis(orch::nowMs());
  auto id = orch::newId();
  orch::json row = {{"id", id},
                    {"owner_id", owner.userId},
                    {"organization_id", fields.value("organization_id", orch::json())},
                    {"owner_is_admin", owner.admin ? 1 : 0},
                    {"url", fields["url"]},
                    {"events", fields["events"].dump()},
                    {"secret", keys_.seal(sealedColumn().contextPrefix + id, fields["secret"].get<std::string>())},
                    {"key_id", keys_.keyId()},
                    {"description", fields.value("description", orch::json())},
                    {"active", 1},
                    {"created_at", now},
                    {"updated_at", now}};
  db_.insert("wh_subscriptions", row);
  return publicView(row);
}

std::optional<orch::json> WebhookStore::find(const std::string& id, const orch::Tenant& tenant) const {
  auto rows = db_.query(std::string("SELECT ") + kColumns + " FROM wh_subscriptions WHERE id = ?", {id});
  if (rows.empty() || !tenant.canSee(rows[0]["owner_id"].get<std::string>(), rows[0]["organization_id"]))
    return std::nullopt;
  return publicView(rows[0]);
}

std::pair<orch::json, std::int64_t> WebhookStore::list(const orch::Tenant& tenant, const orch::Page& page) const {
  auto [rows, total] = tenant.listVisible(db_, "wh_subscriptions", kColumns, page);
  orch::json items = orch::json::array();
  for (const auto& row : rows) items.push_back(publicView(row));
  return {items, total};
}

bool WebhookStore::remove(const std::string& id, const orch::Tenant& tenant) {
  if (!find(id, tenant)) return false;
  return db_.transaction([&](orch::Transaction& tx) {
    db_.execute("UPDATE wh_deliveries SET status = 'cancelled', completed_at = ? WHERE subscription_id = ? AND status = 'pending'",
                {orch::rfc3339Millis(orch::nowMs()), id}, &tx);
    return db_.execute("DELETE FROM wh_subscriptions WHERE id = ?", {id}, &tx) == 1;
  });
}

std::vector<Subscription> WebhookStore::active() const {
  std::vector<Subscription> result;
  for (const auto& row : db_.query(std::string("SELECT ") + kSubscriptionColumns + " FROM wh_subscriptions WHERE active = 1"))
    result.push_back(subscriptionOf(row));
  return result;
}

std::optional<Subscription> WebhookStore::subscription(const std::string& id) const {
  auto rows = db_.query(std::string("SELECT ") + kSubscriptionColumns +
                            ", secret, key_id FROM wh_subscriptions WHERE id = ? AND active = 1",
                        {id});
  if (rows.empty()) return std::nullopt;
  auto subscription = subscriptionOf(rows[0]);
  const auto& key = rows[0]["key_id"];
  auto sealed = rows[0]["secret"].get<std::string>();
  try {
    subscription.secret = key.is_null() ? sealed : keys_.open(sealedColumn().contextPrefix + id, sealed, key.get<std::string>());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("the secret of webhook " + id + " cannot be opened: " + e.what());
  }
  return subscription;
}

void WebhookStore::deactivate(const std::string& id) {
  db_.execute("UPDATE wh_subscriptions SET active = 0, updated_at = ? WHERE id = ?",
              {orch::rfc3339Millis(orch::nowMs()), id});
}

void WebhookStore::enqueue(const std::vector<std::string>& subscriptionIds, const std::string& event,
                           const std::string& payload) {
  auto now = orch::nowMs();
  db_.transaction([&](orch::Transaction& tx) {
    for (const auto& subscriptionId : subscriptionIds)
      db_.insert("wh_deliveries",
                 {{"id", orch::newId()},
                  {"subscription_id", subscriptionId},
                  {"event", event},
                  {"payload", payload},
                  {"status", "pending"},
                  {"attempts", 0},
                  {"next_attempt_ms", now},
                  {"created_ms", now},
                  {"created_at", orch::rfc3339Millis(now)}},
                 &tx);
  });
}

std::vector<Delivery> WebhookStore::claim(const std::string& owner, std::int64_t nowMs, std::int64_t leaseMs, int limit) {
  std::vector<Delivery> claimed;
  auto due = db_.query("SELECT id, subscription_id, event, payload, attempts, created_ms FROM wh_deliveries "
                       "WHERE status = 'pending' AND next_attempt_ms <= ? AND (lease_until_ms IS NULL OR lease_until_ms < ?) "
                       "ORDER BY next_attempt_ms LIMIT ?",
                       {nowMs, nowMs, limit});
  for (const auto& row : due) {
    // The lease is taken only if nobody took it since the select: one host sends it.
    if (db_.execute("UPDATE wh_deliveries SET lease_owner = ?, lease_until_ms = ? WHERE id = ? AND status = 'pending' "
                    "AND (lease_until_ms IS NULL OR lease_until_ms < ?)",
                    {owner, nowMs + leaseMs, row["id"], nowMs}) == 1)
      claimed.push_back({row["id"], row["subscription_id"], row["event"], row["payload"],
                         row["attempts"].get<std::int64_t>(), row["created_ms"].get<std::int64_t>()});
  }
  return claimed;
}

void WebhookStore::recordAttempt(const Delivery& delivery, const std::string& status, int responseStatus,
                                 const std::string& error, std::int64_t durationMs, std::int64_t nextAttemptMs) {
  auto now = orch::nowMs();
  auto code = responseStatus ? orch::json(responseStatus) : orch::json();
  auto message = error.empty() ? orch::json() : orch::json(error);
  db_.transaction([&](orch::Transaction& tx) {
    db_.insert("wh_attempts",
               {{"delivery_id", delivery.id},
                {"attempt", delivery.attempts + 1},
                {"started_at", orch::rfc3339Millis(now - durationMs)},
                {"duration_ms", durationMs},
                {"response_status", code},
                {"error", message}},
               &tx);
    db_.execute("UPDATE wh_deliveries SET status = ?, attempts = ?, next_attempt_ms = ?, lease_owner = NULL, "
                "lease_until_ms = NULL, response_status = ?, last_error = ?, completed_at = ? WHERE id = ?",
                {status, delivery.attempts + 1, nextAttemptMs, code, message,
                 status == "pending" ? orch::json() : orch::json(orch::rfc3339Millis(now)), delivery.id},
                &tx);
  });
}

std::pair<orch::json, std::int64_t> WebhookStore::deliveries(const std::string& subscriptionId,
                                                             const std::optional<std::string>& status,
                                                             const orch::Page& page) const {
  std::string where = "subscription_id = ?";
  orch::json params = {subscriptionId};
  if (status) {
    where += " AND status = ?";
    params.push_back(*status);
  }
  auto total = db_.query("SELECT COUNT(*) AS n FROM wh_deliveries WHERE " + where, params)[0]["n"].get<std::int64_t>();
  params.push_back(page.limit);
  params.push_back(page.offset);
  auto rows = db_.query("SELECT id, event, payload, status, attempts, next_attempt_ms, response_status, last_error, "
                        "created_at, completed_at FROM wh_deliveries WHERE " + where +
                            " ORDER BY created_ms DESC, id LIMIT ? OFFSET ?",
                        params);
  // Every attempt of the page's deliveries in one query, not one per delivery.
  std::map<std::string, orch::json> attempts;
  if (!rows.empty()) {
    std::string marks;
    orch::json ids = orch::json::array();
    for (const auto& row : rows) {
      marks += marks.empty() ? "?" : ", ?";
      ids.push_back(row["id"]);
    }
    for (const auto& attempt : db_.query("SELECT delivery_id, attempt, started_at, duration_ms, response_status, error "
                                         "FROM wh_attempts WHERE delivery_id IN (" + marks + ") ORDER BY attempt",
                                         ids))
      attempts[attempt["delivery_id"].get<std::string>()].push_back({{"attempt", attempt["attempt"]},
                                                                     {"at", attempt["started_at"]},
                                                                     {"duration_ms", attempt["duration_ms"]},
                                                                     {"response_status", attempt["response_status"]},
                                                                     {"error", attempt["error"]}});
  }
  orch::json items = orch::json::array();
  for (const auto& row : rows) {
    bool pending = row["status"] == "pending";
    auto log = attempts.find(row["id"].get<std::string>());
    items.push_back({{"id", row["id"]},
                     {"event", row["event"]},
                     {"status", row["status"]},
                     {"attempts", row["attempts"]},
                     {"response_status", row["response_status"]},
                     {"last_error", row["last_error"]},
                     {"created_at", row["created_at"]},
                     {"completed_at", row["completed_at"]},
                     {"next_attempt_at", pending ? orch::json(orch::rfc3339Millis(row["next_attempt_ms"].get<std::int64_t>()))
                                                 : orch::json()},
                     {"payload", orch::json::parse(row["payload"].get<std::string>(), nullptr, false)},
                     {"attempt_log", log == attempts.end() ? orch::json::array() : log->second}});
  }
  return {items, total};
}

} // namespace webhooks
