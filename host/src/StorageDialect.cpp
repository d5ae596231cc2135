// What the dialects and the pool share: statement errors and bound parameters.

#include "StorageDialect.h"

#include <cctype>
#include <limits>
#include <string>

namespace orch::host::storage_detail {
namespace {

/// How much of a statement an error message quotes.
constexpr std::size_t kStatementExcerpt = 200;

} // namespace

std::string excerpt(const std::string& sql) {
  if (sql.size() <= kStatementExcerpt) return sql;
  std::size_t cut = kStatementExcerpt;
  // Not inside a UTF-8 sequence: the message may end up in JSON.
  while (cut > 0 && (static_cast<unsigned char>(sql[cut]) & 0xC0) == 0x80) --cut;
  return sql.substr(0, cut) + "...";
}

StorageError statementError(std::string_view message, const std::string& sql) {
  return StorageError(std::string(message) + "; statement: " + excerpt(sql));
}

StorageError placeholderMismatch(std::size_t placeholders, std::size_t parameters, const std::string& sql) {
  return statementError("the statement has " + std::to_string(placeholders) + " placeholders but " +
                            std::to_string(parameters) + " parameters were given",
                        sql);
}

namespace {

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

} // namespace

std::vector<Param> toParams(const json& params, const std::string& sql) {
  if (!params.is_array()) throw statementError("parameters must be a JSON array", sql);
  std::vector<Param> bound;
  bound.reserve(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) bound.push_back(toParam(params[i], i, sql));
  return bound;
}

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

} // namespace orch::host::storage_detail
