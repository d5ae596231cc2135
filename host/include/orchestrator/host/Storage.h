#pragma once

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace orch::host {

class StorageTransaction;

/// The host's database: a Poco::Data session pool over SQLite (default, a file
/// in the data directory, WAL mode) or PostgreSQL (`storage.url =
/// postgresql://...`). Callers write portable SQL with `?` placeholders; this
/// class adapts them for the backend. Thread-safe.
class Storage {
public:
  enum class Backend { SQLite, PostgreSQL };

  struct Options {
    std::string url;      ///< empty or "sqlite:" (default) or "postgresql://user:pw@host:port/db"
    std::string dataDir;  ///< where the SQLite file `orchestrator.db` lives
    int poolMin = 1;
    int poolMax = 16;
    std::chrono::milliseconds busyTimeout{5000};
  };

  /// Opens the pool and checks one connection. Throws StorageError with a
  /// message naming the URL (without its password) when it cannot connect.
  static std::unique_ptr<Storage> open(const Options& options);
  virtual ~Storage() = default;

  virtual Backend backend() const = 0;
  /// "sqlite" or "postgresql".
  std::string backendName() const;

  /// Runs one statement with `?` placeholders bound from `params` (a JSON
  /// array of string, number, boolean or null; objects and arrays are bound
  /// as their JSON text). Returns the rows as a JSON array of objects keyed by
  /// column name, with integers, reals, text and nulls as JSON values.
  /// `txn` null means autocommit on a pooled session. Throws StorageError.
  ///
  /// Values, per backend:
  /// - SQLite types each value, not each column: INTEGER values come back as
  ///   JSON integers, REAL as numbers, TEXT as strings, BLOB as "\x<hex>".
  ///   SQLite has no boolean: a bound true is stored, and read back, as 1.
  /// - PostgreSQL, by column type: boolean → true/false; smallint, integer,
  ///   bigint → integers; real, double precision → numbers; numeric → an
  ///   integer when whole and within int64, else a (rounded) number;
  ///   timestamptz → RFC 3339 in UTC ("2024-01-02T03:04:05.5Z"), timestamp →
  ///   the same without zone; everything else (text, uuid, json, jsonb, date,
  ///   interval) → its text, bytea as "\x<hex>".
  /// On PostgreSQL integer, real and boolean parameters are typed (so
  /// `SELECT ?` returns an integer), strings and nulls are left for the server
  /// to infer (so they fit jsonb, uuid or timestamptz columns; write
  /// `CAST(? AS TEXT)` where it cannot, as in `? IS NULL`). Every `?` outside
  /// quotes and comments is a placeholder, so the jsonb `?` operators need
  /// their function form (jsonb_exists).
  virtual nlohmann::json query(const std::string& sql, const nlohmann::json& params,
                               StorageTransaction* txn = nullptr) = 0;

  /// Like query for statements without rows; returns the number of rows the
  /// statement inserted, updated or deleted.
  virtual std::uint64_t execute(const std::string& sql, const nlohmann::json& params,
                                StorageTransaction* txn = nullptr) = 0;

  /// Runs a script of several `;`-separated statements without parameters
  /// (migrations). Respects quotes when splitting.
  virtual void executeScript(const std::string& script, StorageTransaction* txn = nullptr) = 0;

  /// Starts a transaction on a session taken from the pool until it ends
  /// (SQLite: BEGIN IMMEDIATE, so one writer at a time). It must not outlive
  /// this Storage. Callers wait up to 30 s for a session when all are in use.
  virtual std::unique_ptr<StorageTransaction> begin() = 0;

  /// Round trip of `SELECT 1`; throws StorageError when unreachable.
  virtual std::chrono::microseconds ping() = 0;

  /// On PostgreSQL, libpq's connection string, for a connection outside the
  /// pool (the event relay's LISTEN); empty on SQLite.
  virtual std::string libpqConninfo() const = 0;
};

/// A transaction holding one pooled session. Rolled back on destruction unless
/// committed. Use from one thread at a time.
class StorageTransaction {
public:
  virtual ~StorageTransaction() = default;
  virtual void commit() = 0;
  virtual void rollback() = 0;
};

/// A database failure, with a message fit for the log (never for a client).
class StorageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Rewrites `?` placeholders as `$1, $2, ...`, leaving `?` inside quoted
/// strings, quoted identifiers and comments alone.
std::string numberPlaceholders(const std::string& sql);

/// Splits a script at `;` outside quotes, comments and PostgreSQL
/// dollar-quoted bodies, keeping the BEGIN ... END body of a CREATE TRIGGER
/// (SQLite) or CREATE FUNCTION ... BEGIN ATOMIC whole; drops statements that
/// hold nothing but blanks and comments.
std::vector<std::string> splitStatements(const std::string& script);

/// One migration of one plugin.
struct Migration {
  std::string plugin;
  std::int64_t version = 0;
  std::string description;
  std::string sql;
  std::string sqlPostgreSQL; ///< replaces sql on PostgreSQL when not empty
};

/// Applies migrations once each: records them in `orch_migrations` (plugin,
/// version, description, applied_at), each in its own transaction, in
/// ascending version order per plugin. On PostgreSQL an advisory lock keeps
/// several hosts starting at once from applying the same migration twice.
/// Returns how many were applied now. Throws StorageError naming the plugin
/// and version that failed (its transaction is rolled back).
std::size_t applyMigrations(Storage& storage, const std::vector<Migration>& migrations);

} // namespace orch::host
