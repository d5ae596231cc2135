#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace orch::host {

struct HostContext;

/// Calls a plugin's service from the host itself (monitoring asks plugins for
/// their health, the agents for their counts): the answer, or nullopt when no
/// loaded plugin serves `name`. Throws std::runtime_error with the service's
/// error.
std::optional<nlohmann::json> callService(const HostContext& context, const std::string& name, const std::string& method,
                                          const nlohmann::json& request);

/// The services whose names start with `prefix`, sorted.
std::vector<std::string> servicesStartingWith(const HostContext& context, const std::string& prefix);

} // namespace orch::host
