#include "StorageDialect.h"

#include <Poco/Data/SQLite/Utility.h>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace orch::host::storage_detail {
namespace {

std::string hexBytes(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex = "\\x";
  hex.reserve(2 + 2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 0xf];
  }
  return hex;
}

/// SQLite: values are typed per value, not per column, so rows are read by
/// each value's storage class. There is no boolean: true and false are 1 and 0.
class SqliteDialect final : public Dialect {
public:
  explicit SqliteDialect(std::chrono::milliseconds busyTimeout) : _busyTimeout(busyTimeout) {}

  Storage::Backend backend() const override { return Storage::Backend::SQLite; }

  void prepareSession(Session& session) const override {
    run(session, "PRAGMA busy_timeout = " + std::to_string(_busyTimeout.count()), {});
    run(session, "PRAGMA journal_mode = WAL", {});
    // Durable at each checkpoint rather than each commit: WAL's usual trade.
    run(session, "PRAGMA synchronous = NORMAL", {});
    run(session, "PRAGMA foreign_keys = ON", {});
  }

  std::string nativeSql(const std::string& sql, std::size_t) const override { return sql; }

  // IMMEDIATE takes the write lock up front: a deferred transaction that reads
  // and then writes fails at once with SQLITE_BUSY when another wrote meanwhile,
  // instead of waiting for the busy timeout.
  std::string beginStatement() const override { return "BEGIN IMMEDIATE"; }

  // Statements are prepared once per connection and kept: parsing the SQL
  // again for each run was a fifth of a busy host's time.
  Result run(Session& session, const std::string& sql, const std::vector<Param>& params) const override {
    sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
    auto [statement, keep] = prepared(db, sql);
    if (!statement) return {}; // only comments
    // Whatever happens below, the statement is left ready for its next run
    // (the text parameters it points at, SQLITE_STATIC, are gone after this
    // call), or finalized when it is not kept.
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> done(
        statement, keep ? +[](sqlite3_stmt* s) { return sqlite3_reset(s) | sqlite3_clear_bindings(s); }
                        : &sqlite3_finalize);
    bind(statement, params, sql);

    Result result;
    const sqlite3_int64 changesBefore = sqlite3_total_changes64(db);
    int status = SQLITE_OK;
    while ((status = sqlite3_step(statement)) == SQLITE_ROW) result.rows.push_back(row(statement));
    if (status != SQLITE_DONE) throw failure(db, sql);
    // changes() keeps the count of the last INSERT, UPDATE or DELETE, even
    // when this statement was none of them.
    if (sqlite3_total_changes64(db) != changesBefore) result.affected = sqlite3_changes64(db);
    return result;
  }

  ~SqliteDialect() override {
    // The pool closed its connections before (sqlite3_close_v2 keeps them
    // while statements live): finalizing the last statement frees each.
    for (auto& [db, statements] : _statements)
      for (auto& [sql, statement] : statements) sqlite3_finalize(statement);
  }

private:
  /// At most this many statements are kept per connection, so that SQL
  /// whose text keeps changing cannot grow memory without end.
  static constexpr std::size_t kStatementsPerConnection = 256;

  /// The statement for `sql` on this connection (nullptr for SQL that is
  /// only comments), and whether it is kept for later runs. A connection is
  /// used by one thread at a time, so only the map needs the lock.
  std::pair<sqlite3_stmt*, bool> prepared(sqlite3* db, const std::string& sql) const {
    {
      std::lock_guard lock(_statementsMutex);
      auto& statements = _statements[db];
      if (auto found = statements.find(sql); found != statements.end()) return {found->second, true};
    }
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement,
                           &tail) != SQLITE_OK) {
      throw failure(db, sql);
    }
    if (!statement) return {nullptr, false};
    if (!splitStatements(std::string(tail, sql.data() + sql.size())).empty()) {
      sqlite3_finalize(statement);
      throw statementError("SQLite: one statement at a time (use executeScript for several)", sql);
    }
    std::lock_guard lock(_statementsMutex);
    auto& statements = _statements[db];
    if (statements.size() >= kStatementsPerConnection) return {statement, false};
    statements.emplace(sql, statement);
    return {statement, true};
  }

  mutable std::mutex _statementsMutex;
  mutable std::unordered_map<sqlite3*, std::unordered_map<std::string, sqlite3_stmt*>> _statements;

  static StorageError failure(sqlite3* db, const std::string& sql) {
    return statementError(std::string("SQLite: ") + sqlite3_errmsg(db), sql);
  }

  static void bind(sqlite3_stmt* statement, const std::vector<Param>& params, const std::string& sql) {
    const auto expected = static_cast<std::size_t>(sqlite3_bind_parameter_count(statement));
    if (expected != params.size()) throw placeholderMismatch(expected, params.size(), sql);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      // SQLITE_STATIC: the parameters outlive the statement.
      const int status = std::visit(
          Overloaded{
              [&](std::monostate) { return sqlite3_bind_null(statement, index); },
              [&](std::int64_t v) { return sqlite3_bind_int64(statement, index, v); },
              [&](double v) { return sqlite3_bind_double(statement, index, v); },
              [&](bool v) { return sqlite3_bind_int(statement, index, v ? 1 : 0); },
              [&](const std::string& v) {
                return sqlite3_bind_text64(statement, index, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
              },
          },
          params[i]);
      if (status != SQLITE_OK) throw failure(sqlite3_db_handle(statement), sql);
    }
  }

  static json value(sqlite3_stmt* statement, int column) {
    switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER: return sqlite3_column_int64(statement, column);
    case SQLITE_FLOAT: return sqlite3_column_double(statement, column);
    case SQLITE_TEXT:
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
                         static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
    case SQLITE_BLOB: // as PostgreSQL prints bytea, so both backends agree
      return hexBytes(static_cast<const unsigned char*>(sqlite3_column_blob(statement, column)),
                      static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
    default: return nullptr;
    }
  }

  static json row(sqlite3_stmt* statement) {
    json object = json::object();
    const int columns = sqlite3_column_count(statement);
    for (int c = 0; c < columns; ++c) object[sqlite3_column_name(statement, c)] = value(statement, c);
    return object;
  }

  std::chrono::milliseconds _busyTimeout;
};

} // namespace

std::unique_ptr<Dialect> makeSqliteDialect(std::chrono::milliseconds busyTimeout) {
  return std::make_unique<SqliteDialect>(busyTimeout);
}

} // namespace orch::host::storage_detail
