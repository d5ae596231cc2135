// Storage over a Poco::Data session pool, on SQLite or PostgreSQL.
//
// Poco::Data owns the connections: its connectors open them, its SessionPool
// shares them, each caller holds one pooled Session. Statements, though, run
// through the session's native handle (sqlite3*, PGconn*), because Poco 1.11's
// Statement/RecordSet lose what this layer promises to keep (checked on
// bookworm's 1.11.0):
// - SQLite: columns are typed by their declared type, so `SELECT count(*)`
//   comes back as the string "2", an `INT` column is cut to 32 bits, and a
//   declared type Poco does not know (`JSON`) throws NotFoundException;
// - PostgreSQL: every `$<digit>` in the text counts as a placeholder, so
//   'costs $5' or a function body using $1 cannot run; timestamps lose their
//   fraction, 'infinity' becomes the current time, UUIDs come back empty, and
//   each statement costs four round trips (prepare, describe, execute,
//   deallocate) where PQexecParams needs one.

#include "orchestrator/host/Storage.h"

#include <Poco/Data/DataException.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/PostgreSQLTypes.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/SessionPool.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <libpq-fe.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <type_traits>
#include <unordered_map>
#include <variant>

namespace orch::host {
namespace {

using nlohmann::json;
using Poco::Data::Session;

/// How long a caller waits for a pooled session when all are in use.
constexpr std::chrono::seconds kSessionWait{30};
/// How much of a statement an error message quotes.
constexpr std::size_t kStatementExcerpt = 200;

std::string excerpt(const std::string& sql) {
  if (sql.size() <= kStatementExcerpt) return sql;
  std::size_t cut = kStatementExcerpt;
  // Not inside a UTF-8 sequence: the message may end up in JSON.
  while (cut > 0 && (static_cast<unsigned char>(sql[cut]) & 0xC0) == 0x80) --cut;
  return sql.substr(0, cut) + "...";
}

/// An error of the database about one statement; never quotes parameters.
StorageError statementError(std::string_view message, const std::string& sql) {
  return StorageError(std::string(message) + "; statement: " + excerpt(sql));
}

StorageError placeholderMismatch(std::size_t placeholders, std::size_t parameters, const std::string& sql) {
  return statementError("the statement has " + std::to_string(placeholders) + " placeholders but " +
                            std::to_string(parameters) + " parameters were given",
                        sql);
}

template <typename... Ts> struct Overloaded : Ts... { using Ts::operator()...; };

/// One bound parameter: null, integer, real, boolean or text.
using Param = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

Param toParam(const json& value, std::size_t index, const std::string& sql) {
  switch (value.type()) {
  case json::value_t::null: return std::monostate{};
  case json::value_t::boolean: return value.get<bool>();
  case json::value_t::number_integer: return value.get<std::int64_t>();
  case json::value_t::number_float: return value.get<double>();
  case json::value_t::string: return value.get<std::string>();
  case json::value_t::number_unsigned: {
    // Parsed JSON holds every non-negative integer as unsigned; neither
    // backend stores integers beyond int64.
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw statementError("parameter " + std::to_string(index + 1) + " is an integer above 2^63-1", sql);
    }
    return static_cast<std::int64_t>(number);
  }
  default: return value.dump(); // objects and arrays are stored as their JSON text
  }
}

std::vector<Param> toParams(const json& params, const std::string& sql) {
  if (!params.is_array()) throw statementError("parameters must be a JSON array", sql);
  std::vector<Param> bound;
  bound.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) bound.push_back(toParam(params[i], i, sql));
  return bound;
}

