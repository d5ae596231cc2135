#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ai {

/// What recent calls say about a model: its measured response time and
/// whether it is answering (available), failing now and then (degraded) or
/// failing every time (unavailable). Process-local: each host measures what
/// it sees.
class ModelHealth {
public:
  using Clock = std::chrono::steady_clock;

  struct View {
    double avgResponseMs = 0; ///< measured, or the catalog's typical figure until then
    bool measured = false;
    std::string status = "available";
    std::int64_t calls = 0, failures = 0; ///< in the recent window
  };

  void recordSuccess(const std::string& model, double responseMs, Clock::time_point at = Clock::now());
  void recordFailure(const std::string& model, Clock::time_point at = Clock::now());
  View view(const std::string& model, double typicalResponseMs, Clock::time_point at = Clock::now()) const;

  /// A provider answered 5xx or could not be reached: every model of it is
  /// unavailable (ranked last) for kProbeAfter, or until one of them answers.
  void recordProviderOutage(const std::string& provider, Clock::time_point at = Clock::now());
  void recordProviderAnswer(const std::string& provider);
  bool providerDown(const std::string& provider, Clock::time_point at = Clock::now()) const;

  /// How many of the latest outcomes decide the status.
  static constexpr std::size_t kWindow = 20;
  /// Failures in a row that make a model unavailable...
  static constexpr int kUnavailableAfter = 3;
  /// ...until this long after its last failure, when it is tried again.
  static constexpr std::chrono::seconds kProbeAfter{30};

private:
  struct Record {
    double ewmaMs = 0;
    bool measured = false;
    std::deque<bool> outcomes; ///< true = success, newest last
    int failuresInRow = 0;
    Clock::time_point lastFailure{};
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Record> records_;
  std::unordered_map<std::string, Clock::time_point> outages_; ///< provider -> its latest outage
};

} // namespace ai
