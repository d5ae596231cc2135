#include "RollupBatch.h"

#include "Buckets.h"

#include <algorithm>

namespace analytics {
namespace {

std::string text(const orch::json& item, const char* field) {
  auto found = item.find(field);
  return found != item.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::int64_t number(const orch::json& item, const char* field) {
  auto found = item.find(field);
  return found != item.end() ? orch::integerColumn(*found) : 0;
}

// Hours for hourly series, days for daily and weekly ones, months for the
// totals of all time (a year is 12 rows a workflow, not 365).
const char* const kGrains[] = {"h", "d", "m"};

std::int64_t bucketOf(const char* grain, std::int64_t ms) {
  if (grain[0] == 'm') return monthStart(ms);
  return bucketStart(grain[0] == 'h' ? Interval::Hour : Interval::Day, ms);
}

} // namespace

// The tables' key and value columns are those of migrations/0001_rollups.sql.
void RollupBatch::addOutcome(const orch::json& item, int sign) {
  static const Table executions{"an_executions",
                                {"grain", "bucket_ms", "owner_id", "organization_id", "workflow_id", "agent_id"},
                                {"executions", "completed", "failed", "cancelled", "duration_sum_ms", "durations"}};
  static const Table durations{"an_durations", {"grain", "bucket_ms", "owner_id", "organization_id", "workflow_id", "bin"}, {"n"}};
  auto status = text(item, "status");
  auto at = number(item, "at_ms");
  bool timed = item.contains("duration_ms") && item["duration_ms"].is_number();
  auto duration = timed ? number(item, "duration_ms") : 0;
  for (const char* grain : kGrains) {
    orch::json tenant = {grain, bucketOf(grain, at), text(item, "owner_id"), text(item, "organization_id"), text(item, "workflow_id")};
    auto key = tenant;
    key.push_back(text(item, "agent_id"));
    add(executions, key,
        {sign, status == "completed" ? sign : 0, status == "failed" ? sign : 0, status == "cancelled" ? sign : 0,
         sign * duration, timed ? sign : 0});
    if (timed) {
      tenant.push_back(latencyBin(duration));
      add(durations, tenant, {sign});
    }
  }
}

void RollupBatch::addSteps(const orch::json& item) {
  static const Table executions{"an_executions",
                                {"grain", "bucket_ms", "owner_id", "organization_id", "workflow_id", "agent_id"},
                                {"steps_completed", "tokens", "cost_nanos"}};
  static const Table steps{"an_steps", {"workflow_id", "bucket_ms", "step_id", "owner_id", "organization_id"},
                           {"runs", "failures", "duration_sum_ms", "tokens", "cost_nanos"}};
  auto at = number(item, "at_ms");
  std::int64_t completed = 0, tokens = 0, cost = 0;
  for (const auto& step : item.value("steps", orch::json::array())) {
    auto status = text(step, "status");
    if (status != "completed" && status != "failed") continue; // skipped branches did not run
    completed += status == "completed";
    tokens += number(step, "tokens");
    cost += number(step, "cost_nanos");
    // Each attempt of the step is a run: all but the last failed, and the last as its status says.
    auto attempts = std::max<std::int64_t>(1, number(step, "attempts"));
    add(steps,
        {text(item, "workflow_id"), bucketOf("d", at), text(step, "step_id"), text(item, "owner_id"), text(item, "organization_id")},
        {attempts, attempts - 1 + (status == "failed"), number(step, "duration_ms"), number(step, "tokens"), number(step, "cost_nanos")});
  }
  for (const char* grain : kGrains)
    add(executions,
        {grain, bucketOf(grain, at), text(item, "owner_id"), text(item, "organization_id"), text(item, "workflow_id"),
         text(item, "agent_id")},
        {completed, tokens, cost});
}

void RollupBatch::addCall(const orch::json& item) {
  static const Table calls{"an_ai_calls", {"grain", "bucket_ms", "user_id", "organization_id", "model", "provider"},
                           {"requests", "failures", "prompt_tokens", "completion_tokens", "cost_nanos", "latency_sum_ms"}};
  // Counted in the hour the call began.
  auto at = item.contains("created_ms") ? number(item, "created_ms") : number(item, "at_ms");
  for (const char* grain : kGrains)
    add(calls, {grain, bucketOf(grain, at), text(item, "user_id"), text(item, "organization_id"), text(item, "model"), text(item, "provider")},
        {1, text(item, "status") == "completed" ? 0 : 1, number(item, "prompt_tokens"), number(item, "completion_tokens"),
         number(item, "cost_nanos"), number(item, "latency_ms")});
}

orch::json RollupBatch::counted(const orch::json& item) {
  orch::json kept = orch::json::object();
  for (const char* field : {"at_ms", "owner_id", "organization_id", "workflow_id", "agent_id", "status", "duration_ms"})
    if (item.contains(field)) kept[field] = item[field];
  return kept;
}

void RollupBatch::add(const Table& table, orch::json key, std::vector<std::int64_t> deltas) {
  auto& rows = tables_[&table];
  auto id = key.dump();
  auto found = rows.find(id);
  if (found == rows.end()) {
    rows.emplace(std::move(id), Row{std::move(key), std::move(deltas)});
    return;
  }
  for (std::size_t i = 0; i < deltas.size(); ++i) found->second.deltas[i] += deltas[i];
}

void RollupBatch::write(const orch::Database& db, orch::Transaction& tx) const {
  for (const auto& [table, rows] : tables_) {
    std::string columns, marks, keys, sums;
    for (const char* key : table->keys) {
      columns += (columns.empty() ? "" : ", ") + std::string(key);
      keys += (keys.empty() ? "" : ", ") + std::string(key);
      marks += marks.empty() ? "?" : ", ?";
    }
    for (const char* value : table->values) {
      columns += std::string(", ") + value;
      marks += ", ?";
      sums += (sums.empty() ? "" : ", ") + std::string(value) + " = " + table->name + "." + value + " + excluded." + value;
    }
    auto sql = std::string("INSERT INTO ") + table->name + " (" + columns + ") VALUES (" + marks + ") ON CONFLICT (" +
               keys + ") DO UPDATE SET " + sums;
    for (const auto& [id, row] : rows) {
      auto params = row.key;
      for (auto delta : row.deltas) params.push_back(delta);
      db.execute(sql, params, &tx);
    }
  }
}

} // namespace analytics
