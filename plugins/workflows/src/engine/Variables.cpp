#include "engine/Variables.h"

#include "engine/Placeholders.h"

namespace workflows {
namespace {

/// Follows `path` ("a.b[0].c", "a.b.0.c") from `at`; nullptr when a segment is missing.
const orch::json* follow(const orch::json* at, const std::string& path) {
  std::size_t i = 0;
  while (at && i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    std::string segment;
    bool bracket = path[i] == '[';
    if (bracket) {
      auto close = path.find(']', i);
      if (close == std::string::npos) return nullptr;
      segment = path.substr(i + 1, close - i - 1);
      i = close + 1;
    } else {
      auto end = path.find_first_of(".[", i);
      if (end == std::string::npos) end = path.size();
      segment = path.substr(i, end - i);
      i = end;
    }
    if (at->is_object()) {
      auto found = at->find(segment);
      at = found == at->end() ? nullptr : &*found;
    } else if (at->is_array() && !segment.empty() &&
               segment.find_first_not_of("0123456789") == std::string::npos) {
      auto index = std::stoull(segment);
      at = index < at->size() ? &(*at)[index] : nullptr;
    } else {
      return nullptr;
    }
  }
  return at;
}

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

std::optional<orch::json> Variables::lookup(const std::string& name) const {
  if (name.empty()) return std::nullopt;
  const orch::json* found = nullptr;
  if (startsWith(name, "steps.") || startsWith(name, "input.") || startsWith(name, "execution.") ||
      startsWith(name, "state.") || startsWith(name, "pass.") || name == "input" || name == "state")
    found = follow(&scope_, name);
  else if (auto input = scope_.find("input"); input != scope_.end())
    found = follow(&*input, name);
  if (!found) return std::nullopt;
  return *found;
}

orch::json Variables::fill(const orch::json& config, const std::set<std::string>& rawKeys) const {
  return placeholders::fill(
      config, [this](const std::string& name) { return lookup(name); },
      [](const std::string& name) { throw UnknownVariable(name); }, rawKeys);
}

} // namespace workflows
