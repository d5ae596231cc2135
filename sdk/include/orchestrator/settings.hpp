// A plugin's settings, declared as data (after Fluent Bit's config_map) and
// read once into a struct of the plugin's own:
//
//   struct NotesSettings { std::int64_t maxNotes = 0; bool shout = false; };
//   const orch::SettingsMap<NotesSettings> kNotesSettings = {
//       {"notes.max_notes", &NotesSettings::maxNotes, "100", "Notes a user may keep", {.minimum = "1"}},
//       {"notes.shout", &NotesSettings::shout, "false", "Upper-case every note"},
//   };
//   auto settings = plugin.settings(kNotesSettings);   // in init
//
// Each declaration goes to the host (register_setting), which checks the
// configured value before the plugin reads it: a bad value stops the host
// from starting (exit 78) with a message naming the key. GET /api/v1/plugins
// lists every declaration with its value, and the READMEs' settings tables
// are made from the same list (a test fails when they drift).
#pragma once

#include "abi.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace orch {

/// The items of a comma-separated setting ("a, b,,c" -> a, b, c): each
/// trimmed of blanks, empty ones dropped.
inline std::vector<std::string> listItems(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return items;
}

/// The kinds of value a setting holds (ORCH_SETTING_*).
enum class SettingType : std::int32_t {
  Text = ORCH_SETTING_TEXT,
  Integer = ORCH_SETTING_INTEGER,
  Number = ORCH_SETTING_NUMBER,
  Boolean = ORCH_SETTING_BOOLEAN,
  List = ORCH_SETTING_LIST,
};

/// What a setting's value must be, beyond its type. Texts as in the config file.
struct SettingRules {
  std::string minimum; ///< Integer and Number: the least value; empty: none
  std::string maximum; ///< Integer and Number: the greatest value; empty: none
  std::string choices; ///< Text: the values allowed, comma-separated; empty: any
  std::uint32_t flags = 0; ///< ORCH_SETTING_SECRET
};

