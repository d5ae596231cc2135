#include "engine/Expression.h"

#include "engine/Placeholders.h"

#include <cctype>
#include <cmath>

namespace workflows {
namespace {

class Parser {
public:
  Parser(const std::string& text, const Variables& variables) : text_(text), variables_(variables) {}

  orch::json parse() {
    auto value = disjunction();
    skipSpace();
    if (at_ != text_.size()) fail("unexpected '" + text_.substr(at_, 10) + "'");
    return value;
  }

private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ExpressionError("Expression error at position " + std::to_string(at_ + 1) + ": " + what);
  }

  void skipSpace() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }

  /// Consumes `symbol` when it comes next; words only when whole.
  bool accept(const std::string& symbol) {
    skipSpace();
    if (text_.compare(at_, symbol.size(), symbol) != 0) return false;
    bool word = std::isalpha(static_cast<unsigned char>(symbol[0]));
    auto after = at_ + symbol.size();
    if (word && after < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[after])) || text_[after] == '_'))
      return false;
    at_ = after;
    return true;
  }

  orch::json disjunction() {
    auto left = conjunction();
    while (accept("||") || accept("or")) {
      auto right = conjunction();
      left = truthy(left) || truthy(right);
    }
    return left;
  }

  orch::json conjunction() {
    auto left = comparison();
    while (accept("&&") || accept("and")) {
      auto right = comparison();
      left = truthy(left) && truthy(right);
    }
    return left;
  }

  orch::json comparison() {
    auto left = sum();
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">", "contains", "in"}) {
      if (accept(op)) return compare(op, left, sum());
    }
    return left;
  }

  orch::json compare(const std::string& op, const orch::json& left, const orch::json& right) {
    if (op == "==") return equal(left, right);
    if (op == "!=") return !equal(left, right);
    if (op == "contains") return contains(left, right);
    if (op == "in") return contains(right, left);
    int order = 0;
    if (left.is_number() && right.is_number()) {
      auto a = left.get<double>(), b = right.get<double>();
      order = a < b ? -1 : a > b ? 1 : 0;
    } else if (left.is_string() && right.is_string()) {
      order = left.get<std::string>().compare(right.get<std::string>());
    } else {
      fail("cannot order " + std::string(left.type_name()) + " and " + right.type_name());
    }
    if (op == "<") return order < 0;
    if (op == "<=") return order <= 0;
    if (op == ">") return order > 0;
    return order >= 0;
  }

  static bool equal(const orch::json& a, const orch::json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
  }

  static bool contains(const orch::json& haystack, const orch::json& needle) {
    if (haystack.is_string())
      return haystack.get<std::string>().find(placeholders::text(needle)) != std::string::npos;
    if (haystack.is_array()) {
      for (const auto& item : haystack)
        if (equal(item, needle)) return true;
      return false;
    }
    if (haystack.is_object()) return needle.is_string() && haystack.contains(needle.get<std::string>());
    return false;
  }

  orch::json sum() {
    auto left = product();
    while (true) {
      if (accept("+")) {
        auto right = product();
        if (left.is_number() && right.is_number()) left = number(left.get<double>() + right.get<double>());
        else left = placeholders::text(left) + placeholders::text(right);
      } else if (accept("-")) {
        auto right = product();
        left = number(numeric(left) - numeric(right));
      } else {
        return left;
      }
    }
  }

  orch::json product() {
    auto left = unary();
    while (true) {
      if (accept("*")) {
        left = number(numeric(left) * numeric(unary()));
      } else if (accept("/")) {
        auto divisor = numeric(unary());
        if (divisor == 0) fail("division by zero");
        left = number(numeric(left) / divisor);
      } else if (accept("%")) {
        auto divisor = numeric(unary());
        if (divisor == 0) fail("division by zero");
        left = number(std::fmod(numeric(left), divisor));
      } else {
        return left;
      }
    }
  }

  double numeric(const orch::json& value) {
    if (!value.is_number()) fail("expected a number, got " + std::string(value.type_name()));
    return value.get<double>();
  }

  /// Whole results stay integers, so `2 + 3` reads back as 5, not 5.0.
  static orch::json number(double value) {
    if (std::floor(value) == value && std::fabs(value) < 9e15) return static_cast<std::int64_t>(value);
    return value;
  }

  orch::json unary() {
    if (accept("!") || accept("not")) return !truthy(unary());
    if (accept("-")) return number(-numeric(unary()));
    return primary();
  }

  orch::json primary() {
    skipSpace();
    if (at_ >= text_.size()) fail("unexpected end");
    char c = text_[at_];
    if (accept("(")) {
      auto value = disjunction();
      if (!accept(")")) fail("expected ')'");
      return value;
    }
    if (accept("{{")) {
      auto close = text_.find("}}", at_);
      if (close == std::string::npos) fail("'{{' without '}}'");
      auto name = text_.substr(at_, close - at_);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      at_ = close + 2;
      return variable(name);
    }
    if (c == '\'' || c == '"') return stringLiteral(c);
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return numberLiteral();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      auto start = at_;
      while (at_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[at_])) ||
                                    std::string("_.-[]").find(text_[at_]) != std::string::npos)) {
        // A '-' belongs to a name only between name characters (step ids such as "welcome-email").
        if (text_[at_] == '-' && (at_ + 1 >= text_.size() || !std::isalnum(static_cast<unsigned char>(text_[at_ + 1])) ||
                                  std::isspace(static_cast<unsigned char>(text_[at_ - 1]))))
          break;
        ++at_;
      }
      auto name = text_.substr(start, at_ - start);
      if (name == "true") return true;
      if (name == "false") return false;
      if (name == "null") return nullptr;
      return variable(name);
    }
    fail("unexpected '" + std::string(1, c) + "'");
  }

  orch::json variable(const std::string& name) {
    auto value = variables_.lookup(name);
    if (!value) throw UnknownVariable(name);
    return *value;
  }

  orch::json stringLiteral(char quote) {
    ++at_;
    std::string value;
    while (at_ < text_.size() && text_[at_] != quote) {
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) ++at_;
      value += text_[at_++];
    }
    if (at_ >= text_.size()) fail("unterminated string");
    ++at_;
    return value;
  }

  orch::json numberLiteral() {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(text_.substr(at_), &used);
    } catch (const std::exception&) {
      fail("bad number");
    }
    at_ += used;
    return number(value);
  }

  const std::string& text_;
  const Variables& variables_;
  std::size_t at_ = 0;
};

} // namespace

orch::json evaluate(const std::string& expression, const Variables& variables) {
  return Parser(expression, variables).parse();
}

bool truthy(const orch::json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0;
  if (value.is_string()) return !value.get_ref<const std::string&>().empty();
  if (value.is_array() || value.is_object()) return !value.empty();
  return true;
}

} // namespace workflows
