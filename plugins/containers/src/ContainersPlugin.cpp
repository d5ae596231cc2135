// Plugin `containers`: the runtimes deployed agents' workers run in, each a
// service "runtime.<name>" (sdk services/runtime.hpp) that the agents plugin
// calls: `process` (a child process of the host in a control group of its
// own) and `docker` (Docker Engine over its Unix socket). No routes: the
// container routes of seed 004 are the agents plugin's.
#include "DockerRuntime.h"
#include "ProcessRuntime.h"
#include "DockerClient.h"
#include "Runtime.h"

#include <orchestrator/services/health.hpp>

#include <filesystem>

namespace containers {
namespace {

struct Settings {
  std::string processDir, dockerSocket;
  bool processCgroups = true, dockerHealthCheck = false;
};

const orch::SettingsMap<Settings> kSettings = {
    {"containers.process.dir", &Settings::processDir, "",
     "Where the process runtime keeps a folder per worker (its output, its data); empty: <server.data_dir>/containers"},
    {"containers.process.cgroups", &Settings::processCgroups, "true",
     "Hold the process runtime's limits in control groups where the host can make them; false: rlimits only"},
    {"containers.docker.socket", &Settings::dockerSocket, "/var/run/docker.sock", "Docker Engine's Unix socket"},
    {"containers.docker.health_check", &Settings::dockerHealthCheck, "false",
     "Check Docker Engine (GET /_ping within a second) as a component of the host's health: monitoring/health, the "
     "health score, system_alert"},
};

/// `docker`: the engine answers its ping on the socket, with the API version it speaks.
orch::json dockerPing(const std::string& socket) {
  DockerClient client(socket);
  auto answer = client.call("GET", "/_ping", nullptr, 1000);
  if (answer.status != 200) throw std::runtime_error("Docker Engine answered " + std::to_string(answer.status) + " to its ping");
  return {{"socket", socket}, {"api_version", client.version()}};
}

void init(orch::Plugin& plugin) {
  auto settings = plugin.settings(kSettings);
  namespace fs = std::filesystem;
  auto dataDir = fs::absolute(plugin.config("server.data_dir", "var"));
  ProcessRuntime::Settings process;
  process.dir = settings.processDir.empty() ? (dataDir / "containers").string() : fs::absolute(settings.processDir).string();
  process.executable = fs::read_symlink("/proc/self/exe").string(); // the host's own binary, run as `worker`
  process.cgroups = settings.processCgroups;
  serveRuntime(plugin, "process", std::make_shared<ProcessRuntime>(process));
  // Asked nothing until an agent is deployed on it: a host without Docker serves the rest.
  serveRuntime(plugin, "docker",
               std::make_shared<DockerRuntime>(DockerRuntime::Settings{settings.dockerSocket, process.executable,
                                                                       plugin.config("plugins.dir", "")}));
  if (settings.dockerHealthCheck)
    orch::services::health::contribute(plugin, "containers", [socket = settings.dockerSocket] {
      return orch::json{{"docker", orch::services::health::timed([&socket] { return dockerPing(socket); })}};
    });
}

} // namespace
} // namespace containers

ORCH_PLUGIN("containers", "1.0.0", "Runtimes for deployed agents' workers: process (cgroups) and docker", containers::init)
