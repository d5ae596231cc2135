#include "TaskTypes.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ai {
namespace {

struct TaskType {
  std::string_view name, capability;
};

constexpr std::array<TaskType, 20> kTaskTypes{{
    {"text", "text"},           {"general", "text"},         {"chat", "text"},
    {"summarization", "text"},  {"translation", "text"},     {"classification", "text"},
    {"extraction", "text"},     {"writing", "text"},         {"customer_service", "text"},
    {"analysis", "reasoning"},  {"reasoning", "reasoning"},  {"math", "reasoning"},
    {"planning", "reasoning"},  {"code", "code"},            {"coding", "code"},
    {"code_generation", "code"}, {"vision", "vision"},       {"image", "vision"},
    {"function_calling", "function_calling"}, {"json", "json_mode"},
}};

} // namespace

std::optional<std::vector<std::string>> capabilitiesFor(std::string_view taskType) {
  for (const auto& known : kTaskTypes)
    if (known.name == taskType) return std::vector<std::string>{std::string(known.capability)};
  return std::nullopt;
}

std::string knownTaskTypes() {
  std::string names;
  for (const auto& known : kTaskTypes) names += (names.empty() ? "" : ", ") + std::string(known.name);
  return names;
}

std::int64_t estimateTokens(std::string_view text) {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>((text.size() + 3) / 4));
}

} // namespace ai
