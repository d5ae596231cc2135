#include "Executions.h"

#include "HttpClient.h"

#include <gtest/gtest.h>

#include <thread>

namespace orch::test {

bool executionEnded(const nlohmann::json& execution) {
  auto status = execution.value("status", "");
  return status != "queued" && status != "scheduled" && status != "running";
}

nlohmann::json awaitExecution(int port, const std::string& id, const std::map<std::string, std::string>& headers,
                              const std::function<bool(const nlohmann::json&)>& wanted,
                              std::chrono::milliseconds timeout) {
  HttpClient client(port);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json execution;
  while (std::chrono::steady_clock::now() < deadline) {
    auto answer = client.get("/api/v1/executions/" + id, headers);
    execution = answer.json();
    if (answer.status == 200 && wanted(execution)) return execution;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "execution " << id << " did not get there: " << execution.dump();
  return execution;
}

} // namespace orch::test
