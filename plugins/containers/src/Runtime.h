#pragma once

#include <orchestrator/services/runtime.hpp>

#include <string>
#include <vector>

namespace containers {

namespace runtime = orch::services::runtime;

/// A place where agents' workers run, served as the service "runtime.<name>"
/// (RuntimeService.cpp). Each method is one of the service's; ids unknown to
/// the runtime are "missing", never an error, so that the agents plugin can
/// always make its records and the runtime's agree.
class Runtime {
public:
  virtual ~Runtime() = default;
  virtual runtime::Container start(const runtime::StartRequest& request) = 0;
  virtual void remove(const std::string& id) = 0;
  virtual runtime::Container restart(const std::string& id) = 0;
  virtual runtime::Container inspect(const std::string& id) = 0;
  virtual runtime::Usage stats(const std::string& id) = 0;
  virtual orch::json logs(const runtime::LogQuery& query) = 0;
  virtual std::vector<runtime::Container> list(const std::map<std::string, std::string>& labels) = 0;
};

/// Serves `runtime` as the service "runtime.<name>".
void serveRuntime(orch::Plugin& plugin, const std::string& name, std::shared_ptr<Runtime> runtime);

} // namespace containers
