#include "RefusalLog.h"

#include <Poco/Logger.h>

namespace orch::host {

void RefusalLog::note(const std::string& clientIp, int status, std::string_view what) {
  constexpr auto kQuiet = std::chrono::minutes(1);
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (lastLogged_.size() > 10000) // many addresses: forget those whose minute is over
      for (auto it = lastLogged_.begin(); it != lastLogged_.end();)
        it = now - it->second >= kQuiet ? lastLogged_.erase(it) : std::next(it);
    auto [it, fresh] = lastLogged_.try_emplace(clientIp, now);
    if (!fresh && now - it->second < kQuiet) return;
    it->second = now;
  }
  auto answer = status ? "answered " + std::to_string(status) : std::string("closed");
  Poco::Logger::get("http").warning("connection from %s %s: %s (logged once a minute per address)", clientIp, answer,
                                    std::string(what));
}

} // namespace orch::host
