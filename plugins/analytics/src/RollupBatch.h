#pragma once

#include <orchestrator/database.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace analytics {

/// What a page of a feed adds to the rollup tables, summed in memory and
/// written as one upsert per row (`value = value + delta`), so that rows
/// are only ever added to: the same batch written by two hosts at once is
/// refused by the feed's cursor, never counted twice.
class RollupBatch {
public:
  /// An execution's outcome in its hour and day: counted with `sign` -1
  /// when a retry replaces it. `item` is a finished_details item or what
  /// counted() kept of one.
  void addOutcome(const orch::json& item, int sign);
  /// The step runs of an execution's attempt: each step's runs, failures and
  /// time, and the execution's completed steps, tokens and cost.
  void addSteps(const orch::json& item);
  /// One AI call (a calls item) in its hour and day.
  void addCall(const orch::json& item);
  /// What addOutcome needs to take an outcome back, kept in an_counted.
  static orch::json counted(const orch::json& item);

  bool empty() const { return tables_.empty(); }
  void write(const orch::Database& db, orch::Transaction& tx) const;

private:
  struct Table {
    const char* name;
    std::vector<const char*> keys, values;
  };
  struct Row {
    orch::json key;
    std::vector<std::int64_t> deltas;
  };
  void add(const Table& table, orch::json key, std::vector<std::int64_t> deltas);

  std::map<const Table*, std::map<std::string, Row>> tables_;
};

} // namespace analytics
