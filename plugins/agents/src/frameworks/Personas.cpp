#include "frameworks/Personas.h"

#include <orchestrator/frameworks.hpp>
#include <orchestrator/http.hpp>

#include <algorithm>
#include <cctype>
#include <regex>

namespace agents::frameworks {

using orch::HttpError;
using orch::json;

void applyModel(const json& model, json& config, const std::string& field) {
  if (model.is_null()) return;
  std::string id, provider;
  if (model.is_string()) {
    id = model.get<std::string>();
    if (auto split = id.find_first_of("/:"); split != std::string::npos) provider = id.substr(0, split), id = id.substr(split + 1);
  } else if (model.is_object() && (model.contains("model") || model.contains("id"))) {
    const auto& named = model.contains("model") ? model["model"] : model["id"];
    if (!named.is_string()) throw HttpError::validation(field, "The model's id must be a string");
    id = named.get<std::string>();
    provider = model.value("provider", std::string());
  } else {
    throw HttpError::validation(field, "Must be a model (\"openai/gpt-4o\", \"openai:gpt-4o\") or {id, provider}");
  }
  std::transform(provider.begin(), provider.end(), provider.begin(), [](unsigned char c) { return std::tolower(c); });
  if (provider == "gemini") provider = "google";
  if (!id.empty()) config["model"] = id;
  if (!provider.empty()) config["provider"] = provider;
}

json startKeeping(const json& definition) {
  return {{"id", "start"}, {"type", "start"}, {"data", {{orch::kStepSourceKey, definition}}}};
}

json keptDefinition(const json& graph, const std::string& framework) {
  for (const auto& node : graph.value("nodes", json::array())) {
    const auto& data = node.contains("data") ? node["data"] : node.value("config", json::object());
    if (node.value("type", "") == "start" && data.is_object() && data.contains(orch::kStepSourceKey))
      return data[orch::kStepSourceKey];
  }
  throw HttpError::validation("definition", "This graph was not made from a " + framework + " definition, so it has none to export");
}

json delegateTo(const std::string& name, const std::string& description, json persona) {
  persona.erase("prompt"); // the manager words the task
  return {{"type", "tool_loop"}, {"name", name}, {"description", description + " (give the task in `prompt`)"}, {"config", persona}};
}

bool isPythonTool(const std::string& name) {
  static const std::regex pythonClass(R"(^[A-Z][A-Za-z0-9]*$)");
  return std::regex_match(name, pythonClass);
}

} // namespace agents::frameworks
