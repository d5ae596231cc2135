#pragma once

#include "orchestrator/host/Route.h"

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace orch::host {

/// A route that cannot be added: a malformed template or a taken method+template.
class RouteError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Matches a method and path to a route, by path template segments in a trie
/// (a literal segment wins over a `{param}`). Built before serving, then only
/// read, so matching takes no lock.
class Router {
public:
  struct Match {
    enum class Kind { Found, NotFound, MethodNotAllowed } kind = Kind::NotFound;
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params; ///< decoded values
    std::vector<std::string> allowed;                        ///< for 405's Allow
  };

  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Adds a route; RouteError on a malformed template or a conflict.
  void add(std::shared_ptr<const Route> route);
  /// Whether `method` + a template of the same shape is already taken.
  bool contains(const std::string& method, const std::string& pathTemplate) const;
  /// `path` is after the API prefix when `prefixed`; unprefixed paths only
  /// reach routes marked reachableAtRoot.
  Match match(std::string_view method, std::string_view path, bool prefixed) const;
  /// The route registered for exactly this whole path (ORCH_ROUTE_EXACT_PATH),
  /// which answers before any API-prefixed route of the same path.
  Match matchExactPath(std::string_view method, std::string_view path) const;
  bool hasExactPaths() const { return hasExactPaths_; }
  const std::vector<std::shared_ptr<const Route>>& routes() const { return routes_; }

  /// "/api/v1/x" -> "/x" (also "/api/x" and "/v1/x"); nullopt without a prefix.
  static std::optional<std::string_view> stripApiPrefix(std::string_view path);
  /// "/workflows/{id}" -> "/workflows/{}": templates of one shape collide.
  static std::string shapeOf(const std::string& pathTemplate);
  /// Validates a method and template, throwing RouteError with the reason.
  static void validate(const std::string& method, const std::string& pathTemplate);

private:
  enum class Reach { Prefixed, Root, ExactPath };
  Match find(std::string_view method, std::string_view path, Reach reach) const;

  struct Node;
  std::unique_ptr<Node> root_;
  bool hasExactPaths_ = false;
  std::vector<std::shared_ptr<const Route>> routes_;
};

} // namespace orch::host
