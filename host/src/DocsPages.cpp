#include "orchestrator/host/DocsPages.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace orch::host {
namespace {

std::string contentTypeOf(const std::string& name) {
  auto dot = name.rfind('.');
  auto extension = dot == std::string::npos ? std::string() : name.substr(dot + 1);
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "js") return "text/javascript; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  if (extension == "png") return "image/png";
  if (extension == "json" || extension == "map") return "application/json";
  return "application/octet-stream";
}

/// ReDoc's bundle shows Redocly's logo from their CDN whatever its options:
/// that one request would leave the host (and fail offline), so the bundle
/// is served with an empty image in its place.
void keepOnTheHost(const std::string& name, std::string& body) {
  if (name != "redoc.standalone.js") return;
  const std::string remote = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  const std::string local = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E";
  for (auto at = body.find(remote); at != std::string::npos; at = body.find(remote, at + local.size()))
    body.replace(at, remote.size(), local);
}

} // namespace

std::optional<DocsPages::File> DocsPages::file(const std::string& name) {
  if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos || name.find('\\') != std::string::npos)
    return std::nullopt;
  std::lock_guard lock(mutex_);
  if (auto found = cache_.find(name); found != cache_.end()) return found->second;
  std::ifstream in(std::filesystem::path(dir_) / name, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream read;
  read << in.rdbuf();
  auto body = read.str();
  keepOnTheHost(name, body);
  return cache_[name] = File{std::move(body), contentTypeOf(name)};
}

nlohmann::json postmanCollection(const nlohmann::json& openapi, const std::string& origin) {
  using json = nlohmann::json;
  std::map<std::string, json> folders;
  auto paths = openapi.value("paths", json::object()); // .items() of a temporary would dangle
  for (const auto& [path, item] : paths.items()) {
    for (const auto& [method, operation] : item.items()) {
      // {id} becomes :id, Postman's path variable.
      json segments = json::array(), variables = json::array();
      std::stringstream parts(path.substr(1));
      for (std::string segment; std::getline(parts, segment, '/');) {
        if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}') {
          auto name = segment.substr(1, segment.size() - 2);
          segments.push_back(":" + name);
          variables.push_back({{"key", name}, {"value", ""}});
        } else {
          segments.push_back(segment);
        }
      }
      std::string raw = "{{baseUrl}}";
      for (const auto& segment : segments) raw += "/" + segment.get<std::string>();
      std::string verb = method;
      for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      json request = {{"method", verb},
                      {"url", {{"raw", raw}, {"host", {"{{baseUrl}}"}}, {"path", segments}, {"variable", variables}}},
                      {"description", operation.value("description", operation.value("summary", std::string()))}};
      if (operation.value("security", json()).is_array() && operation["security"].empty())
        request["auth"] = {{"type", "noauth"}};
      if (method == "post" || method == "put" || method == "patch") {
        auto example = json::object();
        const auto& content = operation.value("requestBody", json::object()).value("content", json::object());
        if (content.contains("application/json")) {
          const auto& media = content["application/json"];
          example = media.value("example", json::object());
          // Else the first of its named examples (a seed's request).
          if (media.contains("examples") && !media["examples"].empty()) example = media["examples"].begin()->value("value", example);
        }
        request["header"] = json::array({{{"key", "Content-Type"}, {"value", "application/json"}}});
        request["body"] = {{"mode", "raw"}, {"raw", example.dump(2)}, {"options", {{"raw", {{"language", "json"}}}}}};
      }
      auto tags = operation.value("tags", json::array());
      auto tag = tags.empty() ? std::string("other") : tags[0].get<std::string>();
      auto& folder = folders[tag];
      if (folder.is_null()) folder = {{"name", tag}, {"item", json::array()}};
      folder["item"].push_back({{"name", operation.value("summary", verb + " " + path)},
                                {"request", request}});
    }
  }
  json items = json::array();
  for (auto& [tag, folder] : folders) items.push_back(std::move(folder));
  auto base = origin;
  const auto& servers = openapi.value("servers", json::array());
  if (!servers.empty()) base += servers[0].value("url", std::string());
  return {{"info",
           {{"name", openapi["info"].value("title", std::string("API"))},
            {"description", "Made from this host's /openapi.json (version " + openapi["info"].value("version", std::string()) + ")"},
            {"schema", "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}}},
          {"auth", {{"type", "bearer"}, {"bearer", {{{"key", "token"}, {"value", "{{token}}"}, {"type", "string"}}}}}},
          {"variable", {{{"key", "baseUrl"}, {"value", base}}, {{"key", "token"}, {"value", ""}}}},
          {"item", items}};
}

} // namespace orch::host
