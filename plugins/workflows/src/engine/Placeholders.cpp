#include "engine/Placeholders.h"

namespace workflows::placeholders {
namespace {

std::string trimmed(std::string name) {
  name.erase(0, name.find_first_not_of(" \t"));
  name.erase(name.find_last_not_of(" \t") + 1);
  return name;
}

orch::json fillString(const std::string& source, const Resolve& resolve, const OnUnknown& onUnknown) {
  std::string result;
  std::size_t at = 0;
  while (true) {
    auto open = source.find("{{", at);
    if (open == std::string::npos) break;
    auto close = source.find("}}", open + 2);
    if (close == std::string::npos) break;
    auto name = trimmed(source.substr(open + 2, close - open - 2));
    auto found = resolve(name);
    if (!found) {
      if (onUnknown) onUnknown(name);
      result += source.substr(at, close + 2 - at);
    } else {
      if (open == 0 && close + 2 == source.size()) return *found; // the whole string: keep the type
      result += source.substr(at, open - at) + text(*found);
    }
    at = close + 2;
  }
  return result + source.substr(at);
}

} // namespace

std::string text(const orch::json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); }

orch::json fill(const orch::json& value, const Resolve& resolve, const OnUnknown& onUnknown,
                const std::set<std::string>& rawKeys) {
  if (value.is_object()) {
    orch::json out = orch::json::object();
    for (const auto& [key, item] : value.items())
      out[key] = rawKeys.count(key) ? item : fill(item, resolve, onUnknown);
    return out;
  }
  if (value.is_array()) {
    orch::json out = orch::json::array();
    for (const auto& item : value) out.push_back(fill(item, resolve, onUnknown));
    return out;
  }
  if (!value.is_string()) return value;
  const auto& source = value.get_ref<const std::string&>();
  if (source.find("{{") == std::string::npos) return value;
  return fillString(source, resolve, onUnknown);
}

} // namespace workflows::placeholders
