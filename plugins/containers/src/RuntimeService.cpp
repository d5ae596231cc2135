#include "Runtime.h"

namespace containers {

void serveRuntime(orch::Plugin& plugin, const std::string& name, std::shared_ptr<Runtime> runtime) {
  plugin.service(runtime::serviceName(name), [runtime, name](const std::string& method, const orch::json& message) {
    auto id = message.value("container_id", std::string());
    if (method == runtime::kStart) return runtime->start(runtime::StartRequest::fromJson(message)).toJson();
    if (method == runtime::kRemove) {
      runtime->remove(id);
      return orch::json::object();
    }
    if (method == runtime::kRestart) return runtime->restart(id).toJson();
    if (method == runtime::kInspect) return runtime->inspect(id).toJson();
    if (method == runtime::kStats) return runtime->stats(id).toJson();
    if (method == runtime::kLogs) return orch::json{{"logs", runtime->logs(runtime::LogQuery::fromJson(message))}};
    if (method == runtime::kList) {
      auto all = orch::json::array();
      for (const auto& container : runtime->list(message.value("labels", std::map<std::string, std::string>())))
        all.push_back(container.toJson());
      return orch::json{{"containers", all}};
    }
    throw orch::HttpError::badRequest("runtime." + name + ": unknown method '" + method + "'");
  });
}

} // namespace containers
