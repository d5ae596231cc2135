#pragma once

// What the parts of Storage share, private to the host: the Dialect each
// backend implements (SqliteDialect.cpp, PostgresDialect.cpp), the parameters
// bound to a statement and the errors about one. PooledStorage.cpp says why
// statements run through the session's native handle.

#include "orchestrator/host/Storage.h"

#include <Poco/Data/Session.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace orch::host::storage_detail {

using nlohmann::json;
using Poco::Data::Session;

/// The statement as an error message quotes it: its start, cut at a
/// character boundary.
std::string excerpt(const std::string& sql);

/// An error of the database about one statement; never quotes parameters.
StorageError statementError(std::string_view message, const std::string& sql);

StorageError placeholderMismatch(std::size_t placeholders, std::size_t parameters, const std::string& sql);

template <typename... Ts> struct Overloaded : Ts... { using Ts::operator()...; };

/// One bound parameter: null, integer, real, boolean or text.
using Param = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

/// The parameters of a statement, from a JSON array. Throws StorageError.
std::vector<Param> toParams(const json& params, const std::string& sql);

/// libpq's messages span lines ("Connection refused\n\tIs the server
/// running...?"); a log line should not.
std::string oneLine(std::string_view text);

/// What one backend does its own way: session set-up, placeholders,
/// transactions and running a statement through the native handle.
class Dialect {
public:
  /// The outcome of one statement.
  struct Result {
    json rows = json::array();
    std::uint64_t affected = 0;
  };

  virtual ~Dialect() = default;

  virtual Storage::Backend backend() const = 0;

  /// Per-connection settings, applied once when the pool opens a session
  /// (they last as long as the connection, so queries pay nothing for them).
  virtual void prepareSession(Session& session) const = 0;

  /// The backend's form of portable SQL written with `?` placeholders, for
  /// `parameters` values.
  virtual std::string nativeSql(const std::string& sql, std::size_t parameters) const = 0;

  /// The statement that opens a transaction.
  virtual std::string beginStatement() const = 0;

  /// Whether a new connection has a chance, asked without opening one.
  virtual bool serverResponds(const std::string& /*connectionString*/) const { return true; }

  /// Runs one statement in native form. Throws StorageError.
  virtual Result run(Session& session, const std::string& sql, const std::vector<Param>& params) const = 0;
};

/// The SQLite dialect; `busyTimeout` is each connection's busy_timeout.
std::unique_ptr<Dialect> makeSqliteDialect(std::chrono::milliseconds busyTimeout);

/// The PostgreSQL dialect.
std::unique_ptr<Dialect> makePostgresDialect();

} // namespace orch::host::storage_detail
