#include "orchestrator/host/Cors.h"

#include <algorithm>

namespace orch::host {

Cors::Cors(std::vector<std::string> origins, bool allowCredentials)
    : origins_(std::move(origins)),
      anyOrigin_(std::find(origins_.begin(), origins_.end(), "*") != origins_.end()),
      allowCredentials_(allowCredentials) {}

bool Cors::allows(const std::string& origin) const {
  if (origin.empty()) return false;
  return anyOrigin_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

void Cors::addHeaders(const std::string& origin, Headers& headers) const {
  // Echo the origin rather than "*": a wildcard cannot carry credentials.
  headers.emplace_back("Access-Control-Allow-Origin", origin);
  headers.emplace_back("Vary", "Origin");
  if (allowCredentials_) headers.emplace_back("Access-Control-Allow-Credentials", "true");
  headers.emplace_back("Access-Control-Expose-Headers",
                       "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
                       "X-RateLimit-Window, Retry-After");
}

void Cors::addPreflightHeaders(const std::string& origin, const std::string& requestedHeaders, Headers& headers) const {
  addHeaders(origin, headers);
  headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  headers.emplace_back("Access-Control-Allow-Headers",
                       requestedHeaders.empty() ? "Authorization, Content-Type, X-API-KEY, X-Request-ID"
                                                : requestedHeaders);
  headers.emplace_back("Access-Control-Max-Age", "600");
}

} // namespace orch::host