/// libpq's messages span lines ("Connection refused\n\tIs the server
/// running...?"); a log line should not.
std::string oneLine(std::string_view text) {
  std::string line;
  for (const char c : text) {
    const bool space = std::isspace(static_cast<unsigned char>(c));
    if (!space) {
      line += c;
    } else if (!line.empty() && line.back() != ' ') {
      line += ' ';
    }
  }
  if (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

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

/// A JSON number from PostgreSQL's text: integers stay integers (a NUMERIC
/// sum of integers is a whole number), anything else is a double.
json numberFromText(const std::string& text) {
  std::int64_t integer = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, integer);
  if (parsed.ec == std::errc() && parsed.ptr == end) return integer;
  return std::strtod(text.c_str(), nullptr);
}

/// PostgreSQL prints "2024-01-02 03:04:05.5+00" (ISO DateStyle, UTC session);
/// JSON gets RFC 3339: "2024-01-02T03:04:05.5Z".
std::string timestampAsRfc3339(std::string text) {
  if (text.size() > 10 && text[10] == ' ') text[10] = 'T';
  if (text.ends_with("+00")) text.replace(text.size() - 3, 3, "Z");
  return text;
}

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

/// PostgreSQL through libpq's PQexecParams: `?` becomes `$n`, parameters go
/// as text (numbers and booleans typed, so `SELECT ?` keeps the type as on
/// SQLite; strings untyped, so the server fits them to jsonb, timestamp or
/// uuid columns), and values are mapped by column type.
class PostgresDialect final : public Dialect {
public:
  Storage::Backend backend() const override { return Storage::Backend::PostgreSQL; }

  void prepareSession(Session& session) const override {
    // libpq prints NOTICEs ("table does not exist, skipping") to stderr.
    PQsetNoticeProcessor(connection(session), [](void*, const char*) {}, nullptr);
    // Fixed formats for timestamps, whatever the server's defaults.
    run(session, "SET TimeZone = 'UTC'", {});
    run(session, "SET DateStyle = 'ISO'", {});
  }

  // PostgreSQL would ignore surplus parameters; SQLite refuses them.
  std::string nativeSql(const std::string& sql, std::size_t parameters) const override {
    std::string numbered = numberPlaceholders(sql);
    // Every `?` left is in a literal or comment, as in the original.
    const auto placeholders = static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '?') -
                                                       std::count(numbered.begin(), numbered.end(), '?'));
    if (placeholders != parameters) throw placeholderMismatch(placeholders, parameters, sql);
    return numbered;
  }

  std::string beginStatement() const override { return "BEGIN"; }

  bool serverResponds(const std::string& connectionString) const override {
    const PGPing ping = PQping(connectionString.c_str());
    return ping != PQPING_NO_RESPONSE && ping != PQPING_REJECT;
  }

  Result run(Session& session, const std::string& sql, const std::vector<Param>& params) const override {
    PGconn* conn = connection(session);
    const Parameters parameters(params);
    const std::unique_ptr<PGresult, decltype(&PQclear)> outcome(
        PQexecParams(conn, sql.c_str(), static_cast<int>(params.size()), parameters.types.data(),
                     parameters.values.data(), nullptr, nullptr, 0),
        &PQclear);
    const ExecStatusType status = PQresultStatus(outcome.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw failure(conn, outcome.get(), sql);
    // COMMIT of a transaction in which a statement failed "succeeds" as ROLLBACK.
    if (sql == "COMMIT" && std::string_view(PQcmdStatus(outcome.get())) == "ROLLBACK") {
      throw StorageError("PostgreSQL: the transaction was rolled back because a statement in it failed");
    }

    Result result;
    for (int r = 0; r < PQntuples(outcome.get()); ++r) result.rows.push_back(row(outcome.get(), r));
    if (changesRows(PQcmdStatus(outcome.get()))) result.affected = std::stoull(PQcmdTuples(outcome.get()));
    return result;
  }

private:
  /// Parameters in libpq's text form.
  struct Parameters {
    std::vector<std::string> texts;
    std::vector<const char*> values;
    std::vector<Oid> types;

    explicit Parameters(const std::vector<Param>& params) : texts(params.size()), types(params.size(), 0) {
      using namespace Poco::Data::PostgreSQL;
      for (std::size_t i = 0; i < params.size(); ++i) {
        std::visit(Overloaded{
                       [](std::monostate) {},
                       [&](std::int64_t v) { set(i, std::to_string(v), INT8OID); },
                       [&](double v) { set(i, shortestText(v), FLOAT8OID); },
                       [&](bool v) { set(i, v ? "true" : "false", BOOLOID); },
                       [&](const std::string& v) { set(i, v, 0); },
                   },
                   params[i]);
      }
      // Pointers only once `texts` no longer moves.
      for (std::size_t i = 0; i < params.size(); ++i) {
        values.push_back(std::holds_alternative<std::monostate>(params[i]) ? nullptr : texts[i].c_str());
      }
    }

    void set(std::size_t i, std::string text, Oid type) {
      texts[i] = std::move(text);
      types[i] = type;
    }

    static std::string shortestText(double value) {
      char buffer[32];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
      return std::string(buffer, end);
    }
  };

  /// Whether a command tag ("INSERT 0 3", "SELECT 2") counts changed rows,
  /// as SQLite counts them; a SELECT's count is of rows returned.
  static bool changesRows(std::string_view tag) {
    return tag.starts_with("INSERT ") || tag.starts_with("UPDATE ") || tag.starts_with("DELETE ") ||
           tag.starts_with("MERGE ");
  }

  static PGconn* connection(Session& session) {
    auto* handle = Poco::AnyCast<Poco::Data::PostgreSQL::SessionHandle*>(session.getProperty("handle"));
    return static_cast<PGconn*>(*handle);
  }

  static StorageError failure(PGconn* conn, const PGresult* outcome, const std::string& sql) {
    // The primary message only: DETAIL quotes row values ("Key (email)=(...)").
    const char* primary = outcome ? PQresultErrorField(outcome, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* state = outcome ? PQresultErrorField(outcome, PG_DIAG_SQLSTATE) : nullptr;
    std::string message = oneLine(primary ? primary : PQerrorMessage(conn));
    if (state) message += std::string(" [SQLSTATE ") + state + "]";
    return statementError("PostgreSQL: " + message, sql);
  }

  static json value(const PGresult* outcome, int r, int c) {
    using namespace Poco::Data::PostgreSQL;
    std::string text(PQgetvalue(outcome, r, c), static_cast<std::size_t>(PQgetlength(outcome, r, c)));
    switch (PQftype(outcome, c)) {
    case BOOLOID: return text == "t";
    case INT2OID:
    case INT4OID:
    case INT8OID:
    case FLOAT4OID:
    case FLOAT8OID:
    case NUMERICOID: return numberFromText(text);
    case TIMESTAMPOID:
    case TIMESTAMPZOID: return timestampAsRfc3339(std::move(text));
    default: return text; // text, uuid, json, dates, bytea as "\x..."
    }
  }

  static json row(const PGresult* outcome, int r) {
    json object = json::object();
    for (int c = 0; c < PQnfields(outcome); ++c) {
      object[PQfname(outcome, c)] = PQgetisnull(outcome, r, c) ? json(nullptr) : value(outcome, r, c);
    }
    return object;
  }
};

/// Where the data lives, as the Poco connector and a reader of messages see it.
struct Target {
  std::unique_ptr<Dialect> dialect;
  std::string connector;
  std::string connectionString;
  std::string description; ///< for messages: the file, or the URL without password
  std::string secret;      ///< never to appear in a message
};

Target sqliteTarget(const std::string& filePath, const Storage::Options& options) {
  namespace fs = std::filesystem;
  const fs::path dataDir = options.dataDir.empty() ? fs::path(".") : fs::path(options.dataDir);
  const fs::path file = filePath.empty() ? dataDir / "orchestrator.db" : fs::path(filePath);
  std::error_code error;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), error);
  if (error) throw StorageError("cannot create " + file.parent_path().string() + ": " + error.message());
  return {std::make_unique<SqliteDialect>(options.busyTimeout), Poco::Data::SQLite::Connector::KEY, file.string(),
          "sqlite:" + file.string(), {}};
}

