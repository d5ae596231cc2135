#include "orchestrator/host/OpenApi.h"

#include <Poco/String.h>

namespace orch::host {
namespace {

nlohmann::json pathParameters(const std::string& pathTemplate) {
  nlohmann::json parameters = nlohmann::json::array();
  std::size_t open = 0;
  while ((open = pathTemplate.find('{', open)) != std::string::npos) {
    auto close = pathTemplate.find('}', open);
    parameters.push_back({{"name", pathTemplate.substr(open + 1, close - open - 1)},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
    open = close;
  }
  return parameters;
}

nlohmann::json errorResponse(const char* description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

nlohmann::json operationFor(const Route& route) {
  nlohmann::json operation = {
      {"summary", route.summary.empty() ? route.method + " " + route.pathTemplate : route.summary},
      {"operationId", route.owner + "_" + Poco::toLower(route.method) + route.pathTemplate},
      {"tags", {route.owner}},
      {"x-rate-limit-category", route.category},
      {"responses", {{"200", {{"description", "Success"}}}, {"default", errorResponse("Error")}}}};
  auto parameters = pathParameters(route.pathTemplate);
  if (!parameters.empty()) operation["parameters"] = parameters;
  if (route.isPublic()) {
    operation["security"] = nlohmann::json::array();
  } else if (!route.permission.empty()) {
    operation["x-permission"] = route.permission;
  }
  if (route.openapi.is_object()) operation.merge_patch(route.openapi);
  return operation;
}

} // namespace

nlohmann::json buildOpenApi(const std::vector<std::shared_ptr<const Route>>& routes, const std::string& version) {
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& route : routes) paths[route->pathTemplate][Poco::toLower(route->method)] = operationFor(*route);
  return {
      {"openapi", "3.0.3"},
      {"info", {{"title", "Orchestrator API"}, {"version", version}}},
      {"servers", {{{"url", "/api/v1"}}, {{"url", "/api"}}, {{"url", "/v1"}}}},
      {"security", {{{"bearerAuth", nlohmann::json::array()}}, {{"apiKeyAuth", nlohmann::json::array()}}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes",
         {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
          {"apiKeyAuth", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-KEY"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"properties",
                 {{"code", {{"type", "string"}}},
                  {"message", {{"type", "string"}}},
                  {"details", {{"type", "object"}}},
                  {"timestamp", {{"type", "string"}, {"format", "date-time"}}},
                  {"request_id", {{"type", "string"}}},
                  {"correlation_id", {{"type", "string"}}}}}}},
              {"detail", {{"type", "string"}}}}}}}}}}}};
}

} // namespace orch::host
