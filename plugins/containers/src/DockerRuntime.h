#pragma once

#include "CpuSampler.h"
#include "DockerClient.h"
#include "Runtime.h"
#include "WorkerImage.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

namespace containers {

/// The `docker` runtime: each worker a container of Docker Engine, reached
/// over its Unix socket. The image is made on this machine once per build of
/// the host (WorkerImage, tagged by its content hash; an image of that tag
/// already there is reused) and imported (POST /images/create?fromSrc=-).
/// Limits are the container's HostConfig: NanoCpus, Memory (and no swap
/// past it), NetworkMode "none" or the host's, an on-failure restart policy
/// with the deployment's restarts; the host's socket folder is mounted at
/// its own path, so the worker links as a process would. Containers carry
/// their labels (orchestrator.host, orchestrator.agent) and outlive the host:
/// a host that restarts finds them by label (list).
class DockerRuntime : public Runtime {
public:
  struct Settings {
    std::string socket;     ///< containers.docker.socket
    std::string executable; ///< the host's binary
    std::string pluginsDir; ///< the host's plugins, copied into the image
  };
  explicit DockerRuntime(Settings settings) : settings_(std::move(settings)), docker_(settings_.socket) {}

  runtime::Container start(const runtime::StartRequest& request) override;
  void remove(const std::string& id) override;
  runtime::Container restart(const std::string& id) override;
  runtime::Container inspect(const std::string& id) override;
  runtime::Usage stats(const std::string& id) override;
  orch::json logs(const runtime::LogQuery& query) override;
  std::vector<runtime::Container> list(const std::map<std::string, std::string>& labels) override;

private:
  /// The worker image's name, made when this build has none yet; `events` says which.
  std::string image(std::vector<std::string>& events);
  static runtime::Container view(const orch::json& inspected);
  /// Throws with the engine's message unless `answer` is one of `expected`.
  static const DockerClient::Answer& expect(const DockerClient::Answer& answer, std::initializer_list<int> expected,
                                            const std::string& what);

  Settings settings_;
  DockerClient docker_;
  std::mutex imageMutex_;
  std::unique_ptr<WorkerImage> built_;
  CpuSampler cpu_;
};

} // namespace containers
