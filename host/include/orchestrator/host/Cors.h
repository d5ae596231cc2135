#pragma once

#include <string>
#include <utility>
#include <vector>

namespace orch::host {

/// Cross-origin rules from `cors.origins` (a list of origins, or `*`).
class Cors {
public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  Cors(std::vector<std::string> origins, bool allowCredentials);
  bool allows(const std::string& origin) const;
  /// Headers for an allowed origin on an ordinary response.
  void addHeaders(const std::string& origin, Headers& headers) const;
  /// Headers answering a preflight (OPTIONS with Access-Control-Request-Method).
  void addPreflightHeaders(const std::string& origin, const std::string& requestedHeaders, Headers& headers) const;

private:
  std::vector<std::string> origins_;
  bool anyOrigin_;
  bool allowCredentials_;
};

} // namespace orch::host
