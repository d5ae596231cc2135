// Lexical helpers over SQL text: what is code and what is quoted or commented.

#include "orchestrator/host/Storage.h"

#include <cctype>
#include <string_view>

namespace orch::host {
namespace {

bool isWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

/// End of a region closed by `quote`, where a doubled quote stands for itself
/// and, in a PostgreSQL E'...' string, a backslash escapes the next character.
std::size_t skipQuoted(std::string_view sql, std::size_t pos, char quote, bool backslashEscapes) {
  for (std::size_t i = pos + 1; i < sql.size(); ++i) {
    if (backslashEscapes && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

/// The `$tag$` opening a PostgreSQL dollar-quoted body at `pos`, or empty.
/// `$1` is a parameter and `a$b` an identifier, not a quote.
std::string_view dollarTag(std::string_view sql, std::size_t pos) {
  if (pos > 0 && isWordChar(sql[pos - 1])) return {};
  std::size_t i = pos + 1;
  if (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) return {};
  while (i < sql.size() && isWordChar(sql[i]) && sql[i] != '$') ++i;
  if (i >= sql.size() || sql[i] != '$') return {};
  return sql.substr(pos, i + 1 - pos);
}

bool isEscapeStringPrefix(std::string_view sql, std::size_t quotePos) {
  return quotePos > 0 && (sql[quotePos - 1] == 'E' || sql[quotePos - 1] == 'e') &&
         (quotePos < 2 || !isWordChar(sql[quotePos - 2]));
}

/// Where the string, quoted identifier, comment or dollar-quoted body starting
/// at `pos` ends; `pos` itself when none starts there. Unterminated regions
/// run to the end of the text.
std::size_t skipNonCode(std::string_view sql, std::size_t pos) {
  const char c = sql[pos];
  const char next = pos + 1 < sql.size() ? sql[pos + 1] : '\0';
  if (c == '\'') return skipQuoted(sql, pos, '\'', isEscapeStringPrefix(sql, pos));
  if (c == '"' || c == '`') return skipQuoted(sql, pos, c, false);
  if (c == '-' && next == '-') {
    const std::size_t end = sql.find('\n', pos);
    return end == std::string_view::npos ? sql.size() : end + 1;
  }
  if (c == '/' && next == '*') {
    const std::size_t end = sql.find("*/", pos + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  if (c == '$') {
    const std::string_view tag = dollarTag(sql, pos);
    if (tag.empty()) return pos;
    const std::size_t end = sql.find(tag, pos + tag.size());
    return end == std::string_view::npos ? sql.size() : end + tag.size();
  }
  return pos;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n\f\v");
  return text.substr(first, last + 1 - first);
}

/// Accumulates one statement of a script. A `;` inside the body of a
/// CREATE TRIGGER ... BEGIN ... END (SQLite) or CREATE FUNCTION ... BEGIN
/// ATOMIC ... END (PostgreSQL) does not end the statement, so within CREATE
/// statements BEGIN and CASE open a block that END closes.
class StatementBuilder {
public:
  void addCode(std::string_view text) {
    _text.append(text);
    _hasCode = true;
  }
  void addOther(std::string_view text) { _text.append(text); }

  void addWord(std::string_view word) {
    if (!_hasCode) _isCreate = equalsIgnoreCase(word, "CREATE");
    if (_isCreate) {
      if (equalsIgnoreCase(word, "BEGIN") || equalsIgnoreCase(word, "CASE")) ++_depth;
      if (equalsIgnoreCase(word, "END") && _depth > 0) --_depth;
    }
    addCode(word);
  }

  bool insideBlock() const { return _depth > 0; }

  /// Moves the statement, if it holds any code, to `out` and starts afresh.
  void finish(std::vector<std::string>& out) {
    if (_hasCode) out.emplace_back(trimmed(_text));
    *this = StatementBuilder();
  }

private:
  std::string _text;
  bool _hasCode = false;
  bool _isCreate = false;
  int _depth = 0;
};

} // namespace

std::string numberPlaceholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int number = 0;
  for (std::size_t i = 0; i < sql.size();) {
    const std::size_t end = skipNonCode(sql, i);
    if (end != i) {
      out.append(sql, i, end - i);
      i = end;
    } else if (sql[i] == '?') {
      out += '$';
      out += std::to_string(++number);
      ++i;
    } else {
      out += sql[i++];
    }
  }
  return out;
}

std::vector<std::string> splitStatements(const std::string& script) {
  const std::string_view sql = script;
  std::vector<std::string> statements;
  StatementBuilder current;
  for (std::size_t i = 0; i < sql.size();) {
    const std::size_t end = skipNonCode(sql, i);
    if (end != i) {
      // A string or quoted identifier is code; a comment alone is not a statement.
      const bool isComment = sql[i] == '-' || sql[i] == '/';
      if (isComment) {
        current.addOther(sql.substr(i, end - i));
      } else {
        current.addCode(sql.substr(i, end - i));
      }
      i = end;
    } else if (isWordChar(sql[i])) {
      std::size_t wordEnd = i;
      while (wordEnd < sql.size() && isWordChar(sql[wordEnd]) && skipNonCode(sql, wordEnd) == wordEnd) ++wordEnd;
      current.addWord(sql.substr(i, wordEnd - i));
      i = wordEnd;
    } else if (sql[i] == ';' && !current.insideBlock()) {
      current.finish(statements);
      ++i;
    } else {
      const std::string_view c = sql.substr(i++, 1);
      if (std::isspace(static_cast<unsigned char>(c[0]))) {
        current.addOther(c);
      } else {
        current.addCode(c);
      }
    }
  }
  current.finish(statements);
  return statements;
}

} // namespace orch::host
