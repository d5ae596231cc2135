// Plugins' migrations: each applied once, in version order, in its own transaction.

#include "orchestrator/host/Storage.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace orch::host {
namespace {

using nlohmann::json;

/// The PostgreSQL advisory lock key of migrations: "ORCHMIGR".
constexpr std::int64_t kMigrationLockKey = 0x4F5243484D494752;

constexpr const char* kCreateMigrationsTable = R"(CREATE TABLE IF NOT EXISTS orch_migrations (
  plugin TEXT NOT NULL,
  version BIGINT NOT NULL,
  description TEXT,
  applied_at TEXT NOT NULL,
  PRIMARY KEY (plugin, version)
))";

/// Keeps other hosts on the same PostgreSQL from migrating until this one is
/// done. The lock is the transaction-scoped kind, on a transaction of its own
/// held for the whole run: every way out (destruction, a lost connection)
/// releases it, and no pooled session keeps it afterwards. Needs a second
/// session for the migrations themselves. SQLite needs nothing: each
/// migration's transaction takes the write lock before checking its record.
class MigrationLock {
public:
  explicit MigrationLock(Storage& storage) {
    if (storage.backend() != Storage::Backend::PostgreSQL) return;
    _holder = storage.begin();
    // The holder idles in its transaction while the migrations run.
    storage.execute("SET LOCAL idle_in_transaction_session_timeout = 0", json::array(), _holder.get());
    storage.query("SELECT pg_advisory_xact_lock(?)", json::array({kMigrationLockKey}), _holder.get());
  }

private:
  std::unique_ptr<StorageTransaction> _holder;
};

std::string migrationName(const Migration& migration) {
  std::string name = "migration " + migration.plugin + " version " + std::to_string(migration.version);
  if (!migration.description.empty()) name += " (" + migration.description + ")";
  return name;
}

/// Plugins in the order they first appear, each plugin's versions ascending.
std::vector<const Migration*> inOrder(const std::vector<Migration>& migrations) {
  std::map<std::string, std::size_t> pluginRank;
  for (const auto& migration : migrations) pluginRank.emplace(migration.plugin, pluginRank.size());
  std::vector<const Migration*> ordered;
  for (const auto& migration : migrations) ordered.push_back(&migration);
  const auto key = [&](const Migration* m) { return std::pair(pluginRank.at(m->plugin), m->version); };
  std::sort(ordered.begin(), ordered.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  const auto twice = std::adjacent_find(ordered.begin(), ordered.end(), [&](auto* a, auto* b) { return key(a) == key(b); });
  if (twice != ordered.end()) throw StorageError(migrationName(**twice) + " is listed twice");
  return ordered;
}

/// Applies one migration unless its record exists; whether it did.
bool applyOne(Storage& storage, const Migration& migration) {
  const auto txn = storage.begin();
  const json key = json::array({migration.plugin, migration.version});
  if (!storage.query("SELECT 1 FROM orch_migrations WHERE plugin = ? AND version = ?", key, txn.get()).empty()) {
    return false;
  }
  const bool postgres = storage.backend() == Storage::Backend::PostgreSQL;
  storage.executeScript(postgres && !migration.sqlPostgreSQL.empty() ? migration.sqlPostgreSQL : migration.sql, txn.get());
  const std::string appliedAt = Poco::DateTimeFormatter::format(Poco::Timestamp(), Poco::DateTimeFormat::ISO8601_FORMAT);
  storage.execute("INSERT INTO orch_migrations (plugin, version, description, applied_at) VALUES (?, ?, ?, ?)",
                  json::array({migration.plugin, migration.version, migration.description, appliedAt}), txn.get());
  txn->commit();
  return true;
}

} // namespace

std::size_t applyMigrations(Storage& storage, const std::vector<Migration>& migrations) {
  const auto ordered = inOrder(migrations);
  const MigrationLock lock(storage);
  storage.executeScript(kCreateMigrationsTable);
  std::size_t applied = 0;
  for (const Migration* migration : ordered) {
    try {
      if (applyOne(storage, *migration)) ++applied;
    } catch (const std::exception& e) {
      throw StorageError(migrationName(*migration) + " failed: " + e.what());
    }
  }
  return applied;
}

} // namespace orch::host