/// A value for the key=value string Poco hands to libpq. Poco splits that
/// string at spaces before libpq sees it, so no value may hold whitespace;
/// libpq itself reads a backslash as an escape and a leading quote as quoting.
std::string conninfoValue(const std::string& key, const std::string& value) {
  std::string escaped;
  for (const char c : value) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      throw StorageError("storage.url: the " + key + " contains whitespace, which Poco's PostgreSQL connector cannot pass on");
    }
    if (c == '\\' || c == '\'') escaped += '\\';
    escaped += c;
  }
  return key + "=" + escaped + " ";
}

Target postgresTarget(const Poco::URI& uri) {
  std::string user, password;
  const std::string& userInfo = uri.getUserInfo();
  const auto colon = userInfo.find(':');
  Poco::URI::decode(userInfo.substr(0, colon), user);
  if (colon != std::string::npos) Poco::URI::decode(userInfo.substr(colon + 1), password);
  const std::string database = uri.getPath().empty() ? std::string() : uri.getPath().substr(1);

  std::string description = uri.getScheme() + "://";
  if (!user.empty()) description += user + (password.empty() ? "" : ":***") + "@";
  description += uri.getHost() + (uri.getPort() ? ":" + std::to_string(uri.getPort()) : "") + uri.getPath();

  std::string conninfo;
  std::string secret = password;
  bool hasTimeout = false, hasName = false;
  for (const auto& [key, value] : uri.getQueryParameters()) {
    conninfo += conninfoValue(key, value);
    hasTimeout = hasTimeout || key == "connect_timeout";
    hasName = hasName || key == "application_name";
    if (key == "password") secret = value;
  }
  if (!uri.getHost().empty()) conninfo += conninfoValue("host", uri.getHost());
  if (uri.getPort()) conninfo += conninfoValue("port", std::to_string(uri.getPort()));
  if (!user.empty()) conninfo += conninfoValue("user", user);
  if (!password.empty()) conninfo += conninfoValue("password", password);
  if (!database.empty()) conninfo += conninfoValue("dbname", database);
  if (!hasTimeout) conninfo += "connect_timeout=10 ";
  if (!hasName) conninfo += "application_name=orchestrator ";
  return {std::make_unique<PostgresDialect>(), Poco::Data::PostgreSQL::Connector::KEY, conninfo, description, secret};
}

