#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ai {

/// One model of the catalog, with its list prices.
struct ModelInfo {
  std::string id, provider, name;
  double inputCostPerToken = 0, outputCostPerToken = 0; ///< USD
  std::int64_t contextWindow = 0, maxOutputTokens = 0;
  std::vector<std::string> capabilities;
  double qualityScore = 0;              ///< 0..1
  std::int64_t typicalResponseMs = 1000; ///< the latency assumed until one is measured

  bool has(std::string_view capability) const;
  /// USD for a call of that many tokens.
  double cost(std::int64_t promptTokens, std::int64_t completionTokens) const {
    return static_cast<double>(promptTokens) * inputCostPerToken +
           static_cast<double>(completionTokens) * outputCostPerToken;
  }
};

using Models = std::vector<ModelInfo>;

/// The model catalog: a JSON file, read again whenever it changes on disk.
/// Readers get an immutable snapshot, so a reload never disturbs a call.
class Catalog {
public:
  explicit Catalog(std::string path) : path_(std::move(path)) {}

  /// Parses catalog text; throws std::runtime_error naming the bad entry and field.
  static Models parse(const std::string& text);

  /// Reads the file now; throws (keeping the previous models) when it is unreadable or invalid.
  void load();
  /// Reads the file again when its modification time or size changed.
  /// Returns true when new models were taken; throws like load() and keeps the old ones.
  bool reloadIfChanged();

  std::shared_ptr<const Models> models() const;
  const std::string& path() const { return path_; }

private:
  std::string path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Models> models_ = std::make_shared<Models>();
  std::int64_t loadedModified_ = -1;
  std::uintmax_t loadedSize_ = 0;
};

/// The model of that id in a snapshot, or nullptr.
const ModelInfo* findModel(const Models& models, std::string_view id);

} // namespace ai
