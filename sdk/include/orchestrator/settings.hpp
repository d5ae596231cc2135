#pragma once

// Reading a plugin's own settings, checked: a bad value stops the plugin with
// a message naming the key, instead of a silent fallback or a bare "stoll".

#include "orchestrator/plugin.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
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

/// A whole-number setting from `min` to `max`; `fallback` when unset or
/// empty. Throws std::invalid_argument naming the key and the range.
inline std::int64_t configNumber(const Plugin& plugin, const std::string& key, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max = std::numeric_limits<std::int64_t>::max()) {
  auto text = plugin.config(key);
  if (!text || text->empty()) return fallback;
  try {
    std::size_t used = 0;
    auto value = std::stoll(*text, &used);
    if (used == text->size() && value >= min && value <= max) return value;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(key + " = '" + *text + "': expected a whole number from " + std::to_string(min) +
                              (max == std::numeric_limits<std::int64_t>::max() ? " up" : " to " + std::to_string(max)));
}

/// A yes/no setting: true, yes, on, 1 or false, no, off, 0 (any case);
/// `fallback` when unset or empty. Throws std::invalid_argument otherwise.
inline bool configFlag(const Plugin& plugin, const std::string& key, bool fallback) {
  auto text = plugin.config(key);
  if (!text || text->empty()) return fallback;
  std::string value = *text;
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  if (value == "true" || value == "yes" || value == "on" || value == "1") return true;
  if (value == "false" || value == "no" || value == "off" || value == "0") return false;
  throw std::invalid_argument(key + " = '" + *text + "': expected true or false");
}

} // namespace orch
