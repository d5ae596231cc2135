#pragma once

#include <orchestrator/plugin.hpp>

#include <functional>
#include <mutex>
#include <ostream>
#include <string>

namespace containers {

/// Docker Engine's API over its Unix socket (containers.docker.socket). The
/// API version is negotiated once: the lower of the engine's (GET /version)
/// and the newest this client speaks, as the docker CLI does.
class DockerClient {
public:
  explicit DockerClient(std::string socketPath) : socket_(std::move(socketPath)) {}

  struct Answer {
    int status = 0;
    std::string body;
    orch::json json() const { return orch::json::parse(body, nullptr, false); }
  };
  /// `path` after the version ("/containers/json?all=1"); a JSON body when not null.
  Answer call(const std::string& method, const std::string& path, const orch::json& body = nullptr, int timeoutMs = 60000);
  /// POST with a body written by `write` (chunked): an image's root file system.
  Answer upload(const std::string& path, const std::string& contentType, const std::function<void(std::ostream&)>& write,
                int timeoutMs = 600000);
  /// The negotiated version ("1.41"); throws when the engine cannot be reached.
  std::string version();
  const std::string& socket() const { return socket_; }

  /// Docker's log stream, when the container has no TTY: frames of an
  /// 8-byte header (stream, 0, 0, 0, size big-endian) and `size` bytes.
  static std::string demultiplex(const std::string& stream);

private:
  /// One request; a Poco network error becomes a runtime_error naming the socket.
  Answer send(const std::string& method, const std::string& target, const std::string& contentType,
              const std::function<void(std::ostream&)>& write, bool chunked, std::size_t length, int timeoutMs);
  Answer exchange(const std::string& method, const std::string& target, const std::string& contentType,
                  const std::function<void(std::ostream&)>& write, bool chunked, std::size_t length, int timeoutMs);

  std::string socket_;
  std::mutex mutex_;
  std::string version_;
};

} // namespace containers
