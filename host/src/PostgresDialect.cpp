#include "StorageDialect.h"

#include <Poco/Any.h>
#include <Poco/Data/PostgreSQL/PostgreSQLTypes.h>
#include <Poco/Data/PostgreSQL/SessionHandle.h>

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace orch::host::storage_detail {
namespace {

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

} // namespace

std::unique_ptr<Dialect> makePostgresDialect() { return std::make_unique<PostgresDialect>(); }

} // namespace orch::host::storage_detail
