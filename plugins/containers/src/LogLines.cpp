#include "LogLines.h"

#include <orchestrator/time.hpp>

#include <algorithm>
#include <map>

namespace containers {
namespace {

/// Poco's priority names, as the host prints them, in seed 004's words.
std::string levelOf(std::string_view word) {
  static const std::map<std::string_view, std::string> levels = {
      {"Fatal", "ERROR"},  {"Critical", "ERROR"}, {"Error", "ERROR"},   {"Warning", "WARNING"},
      {"Notice", "INFO"},  {"Information", "INFO"}, {"Debug", "DEBUG"}, {"Trace", "DEBUG"},
      {"ERROR", "ERROR"},  {"WARNING", "WARNING"},  {"INFO", "INFO"},   {"DEBUG", "DEBUG"}};
  auto found = levels.find(word);
  return found == levels.end() ? std::string() : found->second;
}

} // namespace

LogLines::LogLines(const std::string& since, const std::string& until, int tail) : tail_(tail) {
  if (!since.empty()) since_ = orch::parseRfc3339(since).value_or(0);
  if (!until.empty()) until_ = orch::parseRfc3339(until).value_or(0);
}

void LogLines::add(std::string_view line, const std::string& source, const std::string& fallbackTime) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) return;
  std::string timestamp = fallbackTime, level = "INFO";
  std::string_view message = line;
  auto space = line.find(' ');
  if (space != std::string_view::npos) {
    auto time = orch::parseRfc3339(std::string(line.substr(0, space)));
    if (time) {
      timestamp = orch::rfc3339Millis(*time);
      message = line.substr(space + 1);
      auto next = message.find(' ');
      if (auto known = levelOf(message.substr(0, next)); !known.empty()) {
        level = known;
        message = next == std::string_view::npos ? std::string_view() : message.substr(next + 1);
      }
    }
  }
  auto at = orch::parseRfc3339(timestamp).value_or(0);
  if ((since_ && at < since_) || (until_ && at > until_)) return;
  lines_.push_back({{"timestamp", timestamp}, {"level", level}, {"message", std::string(message)}, {"source", source}});
}

orch::json LogLines::take() {
  std::stable_sort(lines_.begin(), lines_.end(), [](const orch::json& a, const orch::json& b) {
    return orch::parseRfc3339(a["timestamp"].get<std::string>()).value_or(0) <
           orch::parseRfc3339(b["timestamp"].get<std::string>()).value_or(0);
  });
  if (tail_ > 0 && lines_.size() > static_cast<std::size_t>(tail_))
    lines_.erase(lines_.begin(), lines_.end() - tail_);
  return std::move(lines_);
}

} // namespace containers
