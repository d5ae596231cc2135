#pragma once

#include <orchestrator/database.hpp>
#include <orchestrator/tenancy.hpp>

#include <optional>
#include <string>

namespace marketplace {

using orch::json;

/// What a listing's price is now, or was when it was installed.
struct Price {
  std::string type = "free"; ///< free, one_time, subscription
  std::int64_t cents = 0;
  std::string currency = "USD";
  std::string interval; ///< daily, weekly, monthly, yearly (subscriptions)

  static Price ofRow(const json& row); ///< a listing's or an install's columns
  /// When the period after one starting at `startMs` starts.
  std::int64_t nextPeriodMs(std::int64_t startMs) const;
};

/// The copies installed from listings (mk_installs), the ledger of what
/// their installs and subscriptions were charged (mk_ledger), and who ran a
/// copy last (mk_usage): every figure of usage_metrics.
class Installs {
public:
  explicit Installs(const orch::Database& db) : db_(db) {}

  /// Records the install of `columns` (mk_installs), counts the download and,
  /// unless it is free, charges its first period (`reference`: the billing
  /// plugin's, if one charged it), all in one transaction.
  void record(const json& columns, const Price& price, const json& reference);
  std::optional<json> ofAgent(const std::string& agentId) const;
  /// The install is pinned to `version` now, its workflows those of `workflowIds`.
  void moveTo(const std::string& installId, std::int64_t version, const json& workflowIds);
  /// The copy was deleted: its subscription ends. False when it was already gone.
  bool removed(const std::string& agentId);
  /// Whether the tenant (its user, or one of its organizations) installed the listing:
  /// the user's or organization's id it installed under, or nullopt.
  std::optional<std::string> installer(const std::string& listingId, const orch::Tenant& tenant,
                                       const json& organizationId) const;

  /// A run of the copy `agentId` by `userId`: the listing whose active users
  /// may have changed (a user not seen in `activeDays`), or nullopt.
  std::optional<std::string> ran(const std::string& agentId, const std::string& userId, const std::string& at,
                                 std::int64_t activeDays);

  /// Subscriptions whose next period has started by `nowMs`: each charged
  /// once (on any host); the listings whose revenue changed.
  struct Due {
    json install;
    Price price;
    std::string periodStart;
  };
  std::vector<Due> due(std::int64_t nowMs) const;
  /// Charges one due period; false when another host charged it first.
  bool charge(const Due& due, const json& reference);

  /// {total_downloads, active_users, revenue} of a listing, from the rows.
  json metrics(const std::string& listingId, std::int64_t activeDays) const;

private:
  const orch::Database& db_;
};

} // namespace marketplace
