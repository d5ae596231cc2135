#pragma once

#include <orchestrator/abi.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

/// The host's side of orch_response: what a handler has written so far.
struct orch_response {
  int status = 200;
  std::string contentType = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string_view requestId;     ///< for the error envelope
  std::string_view correlationId; ///< for the error envelope
  /// Sends a chunk to the client at once (response_stream); false once the
  /// client is gone. Set by the pipeline for the duration of the handler.
  std::function<bool(std::string_view chunk)> stream;
  bool streamed = false; ///< headers already sent: the answer can no longer change

  /// Replaces everything with the standard error envelope.
  void setError(int status, std::string_view code, std::string_view message, std::string_view detailsJson = {});
};

namespace orch::host {

using HostResponse = orch_response;

/// Runs a route. Returns ORCH_OK when `response` holds the answer; otherwise
/// `error` says why (logged, never sent) and the client gets a 500.
using RouteHandler = std::function<orch_status(const orch_request& request, HostResponse& response, std::string& error)>;

/// One registered route and its metadata.
struct Route {
  std::string method;       ///< upper case
  std::string pathTemplate; ///< "/workflows/{id}"
  std::string permission;   ///< empty: any authenticated principal
  std::string category = "default";
  std::string summary;
  nlohmann::json openapi;   ///< extra OpenAPI operation fields, or null
  std::uint32_t flags = 0;  ///< ORCH_ROUTE_*
  std::string owner;        ///< plugin name, or "host"
  bool reachableAtRoot = false; ///< also served without an API prefix (/health, /openapi.json)
  bool exactPath = false;       ///< served only at its template as it is, under no prefix (ORCH_ROUTE_EXACT_PATH)
  bool probe = false;           ///< a liveness or readiness probe: its answers are no failed requests (Metrics::totals)
  RouteHandler handler;
  /// Set on a WebSocket route: the pipeline upgrades instead of calling handler.
  std::shared_ptr<const struct WebSocketRoute> websocket;

  bool isPublic() const { return flags & ORCH_ROUTE_PUBLIC; }
  bool isLink() const { return flags & ORCH_ROUTE_LINK; }
};

} // namespace orch::host
