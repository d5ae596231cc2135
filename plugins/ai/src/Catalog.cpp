#include "Catalog.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace ai {
namespace {

using json = nlohmann::json;

[[noreturn]] void invalid(std::size_t index, const std::string& field, const std::string& issue) {
  throw std::runtime_error("models[" + std::to_string(index) + "]." + field + ": " + issue);
}

std::string requiredText(const json& entry, std::size_t index, const char* field) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_string() || it->get<std::string>().empty())
    invalid(index, field, "must be a non-empty string");
  return it->get<std::string>();
}

double requiredNumber(const json& entry, std::size_t index, const char* field, double min, double max) {
  auto it = entry.find(field);
  if (it == entry.end() || !it->is_number() || it->get<double>() < min || it->get<double>() > max) {
    std::ostringstream issue;
    issue << "must be a number from " << min << " to " << max;
    invalid(index, field, issue.str());
  }
  return it->get<double>();
}

ModelInfo parseModel(const json& entry, std::size_t index) {
  if (!entry.is_object()) invalid(index, "", "must be an object");
  ModelInfo model;
  model.id = requiredText(entry, index, "id");
  model.provider = requiredText(entry, index, "provider");
  model.name = entry.value("name", model.id);
  model.inputCostPerToken = requiredNumber(entry, index, "input_cost_per_token", 0, 1);
  model.outputCostPerToken = requiredNumber(entry, index, "output_cost_per_token", 0, 1);
  model.contextWindow = static_cast<std::int64_t>(requiredNumber(entry, index, "context_window", 1, 1e9));
  model.maxOutputTokens = static_cast<std::int64_t>(requiredNumber(entry, index, "max_output_tokens", 1, 1e9));
  model.qualityScore = requiredNumber(entry, index, "quality_score", 0, 1);
  if (entry.contains("typical_response_ms"))
    model.typicalResponseMs = static_cast<std::int64_t>(requiredNumber(entry, index, "typical_response_ms", 1, 600000));
  auto capabilities = entry.find("capabilities");
  if (capabilities == entry.end() || !capabilities->is_array()) invalid(index, "capabilities", "must be an array of strings");
  for (const auto& capability : *capabilities) {
    if (!capability.is_string()) invalid(index, "capabilities", "must be an array of strings");
    model.capabilities.push_back(capability.get<std::string>());
  }
  return model;
}

std::int64_t modifiedTime(const std::filesystem::path& path) {
  return std::filesystem::last_write_time(path).time_since_epoch().count();
}

} // namespace

bool ModelInfo::has(std::string_view capability) const {
  return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

Models Catalog::parse(const std::string& text) {
  auto document = json::parse(text, nullptr, false);
  if (document.is_discarded()) throw std::runtime_error("the catalog is not valid JSON");
  const json* list = document.is_array() ? &document : nullptr;
  if (document.is_object() && document.contains("models")) list = &document["models"];
  if (!list || !list->is_array()) throw std::runtime_error("the catalog needs a \"models\" array");
  Models models;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto model = parseModel((*list)[i], i);
    if (!ids.insert(model.id).second) invalid(i, "id", "'" + model.id + "' appears twice");
    models.push_back(std::move(model));
  }
  return models;
}

void Catalog::load() {
  std::lock_guard lock(mutex_);
  std::error_code error;
  auto modified = modifiedTime(path_);
  auto size = std::filesystem::file_size(path_, error);
  std::ifstream file(path_);
  if (!file) throw std::runtime_error("cannot read the catalog " + path_);
  std::stringstream text;
  text << file.rdbuf();
  // Remember what was seen even when it is invalid, so a bad file is
  // reported once and not every second until it changes again.
  loadedModified_ = modified;
  loadedSize_ = size;
  models_ = std::make_shared<const Models>(parse(text.str()));
}

bool Catalog::reloadIfChanged() {
  {
    std::lock_guard lock(mutex_);
    std::error_code error;
    auto modified = std::filesystem::last_write_time(path_, error).time_since_epoch().count();
    if (error) return false; // a file being replaced: try again next time
    auto size = std::filesystem::file_size(path_, error);
    if (error || (modified == loadedModified_ && size == loadedSize_)) return false;
  }
  load();
  return true;
}

std::shared_ptr<const Models> Catalog::models() const {
  std::lock_guard lock(mutex_);
  return models_;
}

const ModelInfo* findModel(const Models& models, std::string_view id) {
  for (const auto& model : models)
    if (model.id == id) return &model;
  return nullptr;
}

} // namespace ai
