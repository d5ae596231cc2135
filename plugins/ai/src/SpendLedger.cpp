#include "SpendLedger.h"

#include <orchestrator/services/feeds.hpp>

#include <cmath>

namespace ai {
namespace {

using orch::json;

std::string monthOf(std::int64_t epoch) { return orch::rfc3339(epoch).substr(0, 7); }

constexpr const char* kEnsureSpendRow =
    "INSERT INTO ai_spend (scope_type, scope_id, month, spent_nanos, reserved_nanos, calls) VALUES (?, ?, ?, 0, 0, 0) "
    "ON CONFLICT (scope_type, scope_id, month) DO NOTHING";

std::int64_t integer(const json& row, const char* column) {
  const auto& value = row.at(column);
  return value.is_number() ? value.get<std::int64_t>() : std::stoll(value.get<std::string>());
}

} // namespace

std::string SpendLedger::currentMonth() { return monthOf(orch::nowSeconds()); }

std::int64_t SpendLedger::toNanos(double usd) { return static_cast<std::int64_t>(std::ceil(usd * 1e9)); }

std::optional<double> SpendLedger::budget(const std::string& scope, const std::string& id) const {
  if (id.empty()) return std::nullopt;
  {
    std::lock_guard lock(budgetsMutex_);
    auto it = budgets_.find({scope, id});
    if (it != budgets_.end()) return it->second;
  }
  double fallback = scope == "user" ? defaults_.userMonthlyUsd : defaults_.organizationMonthlyUsd;
  if (fallback > 0) return fallback;
  return std::nullopt;
}

void SpendLedger::reloadBudgets() {
  std::map<std::pair<std::string, std::string>, double> loaded;
  for (const auto& row : db_.query("SELECT scope_type, scope_id, monthly_limit_nanos FROM ai_budgets"))
    loaded[{row["scope_type"].get<std::string>(), row["scope_id"].get<std::string>()}] =
        toUsd(integer(row, "monthly_limit_nanos"));
  std::lock_guard lock(budgetsMutex_);
  budgets_ = std::move(loaded);
}

void SpendLedger::setBudget(const std::string& scope, const std::string& id, double monthlyUsd, const std::string& by) {
  db_.execute("INSERT INTO ai_budgets (scope_type, scope_id, monthly_limit_nanos, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (scope_type, scope_id) DO UPDATE SET monthly_limit_nanos = excluded.monthly_limit_nanos, "
              "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
              {scope, id, toNanos(monthlyUsd), orch::nowRfc3339(), by});
  std::lock_guard lock(budgetsMutex_);
  budgets_[{scope, id}] = toUsd(toNanos(monthlyUsd));
}

bool SpendLedger::removeBudget(const std::string& scope, const std::string& id) {
  auto removed = db_.execute("DELETE FROM ai_budgets WHERE scope_type = ? AND scope_id = ?", {scope, id});
  std::lock_guard lock(budgetsMutex_);
  budgets_.erase({scope, id});
  return removed > 0;
}

json SpendLedger::listBudgets() const {
  json list = json::array();
  for (auto& row : db_.query("SELECT scope_type, scope_id, monthly_limit_nanos, updated_at, updated_by FROM ai_budgets "
                             "ORDER BY scope_type, scope_id"))
    list.push_back({{"scope_type", row["scope_type"]}, {"scope_id", row["scope_id"]},
                    {"monthly_limit_usd", toUsd(integer(row, "monthly_limit_nanos"))},
                    {"updated_at", row["updated_at"]}, {"updated_by", row["updated_by"]}});
  return list;
}

SpendLedger::Reservation SpendLedger::reserve(const Payer& payer, double estimatedUsd) {
  Reservation reservation;
  auto userBudget = budget("user", payer.userId);
  auto organizationBudget = budget("organization", payer.organizationId);
  if (!userBudget && !organizationBudget) return reservation;
  reservation.id = orch::newId();
  reservation.month = currentMonth();
  reservation.nanos = toNanos(estimatedUsd);
  reservation.user = userBudget.has_value();
  reservation.organization = organizationBudget.has_value();
  db_.transaction([&](orch::Transaction& tx) {
    auto hold = [&](const std::string& scope, const std::string& id, double limitUsd) {
      db_.execute(kEnsureSpendRow, {scope, id, reservation.month}, &tx);
      auto limit = toNanos(limitUsd);
      // One statement decides, under the row's lock: concurrent calls queue
      // here and each sees the reservations committed before it.
      auto held = db_.execute("UPDATE ai_spend SET reserved_nanos = reserved_nanos + ? WHERE scope_type = ? AND scope_id = ? "
                              "AND month = ? AND spent_nanos + reserved_nanos + ? <= ?",
                              {reservation.nanos, scope, id, reservation.month, reservation.nanos, limit}, &tx);
      if (held == 1) return;
      auto row = db_.queryOne("SELECT spent_nanos, reserved_nanos FROM ai_spend WHERE scope_type = ? AND scope_id = ? AND month = ?",
                              {scope, id, reservation.month}, &tx);
      auto spent = row ? integer(*row, "spent_nanos") : 0, reserved = row ? integer(*row, "reserved_nanos") : 0;
      throw orch::HttpError(402, "BUDGET_EXCEEDED",
                            "Budget exceeded: this call (estimated $" + std::to_string(estimatedUsd) + ") would pass the " +
                                scope + "'s monthly budget",
                            {{"scope", scope}, {"scope_id", id}, {"month", reservation.month},
                             {"budget_limit", toUsd(limit)}, {"spent", toUsd(spent)}, {"reserved", toUsd(reserved)},
                             {"estimated_cost", estimatedUsd}, {"remaining", toUsd(std::max<std::int64_t>(0, limit - spent - reserved))}});
    };
    if (userBudget) hold("user", payer.userId, *userBudget);
    if (organizationBudget) hold("organization", payer.organizationId, *organizationBudget);
    db_.insert("ai_reservations", {{"id", reservation.id}, {"user_id", payer.userId},
                                   {"organization_id", payer.organizationId}, {"user_scoped", reservation.user ? 1 : 0},
                                   {"organization_scoped", reservation.organization ? 1 : 0}, {"month", reservation.month},
                                   {"amount_nanos", reservation.nanos}, {"created_epoch", orch::nowSeconds()}}, &tx);
  });
  return reservation;
}

void SpendLedger::settle(const Reservation& reservation, const CallRecord& record) {
  if (!reservation.id.empty()) {
    auto cost = toNanos(record.costUsd);
    db_.transaction([&](orch::Transaction& tx) {
      auto apply = [&](const std::string& scope, const std::string& id) {
        db_.execute("UPDATE ai_spend SET reserved_nanos = reserved_nanos - ?, spent_nanos = spent_nanos + ?, calls = calls + 1 "
                    "WHERE scope_type = ? AND scope_id = ? AND month = ?",
                    {reservation.nanos, cost, scope, id, reservation.month}, &tx);
      };
      if (reservation.user) apply("user", record.userId);
      if (reservation.organization) apply("organization", record.organizationId);
      db_.execute("DELETE FROM ai_reservations WHERE id = ?", reservation.id, &tx);
    });
  }
  modelUsage_.record(record);
  std::lock_guard lock(queueMutex_);
  auto& queued = queue_.emplace_back(record, reservation);
  if (!queued.first.endedMs) queued.first.endedMs = orch::nowMs();
}

void SpendLedger::flush() {
  std::lock_guard flushing(flushMutex_); // one writer at a time keeps records in order
  std::vector<std::pair<CallRecord, Reservation>> batch;
  {
    std::lock_guard lock(queueMutex_);
    batch.swap(queue_);
  }
  if (batch.empty()) return;
  try {
    writeBatch(batch);
  } catch (...) {
    // Keep the records for the next flush rather than lose what was spent.
    std::lock_guard lock(queueMutex_);
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    throw;
  }
}

void SpendLedger::writeBatch(const std::vector<std::pair<CallRecord, Reservation>>& batch) {
  db_.transaction([&](orch::Transaction& tx) {
    for (const auto& [record, reservation] : batch) {
      db_.insert("ai_calls",
                 {{"id", record.id}, {"user_id", record.userId}, {"organization_id", record.organizationId},
                  {"model", record.model}, {"provider", record.provider}, {"prompt_tokens", record.promptTokens},
                  {"completion_tokens", record.completionTokens}, {"cost_nanos", toNanos(record.costUsd)},
                  {"latency_ms", record.latencyMs}, {"status", record.status}, {"error", record.error},
                  {"streamed", record.streamed ? 1 : 0}, {"usage_estimated", record.usageEstimated ? 1 : 0},
                  {"execution_id", record.executionId}, {"step_id", record.stepId}, {"request_id", record.requestId},
                  {"created_at", orch::rfc3339(record.createdMs / 1000)}, {"created_ms", record.createdMs},
                  {"ended_ms", record.endedMs}},
                 &tx);
      // Spend under no budget is counted here, off the call's path, so that
      // a budget set later starts from the truth.
      auto count = [&](const std::string& scope, const std::string& id) {
        db_.execute("INSERT INTO ai_spend (scope_type, scope_id, month, spent_nanos, reserved_nanos, calls) VALUES (?, ?, ?, ?, 0, 1) "
                    "ON CONFLICT (scope_type, scope_id, month) DO UPDATE SET spent_nanos = ai_spend.spent_nanos + excluded.spent_nanos, "
                    "calls = ai_spend.calls + 1",
                    {scope, id, monthOf(record.createdMs / 1000), toNanos(record.costUsd)}, &tx);
      };
      if (!reservation.user && !record.userId.empty()) count("user", record.userId);
      if (!reservation.organization && !record.organizationId.empty()) count("organization", record.organizationId);
    }
  });
}

void SpendLedger::releaseAbandoned(std::int64_t olderThanSeconds) {
  auto stale = db_.query("SELECT id, user_id, organization_id, user_scoped, organization_scoped, month, amount_nanos "
                         "FROM ai_reservations WHERE created_epoch < ?",
                         orch::nowSeconds() - olderThanSeconds);
  for (const auto& row : stale) {
    db_.transaction([&](orch::Transaction& tx) {
      // Deleting first makes a release by two hosts at once count only once.
      if (db_.execute("DELETE FROM ai_reservations WHERE id = ?", row["id"], &tx) != 1) return;
      auto release = [&](const char* scope, const json& id) {
        db_.execute("UPDATE ai_spend SET reserved_nanos = reserved_nanos - ? WHERE scope_type = ? AND scope_id = ? AND month = ?",
                    {integer(row, "amount_nanos"), scope, id, row["month"]}, &tx);
      };
      if (integer(row, "user_scoped")) release("user", row["user_id"]);
      if (integer(row, "organization_scoped")) release("organization", row["organization_id"]);
    });
  }
}

json SpendLedger::scopeUsage(const std::string& scope, const std::string& id, const std::string& month) const {
  auto row = db_.queryOne("SELECT spent_nanos, reserved_nanos, calls FROM ai_spend WHERE scope_type = ? AND scope_id = ? AND month = ?",
                          {scope, id, month});
  double spent = row ? toUsd(integer(*row, "spent_nanos")) : 0, reserved = row ? toUsd(integer(*row, "reserved_nanos")) : 0;
  json usage = {{"id", id}, {"spent_usd", spent}, {"reserved_usd", reserved}, {"calls", row ? integer(*row, "calls") : 0}};
  auto limit = budget(scope, id);
  usage["budget_usd"] = limit ? json(*limit) : json(nullptr);
  usage["remaining_usd"] = limit ? json(std::max(0.0, *limit - spent - reserved)) : json(nullptr);
  usage["budget_used_percentage"] = limit && *limit > 0 ? json(std::round(spent / *limit * 10000) / 100) : json(nullptr);
  return usage;
}

json SpendLedger::usage(const Payer& payer) {
  flush();
  auto month = currentMonth();
  json answer = {{"month", month}, {"user", scopeUsage("user", payer.userId, month)}};
  answer["organization"] = payer.organizationId.empty() ? json(nullptr) : scopeUsage("organization", payer.organizationId, month);
  return answer;
}

json SpendLedger::calls(const std::string& whereSql, const json& params, std::int64_t limit, std::int64_t offset) {
  flush();
  auto total = db_.queryOne("SELECT COUNT(*) AS n FROM ai_calls WHERE " + whereSql, params);
  auto pageParams = params;
  pageParams.push_back(limit);
  pageParams.push_back(offset);
  json list = json::array();
  for (auto& row : db_.query("SELECT * FROM ai_calls WHERE " + whereSql + " ORDER BY created_ms DESC, id LIMIT ? OFFSET ?",
                             pageParams)) {
    row["cost"] = toUsd(integer(row, "cost_nanos"));
    row.erase("cost_nanos");
    row["streamed"] = integer(row, "streamed") != 0;
    row["usage_estimated"] = integer(row, "usage_estimated") != 0;
    row["total_tokens"] = integer(row, "prompt_tokens") + integer(row, "completion_tokens");
    list.push_back(std::move(row));
  }
  return {{"calls", std::move(list)}, {"total", total ? integer(*total, "n") : 0}};
}

json SpendLedger::feed(const json& message) {
  namespace feeds = orch::services::feeds;
  auto request = feeds::FeedRequest::fromJson(message);
  json params = json::array();
  // By when the record was written, not when the call began: a call of a
  // minute commits a minute after calls that began after it.
  auto where = request.where("ended_ms", "id", params, [](std::int64_t ms) { return ms; });
  params.push_back(request.limit);
  json items = json::array();
  for (auto& row : db_.query("SELECT id, user_id, organization_id, model, provider, prompt_tokens, completion_tokens, cost_nanos, "
                             "latency_ms, status, execution_id, created_ms, ended_ms FROM ai_calls WHERE " + where +
                                 " ORDER BY ended_ms, id LIMIT ?",
                             params)) {
    row["version"] = 1;
    row["at_ms"] = integer(row, "ended_ms");
    row.erase("ended_ms");
    items.push_back(std::move(row));
  }
  return feeds::page(std::move(items), request.limit);
}

} // namespace ai
