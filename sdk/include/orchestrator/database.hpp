// The plugin's storage: portable SQL with `?` placeholders on SQLite and
// PostgreSQL alike, rows as JSON, transactions that roll back unless committed.
#pragma once

#include "host.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace orch {

/// A database transaction; rolled back on destruction unless committed.
/// Use it from one thread at a time.
class Transaction {
public:
  Transaction(const Host& host, orch_txn* txn) : host_(host), txn_(txn) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (txn_) host_.api().sql_rollback(host_.raw(), txn_);
  }
  void commit() {
    detail::StringSink error;
    orch_txn* txn = std::exchange(txn_, nullptr);
    Host::check(host_.api().sql_commit(host_.raw(), txn, error.get()), error, "commit");
  }
  orch_txn* raw() const { return txn_; }

private:
  const Host& host_;
  orch_txn* txn_;
};

/// Portable SQL with `?` placeholders; rows come back as JSON objects keyed by
/// column name. Every call throws std::runtime_error with the database's
/// message on failure. Not usable before migrations have run (not in init).
class Database {
public:
  explicit Database(const Host& host) : host_(host) {}

  /// Rows as a JSON array of objects keyed by column name. `params` is an
  /// array of values; a lone value that is not an array is the one parameter.
  json query(std::string_view sql, const json& params = json::array(), Transaction* txn = nullptr) const {
    detail::StringSink rows, error;
    auto params_text = paramsText(params);
    Host::check(host_.api().sql_query(host_.raw(), txn ? txn->raw() : nullptr, detail::view(sql),
                                      detail::view(params_text), rows.get(), error.get()),
                error, "sql");
    return json::parse(rows.text);
  }

  /// The first row, or nullopt.
  std::optional<json> queryOne(std::string_view sql, const json& params = json::array(),
                               Transaction* txn = nullptr) const {
    auto rows = query(sql, params, txn);
    if (rows.empty()) return std::nullopt;
    return std::move(rows[0]);
  }

  /// Runs a statement without rows; returns the affected row count.
  std::uint64_t execute(std::string_view sql, const json& params = json::array(),
                        Transaction* txn = nullptr) const {
    detail::StringSink result, error;
    auto params_text = paramsText(params);
    Host::check(host_.api().sql_execute(host_.raw(), txn ? txn->raw() : nullptr, detail::view(sql),
                                        detail::view(params_text), result.get(), error.get()),
                error, "sql");
    return json::parse(result.text).value("affected_rows", std::uint64_t{0});
  }

  /// INSERT of one row given as {column: value}. Column names must come from
  /// the plugin's code, never from a client: only values are parameters.
  std::uint64_t insert(std::string_view table, const json& columns, Transaction* txn = nullptr) const {
    std::string names, marks;
    json values = json::array();
    for (const auto& [column, value] : columns.items()) {
      names += (names.empty() ? "" : ", ") + column;
      marks += marks.empty() ? "?" : ", ?";
      values.push_back(value);
    }
    return execute("INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + marks + ")", values, txn);
  }

  /// Runs `work(tx)` in a transaction, committed when it returns, rolled back when it throws.
  template <typename Work>
  auto transaction(Work&& work) const {
    orch_txn* txn = nullptr;
    detail::StringSink error;
    Host::check(host_.api().sql_begin(host_.raw(), &txn, error.get()), error, "begin");
    Transaction tx(host_, txn);
    if constexpr (std::is_void_v<decltype(work(tx))>) {
      work(tx);
      tx.commit();
    } else {
      auto result = work(tx);
      tx.commit();
      return result;
    }
  }

  /// "sqlite" or "postgresql".
  std::string backend() const {
    detail::StringSink name;
    host_.api().sql_backend(host_.raw(), name.get());
    return name.text;
  }

private:
  /// `{value}` with a single json element is that element, not a one-element
  /// array (C++ list-initialization), so a non-array is the one parameter.
  static std::string paramsText(const json& params) {
    return params.is_array() ? params.dump() : json::array({params}).dump();
  }

  const Host& host_;
};

/// A number column as an integer, 0 when NULL: PostgreSQL answers SUM() of
/// BIGINT as NUMERIC, which reaches the plugin as text.
inline std::int64_t integerColumn(const json& value) {
  if (value.is_number()) return value.get<std::int64_t>();
  if (value.is_string()) return std::stoll(value.get<std::string>());
  return 0;
}

/// A WHERE fragment for a `search` filter: any of `columns` (NULL as empty)
/// contains `text`, case-insensitively, the client's % _ and \\ taken
/// literally. Its parameters are appended to `params`.
inline std::string containsAny(std::initializer_list<std::string_view> columns, const std::string& text, json& params) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += "%";
  std::string clause;
  for (auto column : columns) {
    clause += (clause.empty() ? "(" : " OR ") + std::string("LOWER(COALESCE(") + std::string(column) +
              ", '')) LIKE LOWER(?) ESCAPE '\\'";
    params.push_back(pattern);
  }
  return clause + ")";
}

} // namespace orch
