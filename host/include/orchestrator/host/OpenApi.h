#pragma once

#include "orchestrator/host/Route.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace orch::host {

/// Builds the OpenAPI 3 document from the routes plugins registered: one
/// operation per route with its path parameters, permission, rate-limit
/// category and the plugin's own fragment merged in.
nlohmann::json buildOpenApi(const std::vector<std::shared_ptr<const Route>>& routes, const std::string& version);

class Router;

/// Adds the seed documents' examples to the operations that serve them:
/// each step of `seeds` (the seeds' requests as tests/seeds keeps them:
/// method, path, body, status, shows) is matched to its route as a request
/// would be, its body becomes an example of the request and what it shows
/// an example of that status's response, named after the seed.
void addSeedExamples(nlohmann::json& document, const Router& router, const std::vector<nlohmann::json>& seeds);

} // namespace orch::host
