#include "orchestrator/host/Router.h"

#include <Poco/URI.h>

#include <algorithm>
#include <array>

namespace orch::host {
namespace {

constexpr std::array<std::string_view, 5> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};

std::vector<std::string_view> splitSegments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end;
  }
  return segments;
}

bool isParam(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;
  std::vector<std::shared_ptr<const Route>> handlers; // one per method
  std::vector<std::vector<std::string>> paramNames;   // parallel to handlers

  const Route* find(std::string_view method) const {
    for (const auto& route : handlers)
      if (route->method == method) return route.get();
    return nullptr;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::validate(const std::string& method, const std::string& pathTemplate) {
  if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end())
    throw RouteError("unsupported method '" + method + "'");
  if (pathTemplate.empty() || pathTemplate.front() != '/')
    throw RouteError("path template must start with '/': '" + pathTemplate + "'");
  for (auto segment : splitSegments(pathTemplate)) {
    bool braces = segment.find_first_of("{}") != std::string_view::npos;
    if (braces && !isParam(segment)) throw RouteError("malformed parameter segment '" + std::string(segment) + "'");
    if (segment.find_first_of("?#% ") != std::string_view::npos)
      throw RouteError("invalid character in path template '" + pathTemplate + "'");
  }
}

std::string Router::shapeOf(const std::string& pathTemplate) {
  std::string shape;
  for (auto segment : splitSegments(pathTemplate)) {
    shape += '/';
    shape += isParam(segment) ? std::string_view("{}") : segment;
  }
  return shape.empty() ? "/" : shape;
}

bool Router::contains(const std::string& method, const std::string& pathTemplate) const {
  const Node* node = root_.get();
  for (auto segment : splitSegments(pathTemplate)) {
    if (isParam(segment)) {
      node = node->param.get();
    } else {
      auto it = node->literals.find(segment);
      node = it == node->literals.end() ? nullptr : it->second.get();
    }
    if (!node) return false;
  }
  return node->find(method) != nullptr;
}

void Router::add(std::shared_ptr<const Route> route) {
  validate(route->method, route->pathTemplate);
  if (contains(route->method, route->pathTemplate))
    throw RouteError(route->method + " " + route->pathTemplate + " is already registered");
  Node* node = root_.get();
  std::vector<std::string> names;
  for (auto segment : splitSegments(route->pathTemplate)) {
    std::unique_ptr<Node>* next;
    if (isParam(segment)) {
      names.emplace_back(segment.substr(1, segment.size() - 2));
      next = &node->param;
    } else {
      next = &node->literals[std::string(segment)];
    }
    if (!*next) *next = std::make_unique<Node>();
    node = next->get();
  }
  hasExactPaths_ = hasExactPaths_ || route->exactPath;
  node->handlers.push_back(route);
  node->paramNames.push_back(std::move(names));
  routes_.push_back(std::move(route));
}

Router::Match Router::match(std::string_view method, std::string_view path, bool prefixed) const {
  return find(method, path, prefixed ? Reach::Prefixed : Reach::Root);
}

Router::Match Router::matchExactPath(std::string_view method, std::string_view path) const {
  return find(method, path, Reach::ExactPath);
}

Router::Match Router::find(std::string_view method, std::string_view path, Reach reach) const {
  auto segments = splitSegments(path);
  if (method == "HEAD") method = "GET";
  Match result;
  std::vector<std::string_view> values;

  // Depth-first: literal children before the parameter child, so
  // "/workflows/templates" beats "/workflows/{id}" but both stay reachable.
  std::function<bool(const Node*, std::size_t)> walk = [&](const Node* node, std::size_t depth) -> bool {
    if (depth == segments.size()) {
      if (node->handlers.empty()) return false;
      for (std::size_t i = 0; i < node->handlers.size(); ++i) {
        const auto& route = node->handlers[i];
        if (reach == Reach::Prefixed ? route->exactPath
                                     : reach == Reach::Root ? !route->reachableAtRoot : !route->exactPath)
          continue;
        if (route->method == method) {
          result.kind = Match::Kind::Found;
          result.route = route.get();
          for (std::size_t p = 0; p < values.size(); ++p) {
            std::string decoded;
            Poco::URI::decode(std::string(values[p]), decoded);
            result.params.emplace_back(node->paramNames[i][p], std::move(decoded));
          }
          return true;
        }
        result.allowed.push_back(route->method);
      }
      return false;
    }
    auto literal = node->literals.find(segments[depth]);
    if (literal != node->literals.end() && walk(literal->second.get(), depth + 1)) return true;
    if (node->param) {
      values.push_back(segments[depth]);
      if (walk(node->param.get(), depth + 1)) return true;
      values.pop_back();
    }
    return false;
  };

  if (walk(root_.get(), 0)) return result;
  if (!result.allowed.empty()) {
    std::sort(result.allowed.begin(), result.allowed.end());
    result.allowed.erase(std::unique(result.allowed.begin(), result.allowed.end()), result.allowed.end());
    result.kind = Match::Kind::MethodNotAllowed;
  }
  return result;
}

std::optional<std::string_view> Router::stripApiPrefix(std::string_view path) {
  for (std::string_view prefix : {"/api/v1", "/api", "/v1"}) {
    if (path.substr(0, prefix.size()) == prefix &&
        (path.size() == prefix.size() || path[prefix.size()] == '/'))
      return path.substr(prefix.size());
  }
  return std::nullopt;
}

} // namespace orch::host
