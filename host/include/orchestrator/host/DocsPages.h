#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace orch::host {

/// The API's pages: /docs (Swagger UI) and /redoc (ReDoc), and their assets,
/// read from `docs.dir` (default <bin>/../share/orchestrator/docs, where the
/// build copies them from the npm packages of host/docs: offline at run
/// time). Files are read once and kept.
class DocsPages {
public:
  explicit DocsPages(std::string dir) : dir_(std::move(dir)) {}

  struct File {
    std::string body, contentType;
  };
  /// A file of the folder by name, or nullopt: a name with a slash, or
  /// starting with a dot, is never one.
  std::optional<File> file(const std::string& name);
  const std::string& dir() const { return dir_; }

private:
  const std::string dir_;
  std::mutex mutex_;
  std::map<std::string, File> cache_;
};

/// A Postman collection (v2.1) of an OpenAPI document: a folder per tag, a
/// request per operation with its path variables, a JSON body for the
/// methods that take one (the operation's example when it has one), bearer
/// auth from the collection's `token` variable, `baseUrl` from the first server.
nlohmann::json postmanCollection(const nlohmann::json& openapi, const std::string& origin);

} // namespace orch::host
