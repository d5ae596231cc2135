#include "Installs.h"

#include <orchestrator/ids.hpp>
#include <orchestrator/time.hpp>

#include <algorithm>
#include <ctime>

namespace marketplace {
namespace {

constexpr const char* kColumns =
    "id, listing_id, version_number, agent_id, workflow_ids, installer_id, organization_id, pricing_type, price_cents, "
    "currency, billing_interval, next_charge_at, installed_at, removed_at";

constexpr std::int64_t kDayMs = 86400000;

/// `months` calendar months after `ms` (UTC): the same day of the month, or
/// the month's last day when it has fewer (Jan 31 + 1 month = Feb 28 or 29).
std::int64_t addMonths(std::int64_t ms, int months) {
  std::time_t seconds = ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  int day = tm.tm_mday;
  tm.tm_mday = 1;
  tm.tm_mon += months;
  timegm(&tm); // normalizes the month and year
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = tm.tm_year + 1900;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int last = kDays[tm.tm_mon] + (tm.tm_mon == 1 && leap ? 1 : 0);
  tm.tm_mday = std::min(day, last);
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms % 1000;
}

json ledgerRow(const json& install, const Price& price, const std::string& periodStart, const json& reference) {
  return {{"id", orch::newId()},       {"install_id", install["id"]},   {"listing_id", install["listing_id"]},
          {"kind", price.type},        {"amount_cents", price.cents},   {"currency", price.currency},
          {"period_start", periodStart}, {"reference", reference},      {"created_at", orch::nowRfc3339()}};
}

} // namespace

Price Price::ofRow(const json& row) {
  Price price;
  price.type = row["pricing_type"].get<std::string>();
  price.cents = row["price_cents"].get<std::int64_t>();
  price.currency = row["currency"].get<std::string>();
  price.interval = row["billing_interval"].is_string() ? row["billing_interval"].get<std::string>() : "";
  return price;
}

std::int64_t Price::nextPeriodMs(std::int64_t startMs) const {
  if (interval == "daily") return startMs + kDayMs;
  if (interval == "weekly") return startMs + 7 * kDayMs;
  if (interval == "yearly") return addMonths(startMs, 12);
  return addMonths(startMs, 1);
}

void Installs::record(const json& columns, const Price& price, const json& reference) {
  db_.transaction([&](orch::Transaction& tx) {
    db_.insert("mk_installs", columns, &tx);
    db_.execute("UPDATE mk_listings SET downloads = downloads + 1 WHERE id = ?", {columns["listing_id"]}, &tx);
    if (price.type != "free") db_.insert("mk_ledger", ledgerRow(columns, price, columns["installed_at"].get<std::string>(), reference), &tx);
  });
}

std::optional<json> Installs::ofAgent(const std::string& agentId) const {
  return db_.queryOne(std::string("SELECT ") + kColumns + " FROM mk_installs WHERE agent_id = ? AND removed_at IS NULL",
                      {agentId});
}

void Installs::moveTo(const std::string& installId, std::int64_t version, const json& workflowIds) {
  db_.execute("UPDATE mk_installs SET version_number = ?, workflow_ids = ? WHERE id = ?", {version, workflowIds.dump(), installId});
}

bool Installs::removed(const std::string& agentId) {
  return db_.execute("UPDATE mk_installs SET removed_at = ?, next_charge_at = NULL WHERE agent_id = ? AND removed_at IS NULL",
                     {orch::nowRfc3339(), agentId}) > 0;
}

std::optional<std::string> Installs::installer(const std::string& listingId, const orch::Tenant& tenant,
                                               const json& organizationId) const {
  json params = {listingId};
  std::string where = "listing_id = ? AND ";
  if (organizationId.is_string()) {
    where += "organization_id = ?";
    params.push_back(organizationId);
  } else {
    where += "organization_id IS NULL AND installer_id = ?";
    params.push_back(tenant.userId);
  }
  if (!db_.queryOne("SELECT id FROM mk_installs WHERE " + where, params)) return std::nullopt;
  return organizationId.is_string() ? organizationId.get<std::string>() : tenant.userId;
}

std::optional<std::string> Installs::ran(const std::string& agentId, const std::string& userId, const std::string& at,
                                         std::int64_t activeDays) {
  auto install = db_.queryOne("SELECT listing_id FROM mk_installs WHERE agent_id = ?", {agentId});
  if (!install) return std::nullopt;
  auto listing = (*install)["listing_id"].get<std::string>();
  auto since = orch::rfc3339(orch::nowSeconds() - activeDays * 86400);
  return db_.transaction([&](orch::Transaction& tx) -> std::optional<std::string> {
    auto seen = db_.queryOne("SELECT last_run_at FROM mk_usage WHERE listing_id = ? AND user_id = ?", {listing, userId}, &tx);
    if (seen) {
      db_.execute("UPDATE mk_usage SET last_run_at = ? WHERE listing_id = ? AND user_id = ? AND last_run_at < ?",
                  {at, listing, userId, at}, &tx);
      if ((*seen)["last_run_at"].get<std::string>() >= since) return std::nullopt;
    } else {
      db_.insert("mk_usage", {{"listing_id", listing}, {"user_id", userId}, {"last_run_at", at}}, &tx);
    }
    return listing;
  });
}

std::vector<Installs::Due> Installs::due(std::int64_t nowMs) const {
  std::vector<Due> due;
  for (auto& row : db_.query(std::string("SELECT ") + kColumns +
                                 " FROM mk_installs WHERE next_charge_at IS NOT NULL AND next_charge_at <= ? "
                                 "AND removed_at IS NULL ORDER BY next_charge_at LIMIT 500",
                             {orch::rfc3339(nowMs / 1000)})) {
    auto price = Price::ofRow(row);
    auto period = row["next_charge_at"].get<std::string>();
    due.push_back({std::move(row), price, period});
  }
  return due;
}

bool Installs::charge(const Due& due, const json& reference) {
  auto start = orch::parseRfc3339(due.periodStart).value_or(orch::nowMs());
  return db_.transaction([&](orch::Transaction& tx) {
    // Moved on only from the period it was read at: a second host finds nothing to move.
    if (db_.execute("UPDATE mk_installs SET next_charge_at = ? WHERE id = ? AND next_charge_at = ?",
                    {orch::rfc3339(due.price.nextPeriodMs(start) / 1000), due.install["id"], due.periodStart}, &tx) == 0)
      return false;
    db_.insert("mk_ledger", ledgerRow(due.install, due.price, due.periodStart, reference), &tx);
    return true;
  });
}

json Installs::metrics(const std::string& listingId, std::int64_t activeDays) const {
  auto since = orch::rfc3339(orch::nowSeconds() - activeDays * 86400);
  auto downloads = db_.queryOne("SELECT COUNT(*) AS n FROM mk_installs WHERE listing_id = ?", {listingId})->at("n");
  auto active = db_.queryOne("SELECT COUNT(*) AS n FROM mk_usage WHERE listing_id = ? AND last_run_at >= ?", {listingId, since})->at("n");
  auto cents = db_.queryOne("SELECT COALESCE(SUM(amount_cents), 0) AS n FROM mk_ledger WHERE listing_id = ?", {listingId})->at("n");
  auto total = cents.is_number() ? cents.get<std::int64_t>() : std::stoll(cents.get<std::string>());
  return {{"total_downloads", downloads}, {"active_users", active}, {"revenue", static_cast<double>(total) / 100.0}};
}

} // namespace marketplace