Target resolveTarget(const Storage::Options& options) {
  if (options.url.empty()) return sqliteTarget({}, options);
  Poco::URI uri;
  try {
    uri = Poco::URI(options.url);
  } catch (const Poco::Exception&) {
    // Poco's message would quote the URL, password included.
    throw StorageError("storage.url is not a valid URL (expected sqlite: or postgresql://user:password@host:port/db)");
  }
  const std::string& scheme = uri.getScheme();
  if (scheme == "sqlite") return sqliteTarget(uri.getPath(), options);
  if (scheme == "postgresql" || scheme == "postgres") return postgresTarget(uri);
  throw StorageError("storage.url: unsupported scheme '" + scheme + "' (expected sqlite: or postgresql://)");
}

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}

std::string withoutSecret(std::string message, const std::string& secret) {
  if (secret.empty()) return message;
  for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at)) {
    message.replace(at, secret.size(), "***");
  }
  return message;
}

/// A Poco pool whose new sessions get the dialect's per-connection settings.
class PreparingSessionPool final : public Poco::Data::SessionPool {
public:
  PreparingSessionPool(const Target& target, const Storage::Options& options)
      : SessionPool(target.connector, target.connectionString, options.poolMin, options.poolMax,
                    idleSeconds(*target.dialect)),
        _dialect(*target.dialect) {}

protected:
  void customizeSession(Session& session) override { _dialect.prepareSession(session); }

private:
  /// How long an idle session stays open. SQLite connections are cheap and
  /// hold the prepared statements the dialect keeps for them (released only
  /// with the dialect), so they stay for a week; a server's, a minute.
  static int idleSeconds(const Dialect& dialect) {
    return dialect.backend() == Storage::Backend::SQLite ? 7 * 24 * 3600 : 60;
  }

  const Dialect& _dialect;
};

class PooledStorage;

