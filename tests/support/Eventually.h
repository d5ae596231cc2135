#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace orch::test {

/// Whether `condition` holds within `timeout`, asked every 20 ms: the way a
/// test waits for what arrives later (a row, an event, a delivery), never
/// reading it once.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

} // namespace orch::test
