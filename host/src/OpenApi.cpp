#include "orchestrator/host/OpenApi.h"

#include "orchestrator/host/Router.h"

#include <Poco/String.h>

#include <algorithm>
#include <sstream>
#include <utility>
#include <vector>

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

nlohmann::json errorResponse(const char* name) { return {{"$ref", std::string("#/components/responses/") + name}}; }

bool takesBody(const std::string& method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

nlohmann::json operationFor(const Route& route) {
  // Every answer is JSON, every error the envelope of API.md: which errors a
  // route can answer follows from its metadata.
  nlohmann::json responses = {
      {"200", {{"description", "Success"}, {"content", {{"application/json", {{"schema", nlohmann::json::object()}}}}}}},
      {"429", errorResponse("RateLimited")},
      {"500", errorResponse("InternalError")}};
  if (!route.isPublic()) responses["401"] = errorResponse("Unauthorized");
  if (!route.permission.empty()) responses["403"] = errorResponse("Forbidden");
  if (route.pathTemplate.find('{') != std::string::npos) responses["404"] = errorResponse("NotFound");
  nlohmann::json operation = {
      {"summary", route.summary.empty() ? route.method + " " + route.pathTemplate : route.summary},
      {"operationId", route.owner + "_" + Poco::toLower(route.method) + route.pathTemplate},
      {"tags", {route.owner}},
      {"x-rate-limit-category", route.category.empty() ? std::string("default") : route.category},
      {"responses", responses}};
  if (takesBody(route.method)) {
    operation["requestBody"] = {{"required", false},
                                {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    operation["responses"]["400"] = errorResponse("BadRequest");
    operation["responses"]["413"] = errorResponse("PayloadTooLarge");
    operation["responses"]["422"] = errorResponse("ValidationError");
  }
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

/// The envelope's responses, one per status the API answers.
nlohmann::json errorResponses() {
  nlohmann::json responses = nlohmann::json::object();
  for (const auto& [name, description] : std::vector<std::pair<const char*, const char*>>{
           {"BadRequest", "BAD_REQUEST: malformed JSON or a wrong content type"},
           {"Unauthorized", "UNAUTHORIZED: no credentials, or bad ones"},
           {"Forbidden", "FORBIDDEN: the principal lacks the route's permission"},
           {"NotFound", "NOT_FOUND: no such resource, or another tenant's"},
           {"PayloadTooLarge", "PAYLOAD_TOO_LARGE: the body is over server.body_limit"},
           {"ValidationError", "VALIDATION_ERROR: details.field names what is wrong, details.issue says why"},
           {"RateLimited", "RATE_LIMITED: details.retry_after seconds (and the Retry-After header)"},
           {"InternalError", "INTERNAL_ERROR: nothing internal is told"}})
    responses[name] = {{"description", description},
                       {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  return responses;
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
       {{"responses", errorResponses()},
        {"securitySchemes",
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

namespace {

/// The query parameters a seed's request sends, with the values it sends.
std::vector<std::pair<std::string, std::string>> queryOf(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> parameters;
  auto mark = path.find('?');
  if (mark == std::string::npos) return parameters;
  std::stringstream pairs(path.substr(mark + 1));
  for (std::string pair; std::getline(pairs, pair, '&');) {
    auto equals = pair.find('=');
    if (!pair.empty()) parameters.emplace_back(pair.substr(0, equals), equals == std::string::npos ? "" : pair.substr(equals + 1));
  }
  return parameters;
}

/// "/api/workflows/{{workflow_id}}/execute?x=1" as a request path: each
/// {{name}} the seed runner fills in becomes one segment, the query goes.
std::string requestPath(std::string path) {
  path = path.substr(0, path.find('?'));
  for (std::size_t open; (open = path.find("{{")) != std::string::npos;) {
    auto close = path.find("}}", open);
    if (close == std::string::npos) break;
    path.replace(open, close + 2 - open, "x");
  }
  return path;
}

/// The schema an example shows: its fields and their types (a null may be
/// anything), each object's fields as the example has them.
nlohmann::json schemaOf(const nlohmann::json& example) {
  if (example.is_object()) {
    nlohmann::json properties = nlohmann::json::object();
    for (const auto& [key, value] : example.items()) properties[key] = schemaOf(value);
    return {{"type", "object"}, {"properties", properties}};
  }
  if (example.is_array()) return {{"type", "array"}, {"items", example.empty() ? nlohmann::json::object() : schemaOf(example[0])}};
  if (example.is_boolean()) return {{"type", "boolean"}};
  if (example.is_number()) return {{"type", "number"}}; // a seed's 0 may be a rate

  if (example.is_string()) return {{"type", "string"}};
  return nlohmann::json::object();
}

/// The example, and the schema it shows where the operation has none of its own yet.
void addExample(nlohmann::json& content, const std::string& name, const std::string& summary, const nlohmann::json& value) {
  auto& media = content["application/json"];
  media["examples"][name] = {{"summary", summary}, {"value", value}};
  auto& schema = media["schema"];
  if (schema.contains("x-schema-from")) {
    // Another seed's example of the same answer: its fields are added.
    auto more = schemaOf(value);
    if (schema.value("type", "") == "object" && more.value("type", "") == "object")
      for (const auto& [key, property] : more["properties"].items())
        if (!schema["properties"].contains(key)) schema["properties"][key] = property;
    return;
  }
  bool generic = schema.is_null() || schema.empty() || schema == nlohmann::json{{"type", "object"}};
  if (!generic) return;
  schema = schemaOf(value);
  schema["x-schema-from"] = "a seed's example";
}

} // namespace

void addSeedExamples(nlohmann::json& document, const Router& router, const std::vector<nlohmann::json>& seeds) {
  auto& paths = document["paths"];
  for (const auto& seed : seeds) {
    auto source = seed.value("seed", std::string("seed"));
    auto prefix = "seed" + source.substr(0, source.find('_'));
    int number = 0;
    for (const auto& step : seed.value("steps", nlohmann::json::array())) {
      ++number;
      auto method = step.value("method", std::string());
      auto path = requestPath(step.value("path", std::string()));
      auto stripped = Router::stripApiPrefix(path);
      auto match = router.match(method, stripped ? *stripped : std::string_view(path), stripped.has_value());
      if (match.kind != Router::Match::Kind::Found || !match.route) continue;
      auto& item = paths[match.route->pathTemplate];
      auto verb = Poco::toLower(method);
      if (!item.contains(verb)) continue;
      auto& operation = item[verb];
      // What the seed sends in the query is a documented parameter.
      for (const auto& [key, value] : queryOf(step.value("path", std::string()))) {
        auto& parameters = operation["parameters"];
        if (!parameters.is_array()) parameters = nlohmann::json::array();
        bool known = std::any_of(parameters.begin(), parameters.end(),
                                 [&key = key](const nlohmann::json& p) { return p.value("name", "") == key && p.value("in", "") == "query"; });
        if (known) continue;
        nlohmann::json parameter = {{"name", key}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}};
        // A value the seed runner fills in ({{name}}) is no example of one.
        if (value.find("{{") == std::string::npos) parameter["example"] = value;
        parameters.push_back(parameter);
      }
      auto name = prefix + "_" + std::to_string(number);
      auto summary = step.value("name", method + " " + path) + " (" + source + ")";
      if (operation.contains("requestBody") && (step.value("body", nlohmann::json()).is_object() || step.value("body", nlohmann::json()).is_array()))
        addExample(operation["requestBody"]["content"], name, summary, step["body"]);
      auto status = std::to_string(step.value("status", 200));
      if (!step.contains("shows")) continue;
      auto& response = operation["responses"][status];
      if (response.contains("$ref")) continue; // an error's shared response takes no example of its own
      if (!response.contains("description")) response["description"] = "As the seed shows";
      addExample(response["content"], name, summary, step["shows"]);
    }
  }
}

} // namespace orch::host