/// One pooled session held by one caller; giving it back wakes a caller
/// waiting for a session.
class SessionLease {
public:
  SessionLease(Session session, PooledStorage& storage);
  SessionLease(SessionLease&&) noexcept = default;
  SessionLease& operator=(SessionLease&&) = delete;
  ~SessionLease();

  Session& session() { return *_session; }

private:
  std::unique_ptr<Session> _session;
  PooledStorage* _storage;
};

/// A transaction on one leased session, rolled back unless committed. The
/// session goes back to the pool as soon as the transaction ends.
class PooledTransaction final : public StorageTransaction {
public:
  PooledTransaction(PooledStorage& storage, SessionLease lease);
  ~PooledTransaction() override;

  void commit() override { finish("COMMIT"); }
  void rollback() override { finish("ROLLBACK"); }

  /// The session, while the transaction is open.
  Session& session();
  const PooledStorage& storage() const { return _storage; }

private:
  void finish(const std::string& statement);

  PooledStorage& _storage;
  std::optional<SessionLease> _lease;
};

/// Storage on a PreparingSessionPool.
class PooledStorage final : public Storage {
public:
  PooledStorage(Target target, const Options& options)
      : _target(std::move(target)), _pool(_target, options) {}

  Backend backend() const override { return _target.dialect->backend(); }
  const Target& target() const { return _target; }

  json query(const std::string& sql, const json& params, StorageTransaction* txn) override {
    return runPortable(sql, params, txn).rows;
  }

  std::uint64_t execute(const std::string& sql, const json& params, StorageTransaction* txn) override {
    return runPortable(sql, params, txn).affected;
  }

  void executeScript(const std::string& script, StorageTransaction* txn) override {
    const auto statements = splitStatements(script);
    withSession(txn, [&](Session& session) {
      for (const auto& statement : statements) runNative(session, statement, {});
    });
  }

  std::unique_ptr<StorageTransaction> begin() override {
    return std::make_unique<PooledTransaction>(*this, lease());
  }

  std::chrono::microseconds ping() override {
    const auto start = std::chrono::steady_clock::now();
    query("SELECT 1", json::array(), nullptr);
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  }

  std::string libpqConninfo() const override {
    return backend() == Backend::PostgreSQL ? _target.connectionString : std::string();
  }

  /// A session of the pool for one caller. Poco's pool throws when all are in
  /// use; this waits up to kSessionWait for one to come back.
  SessionLease lease() {
    // Poco 1.11 leaks every PGconn that fails to connect (about 35 KB): during
    // an outage each request would. PQping cleans up after itself. Only when
    // the pool is about to connect, and not before the first connection,
    // whose failure message says more.
    const bool wouldConnect = _pool.idle() == 0 && _pool.allocated() < _pool.capacity();
    if (_connectedOnce && wouldConnect && !_target.dialect->serverResponds(_target.connectionString)) {
      throw StorageError("the database server does not respond: " + _target.description);
    }
    const auto deadline = std::chrono::steady_clock::now() + kSessionWait;
    std::unique_lock lock(_returnMutex);
    for (;;) {
      const std::uint64_t returnsSeen = _returns;
      lock.unlock();
      try {
        SessionLease leased(guarded("while opening a session", [&] { return _pool.get(); }), *this);
        _connectedOnce = true;
        return leased;
      } catch (const Poco::Data::SessionPoolExhaustedException&) {
      }
      lock.lock();
      if (!_returned.wait_until(lock, deadline, [&] { return _returns != returnsSeen; })) {
        throw StorageError("no database session free after " + std::to_string(kSessionWait.count()) +
                           " s: all " + std::to_string(_pool.capacity()) + " are in use (storage pool maximum)");
      }
    }
  }

  /// Called by a SessionLease once its session is back in the pool.
  void sessionReturned() {
    {
      std::lock_guard lock(_returnMutex);
      ++_returns;
    }
    _returned.notify_all();
  }

