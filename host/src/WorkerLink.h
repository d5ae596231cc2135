#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace orch::host {

/// HTTP to the host over its Unix socket, with the worker's token. One
/// connection per call: calls come from several threads, and a connection
/// the host closed (restarting) is never reused.
class WorkerLink {
public:
  WorkerLink(std::string socketPath, std::string token) : path_(std::move(socketPath)), token_(std::move(token)) {}

  struct Answer {
    int status = 0;
    std::string body;
  };
  /// POSTs `body` to `path` ("/api/v1/workers/claim"); throws Poco::Exception
  /// when the host cannot be reached.
  Answer post(const std::string& path, const nlohmann::json& body, int timeoutMs) const;

private:
  std::string path_, token_;
};

} // namespace orch::host
