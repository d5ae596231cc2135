#include "orchestrator/host/ServiceCalls.h"

#include "orchestrator/host/HostContext.h"

#include <orchestrator/boundary.hpp>

#include <stdexcept>

namespace orch::host {

using orch::detail::view;

std::optional<nlohmann::json> callService(const HostContext& context, const std::string& name, const std::string& method,
                                          const nlohmann::json& request) {
  auto service = context.services.find(name);
  if (!service) return std::nullopt;
  orch::detail::StringSink result, error;
  auto body = request.dump();
  if (service->onCall(service->userData, view(method), view(body), result.get(), error.get()) != ORCH_OK)
    throw std::runtime_error(error.text.empty() ? "the service " + name + " failed" : error.text);
  return nlohmann::json::parse(result.text);
}

std::vector<std::string> servicesStartingWith(const HostContext& context, const std::string& prefix) {
  std::vector<std::string> names;
  for (auto& name : context.services.names())
    if (name.rfind(prefix, 0) == 0) names.push_back(std::move(name));
  return names;
}

} // namespace orch::host