  /// Runs a native statement; every failure becomes a StorageError.
  Dialect::Result runNative(Session& session, const std::string& sql, const std::vector<Param>& params) {
    return guarded("statement: " + excerpt(sql), [&] { return _target.dialect->run(session, sql, params); });
  }

private:
  Dialect::Result runPortable(const std::string& sql, const json& params, StorageTransaction* txn) {
    const auto bound = toParams(params, sql);
    const std::string native = _target.dialect->nativeSql(sql, bound.size());
    return withSession(txn, [&](Session& session) { return runNative(session, native, bound); });
  }

  template <typename F> std::invoke_result_t<F&, Session&> withSession(StorageTransaction* txn, F&& work) {
    if (txn) return work(transaction(txn).session());
    SessionLease leased = lease();
    return work(leased.session());
  }

  PooledTransaction& transaction(StorageTransaction* txn) const {
    auto* own = dynamic_cast<PooledTransaction*>(txn);
    if (!own || &own->storage() != this) throw StorageError("the transaction belongs to another Storage");
    return *own;
  }

  /// Poco's pool and sessions throw Poco exceptions, which may quote the
  /// connection string.
  template <typename F> std::invoke_result_t<F&> guarded(const std::string& context, F&& work) {
    try {
      return work();
    } catch (const StorageError&) {
      throw;
    } catch (const Poco::Data::SessionPoolExhaustedException&) {
      throw;
    } catch (const Poco::Exception& e) {
      throw StorageError(withoutSecret(oneLine(e.displayText()), _target.secret) + "; " + context);
    } catch (const std::exception& e) {
      throw StorageError(withoutSecret(oneLine(e.what()), _target.secret) + "; " + context);
    }
  }

  Target _target;
  PreparingSessionPool _pool;
  std::mutex _returnMutex;
  std::condition_variable _returned;
  std::uint64_t _returns = 0;
  std::atomic<bool> _connectedOnce{false};
};

SessionLease::SessionLease(Session session, PooledStorage& storage)
    : _session(std::make_unique<Session>(std::move(session))), _storage(&storage) {}

SessionLease::~SessionLease() {
  if (!_session) return;
  _session.reset(); // back into the pool before anyone is woken
  _storage->sessionReturned();
}

PooledTransaction::PooledTransaction(PooledStorage& storage, SessionLease lease)
    : _storage(storage), _lease(std::move(lease)) {
  _storage.runNative(_lease->session(), _storage.target().dialect->beginStatement(), {});
}

PooledTransaction::~PooledTransaction() {
  if (!_lease) return;
  try {
    finish("ROLLBACK");
  } catch (...) {
    // Nothing to do: a session whose connection broke leaves the pool.
  }
}

Session& PooledTransaction::session() {
  if (!_lease) throw StorageError("the transaction is already committed or rolled back");
  return _lease->session();
}

void PooledTransaction::finish(const std::string& statement) {
  session(); // throws once finished
  SessionLease lease = std::move(*_lease); // back to the pool, whatever happens
  _lease.reset();
  Session& current = lease.session();
  try {
    _storage.runNative(current, statement, {});
  } catch (...) {
    // SQLite keeps the transaction open when COMMIT fails; the session must
    // not go back to the pool inside it.
    if (statement != "ROLLBACK") {
      try {
        _storage.runNative(current, "ROLLBACK", {});
      } catch (...) {
      }
    }
    throw;
  }
}

} // namespace

std::unique_ptr<Storage> Storage::open(const Options& options) {
  if (options.poolMax < 1 || options.poolMin < 0 || options.poolMin > options.poolMax) {
    throw StorageError("storage pool: need 0 <= poolMin <= poolMax and poolMax >= 1");
  }
  registerConnectors();
  Target target = resolveTarget(options);
  const std::string description = target.description;
  auto storage = std::make_unique<PooledStorage>(std::move(target), options);
  try {
    storage->ping();
  } catch (const StorageError& e) {
    throw StorageError("cannot open storage " + description + ": " + e.what());
  }
  return storage;
}

std::string Storage::backendName() const {
  return backend() == Backend::SQLite ? "sqlite" : "postgresql";
}

} // namespace orch::host