/// Parsing and checking setting texts: the host checks with these and the
/// plugin converts with them, so both read a value the same way.
namespace settings {

inline std::optional<std::int64_t> parseInteger(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  auto value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

inline std::optional<double> parseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  auto value = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

inline std::optional<bool> parseBoolean(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return std::nullopt;
}

inline const char* typeName(SettingType type) {
  switch (type) {
  case SettingType::Text: return "text";
  case SettingType::Integer: return "integer";
  case SettingType::Number: return "number";
  case SettingType::Boolean: return "boolean";
  case SettingType::List: return "list";
  }
  return "unknown";
}

/// "from 1 to 10", "of at least 1", "of at most 5" or "".
inline std::string rangeText(const std::string& minimum, const std::string& maximum) {
  if (!minimum.empty() && !maximum.empty()) return "from " + minimum + " to " + maximum;
  if (!minimum.empty()) return "of at least " + minimum;
  if (!maximum.empty()) return "of at most " + maximum;
  return "";
}

/// What is wrong with a declaration itself (a bound that is not a number, an
/// unknown type), or nullopt.
inline std::optional<std::string> declarationProblem(SettingType type, const SettingRules& rules) {
  if (typeName(type) == std::string("unknown")) return "unknown setting type " + std::to_string(int(type));
  for (const auto* bound : {&rules.minimum, &rules.maximum}) {
    if (bound->empty()) continue;
    if (type == SettingType::Integer ? !parseInteger(*bound) : type == SettingType::Number ? !parseNumber(*bound) : true)
      return "the bound '" + *bound + "' does not fit a " + typeName(type) + " setting";
  }
  if (!rules.choices.empty() && type != SettingType::Text) return "choices are for text settings";
  return std::nullopt;
}

/// Whether `text` parses and lies within the rules' bounds (each bound parsed the same way).
template <typename Parse>
bool inRange(Parse parse, const std::string& text, const SettingRules& rules) {
  auto value = parse(text);
  return value && (rules.minimum.empty() || *value >= *parse(rules.minimum)) &&
         (rules.maximum.empty() || *value <= *parse(rules.maximum));
}

/// Why `text` does not fit the declaration ("expected a whole number from 1
/// to 10"), or nullopt when it does. An empty text is "unset" and fits.
inline std::optional<std::string> valueProblem(SettingType type, const std::string& text, const SettingRules& rules) {
  if (text.empty()) return std::nullopt;
  auto range = rangeText(rules.minimum, rules.maximum);
  auto expected = [&](const std::string& what) {
    return "expected " + what + (range.empty() ? "" : " " + range);
  };
  switch (type) {
  case SettingType::Integer:
    if (!inRange(parseInteger, text, rules)) return expected("a whole number");
    return std::nullopt;
  case SettingType::Number:
    if (!inRange(parseNumber, text, rules)) return expected("a number");
    return std::nullopt;
  case SettingType::Boolean:
    if (!parseBoolean(text)) return std::string("expected true or false");
    return std::nullopt;
  case SettingType::Text:
    if (!rules.choices.empty()) {
      for (const auto& choice : listItems(rules.choices))
        if (choice == text) return std::nullopt;
      return "expected one of " + rules.choices;
    }
    return std::nullopt;
  case SettingType::List: return std::nullopt;
  }
  return std::string("unknown setting type");
}

/// The environment variable that sets `key` ("storage.url" ->
/// "ORCH_STORAGE__URL"): how a host hands settings to a process it starts.
inline std::string environmentName(std::string_view key) {
  std::string out = "ORCH_";
  for (char c : key) out += c == '.' ? std::string("__") : std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

/// Whether `key` has the shape of `pattern`, where a segment "*" matches any one name.
inline bool keyMatches(std::string_view pattern, std::string_view key) {
  while (true) {
    auto p = pattern.find('.'), k = key.find('.');
    auto ps = pattern.substr(0, p), ks = key.substr(0, k);
    if (ks.empty() || (ps != "*" && ps != ks)) return false;
    if (p == std::string_view::npos || k == std::string_view::npos) return p == k;
    pattern.remove_prefix(p + 1);
    key.remove_prefix(k + 1);
  }
}

/// A checked setting text as the member's type.
template <typename T>
T convert(const std::string& text) {
  if constexpr (std::is_same_v<T, bool>) {
    return *parseBoolean(text);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(*parseInteger(text));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(*parseNumber(text));
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return listItems(text);
  } else {
    static_assert(std::is_same_v<T, std::string>, "a setting is a string, a number, a bool or a list of strings");
    return text;
  }
}

template <typename T>
constexpr SettingType typeOf() {
  if constexpr (std::is_same_v<T, bool>) return SettingType::Boolean;
  else if constexpr (std::is_integral_v<T>) return SettingType::Integer;
  else if constexpr (std::is_floating_point_v<T>) return SettingType::Number;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return SettingType::List;
  else return SettingType::Text;
}

} // namespace settings

/// One declared setting of a plugin whose settings struct is S: the key, its
/// type (from the member it fills), default, description and rules.
template <typename S>
struct Setting {
  std::string key;
  SettingType type;
  std::string defaultValue;
  std::string description;
  SettingRules rules;
  /// Fills the member from a checked, non-empty text; empty for a pattern
  /// ("ai.providers.*.api_key"), which the plugin reads by hand.
  std::function<void(S&, const std::string&)> assign;

  /// A setting read into `member`; its type follows the member's.
  template <typename T>
  Setting(std::string key, T S::*member, std::string defaultValue, std::string description, SettingRules rules = {})
      : key(std::move(key)), type(settings::typeOf<T>()), defaultValue(std::move(defaultValue)),
        description(std::move(description)), rules(std::move(rules)),
        assign([member](S& into, const std::string& text) { into.*member = settings::convert<T>(text); }) {}

  /// A setting the plugin reads itself with Plugin::config: a key with a "*"
  /// segment, or one read on every use.
  Setting(std::string key, SettingType type, std::string defaultValue, std::string description,
          SettingRules rules = {})
      : key(std::move(key)), type(type), defaultValue(std::move(defaultValue)), description(std::move(description)),
        rules(std::move(rules)) {}
};

/// Every setting of a plugin, in the order its README lists them.
template <typename S>
using SettingsMap = std::vector<Setting<S>>;

} // namespace orch
