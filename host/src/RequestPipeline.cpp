#include "orchestrator/host/RequestPipeline.h"

#include "orchestrator/host/ErrorEnvelope.h"
#include "orchestrator/host/WebSocketFrames.h"

#include <orchestrator/plugin.hpp>

#include <Poco/Logger.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace orch::host {
namespace {

using orch::detail::view;

Poco::Logger& httpLogger() {
  static Poco::Logger& logger = Poco::Logger::get("http");
  return logger;
}

/// A client-chosen request id is echoed only when it is short and printable,
/// so it cannot inject anything into headers or logs.
bool acceptableRequestId(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string mediaType(const std::string& contentType) {
  auto semicolon = contentType.find(';');
  return Poco::toLower(Poco::trim(contentType.substr(0, semicolon)));
}

bool isJsonMediaType(const std::string& type) {
  return type == "application/json" || (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0);
}

std::string queryParameter(std::string_view query, std::string_view name) {
  auto decoded = orch::detail::parseUrlEncoded(query);
  auto it = decoded.find(std::string(name));
  return it == decoded.end() ? std::string() : it->get<std::string>();
}

/// A header's value, or empty.
std::string headerOf(const ParsedRequest& request, std::string_view name) {
  const auto* value = request.header(name);
  return value ? *value : std::string();
}

std::string paramsJson(const std::vector<std::pair<std::string, std::string>>& params) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : params) object[name] = value;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace

bool grants(const std::vector<std::string>& permissions, const std::string& permission) {
  return orch::grants(permissions, permission);
}


/// One request on its way through the pipeline.
struct RequestPipeline::Exchange {
  HttpExchange& http;
  ParsedRequest& request;
  HostResponse out;
  std::string requestId, correlationId, clientIp, origin;
  std::string_view path, query;
  std::string_view routedPath; ///< after the API prefix
  const Route* route = nullptr;
  std::vector<std::pair<std::string, std::string>> params;
  Principal principal; ///< empty id: anonymous
  std::string body, contentType;
  Cors::Headers extraHeaders;
  std::size_t streamedBytes = 0;
};

RequestPipeline::RequestPipeline(HostContext& context, RateLimiter& limiter, Metrics& metrics,
                                 PipelineSettings settings)
    : context_(context), limiter_(limiter), metrics_(metrics), settings_(std::move(settings)),
      cors_(settings_.corsOrigins, settings_.corsCredentials),
      accessLog_(settings_.accessLog ? std::make_unique<AccessLog>() : nullptr) {}

void RequestPipeline::setRouter(const Router* router, bool ready) {
  router_.store(router, std::memory_order_release);
  ready_.store(ready, std::memory_order_release);
}

void RequestPipeline::handle(HttpExchange& http) {
  auto started = std::chrono::steady_clock::now();
  auto& request = http.request();
  Exchange exchange{http, request};
  auto givenId = headerOf(request, "X-Request-ID");
  exchange.requestId = acceptableRequestId(givenId) ? givenId : orch::newId();
  auto givenCorrelation = headerOf(request, "X-Correlation-ID");
  exchange.correlationId = acceptableRequestId(givenCorrelation) ? givenCorrelation : exchange.requestId;
  exchange.out.requestId = exchange.requestId;
  exchange.out.correlationId = exchange.correlationId;
  exchange.clientIp = http.clientIp();
  exchange.origin = headerOf(request, "Origin");
  const auto& uri = request.target;
  auto questionMark = uri.find('?');
  exchange.path = std::string_view(uri).substr(0, questionMark);
  if (questionMark != std::string::npos) exchange.query = std::string_view(uri).substr(questionMark + 1);

  try {
    process(exchange);
  } catch (const std::exception& e) {
    httpLogger().error("request %s failed: %s", exchange.requestId, std::string(e.what()));
    exchange.out.setError(500, "INTERNAL_ERROR", "Internal server error");
  }
  try {
    send(exchange);
  } catch (const std::exception& e) {
    httpLogger().warning("request %s: cannot send the response: %s", exchange.requestId, std::string(e.what()));
  }

  auto elapsed = std::chrono::steady_clock::now() - started;
  const auto& label = exchange.route ? exchange.route->pathTemplate : std::string("unmatched");
  metrics_.record(request.method, label, exchange.out.status, elapsed, exchange.route && exchange.route->probe);
  if (accessLog_) {
    char line[1024];
    auto length = std::snprintf(line, sizeof line, "%s %s %.*s %d %zu %.3fms %s", exchange.clientIp.c_str(),
                                request.method.c_str(), static_cast<int>(std::min<std::size_t>(exchange.path.size(), 512)),
                                exchange.path.data(), exchange.out.status, exchange.out.body.size() + exchange.streamedBytes,
                                std::chrono::duration<double, std::milli>(elapsed).count(), exchange.requestId.c_str());
    accessLog_->write(std::string_view(line, static_cast<std::size_t>(std::clamp(length, 0, static_cast<int>(sizeof line) - 1))));
  }
}

void RequestPipeline::process(Exchange& exchange) {
  auto& request = exchange.request;
  const auto& method = request.method;
  bool corsAllowed = cors_.allows(exchange.origin);

  if (method == "OPTIONS" && request.header("Access-Control-Request-Method")) {
    exchange.out.status = 204;
    if (corsAllowed)
      cors_.addPreflightHeaders(exchange.origin, headerOf(request, "Access-Control-Request-Headers"),
                                exchange.extraHeaders);
    return;
  }
  if (corsAllowed) cors_.addHeaders(exchange.origin, exchange.extraHeaders);

  const Router* router = router_.load(std::memory_order_acquire);
  auto stripped = Router::stripApiPrefix(exchange.path);
  exchange.routedPath = stripped.value_or(exchange.path);
  auto routedMethod = method == "OPTIONS" ? "GET" : method;
  Router::Match match;
  if (stripped && router->hasExactPaths()) {
    match = router->matchExactPath(routedMethod, exchange.path);
    if (match.kind == Router::Match::Kind::Found) exchange.routedPath = exchange.path;
  }
  if (match.kind != Router::Match::Kind::Found)
    match = router->match(routedMethod, exchange.routedPath, stripped.has_value());
  if (match.kind == Router::Match::Kind::NotFound) {
    if (!ready())
      return exchange.out.setError(503, "SERVICE_UNAVAILABLE", "The server is starting");
    return exchange.out.setError(404, "NOT_FOUND", "No route for " + method + " " + std::string(exchange.path));
  }
  if (method == "OPTIONS") {
    exchange.out.status = 204;
    exchange.extraHeaders.emplace_back("Allow", match.route ? match.route->method : "GET");
    return;
  }
  if (match.kind == Router::Match::Kind::MethodNotAllowed) {
    std::string allow;
    for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    exchange.out.setError(405, "METHOD_NOT_ALLOWED", "Method " + method + " is not allowed here",
                          nlohmann::json{{"allowed", match.allowed}}.dump());
    exchange.extraHeaders.emplace_back("Allow", allow);
    return;
  }
  exchange.route = match.route;
  exchange.params = std::move(match.params);
  // The Unix socket is the workers' link and serves nothing else; the link is served nowhere else.
  if (bool onLink = exchange.clientIp == "unix"; onLink != exchange.route->isLink()) {
    if (onLink) return exchange.out.setError(404, "NOT_FOUND", "The host's Unix socket serves the workers' link only");
    return exchange.out.setError(403, "FORBIDDEN", "This route is served on the host's Unix socket only (server.unix_socket)");
  }

  if (!authenticate(exchange) || !limitRate(exchange) || !authorize(exchange)) return;
  if (exchange.route->websocket) return upgradeWebSocket(exchange);
  if (!readBody(exchange)) return;
  invoke(exchange);
}

bool RequestPipeline::authenticate(Exchange& exchange) {
  auto& request = exchange.request;
  Credentials credentials;
  credentials.authorization = headerOf(request, "Authorization");
  credentials.apiKey = headerOf(request, "X-API-KEY");
  if (!exchange.query.empty()) credentials.token = queryParameter(exchange.query, "token");
  credentials.clientIp = exchange.clientIp;
  credentials.path = std::string(exchange.routedPath);
  auto outcome = orch::host::authenticate(context_, credentials);
  if (outcome.status == ORCH_OK) {
    exchange.principal = std::move(*outcome.principal);
    return true;
  }
  // A public route serves anonymous callers, even with bad credentials; a
  // WebSocket route may wait for credentials in the first message.
  const auto& websocket = exchange.route->websocket;
  if (exchange.route->isPublic() || (outcome.status == ORCH_AUTH_NONE && websocket && websocket->firstMessageAuth))
    return true;
  if (outcome.status == ORCH_AUTH_NONE) {
    exchange.out.setError(401, "UNAUTHORIZED", "Authentication required");
  } else {
    exchange.out.setError(401, "UNAUTHORIZED", outcome.message.empty() ? "Invalid credentials" : outcome.message);
  }
  exchange.extraHeaders.emplace_back("WWW-Authenticate", "Bearer");
  return false;
}

bool RequestPipeline::limitRate(Exchange& exchange) {
  if (!limiter_.enabled()) return true;
  // The workers' link: each worker is bounded by its own worker.concurrency.
  if (exchange.route->isLink()) return true;
  const auto& category = exchange.route->category;
  const auto& principal = exchange.principal;
  bool perIp = category == "auth" || principal.id.empty();
  auto key = perIp ? "ip:" + exchange.clientIp : "principal:" + principal.id;
  auto decision = limiter_.check(category, key, principal.admin);
  auto& headers = exchange.extraHeaders;
  headers.emplace_back("X-RateLimit-Limit", std::to_string(decision.limit));
  headers.emplace_back("X-RateLimit-Remaining", std::to_string(decision.remaining));
  headers.emplace_back("X-RateLimit-Reset", std::to_string(decision.resetEpochSeconds));
  headers.emplace_back("X-RateLimit-Window", std::to_string(RateLimiter::kWindowSeconds));
  if (decision.allowed) return true;
  exchange.out.setError(429, "RATE_LIMITED", "Too many requests; retry in " + std::to_string(decision.retryAfterSeconds) + " s",
                        nlohmann::json{{"retry_after", decision.retryAfterSeconds}, {"limit", decision.limit},
                                       {"category", category}}.dump());
  headers.emplace_back("Retry-After", std::to_string(decision.retryAfterSeconds));
  return false;
}

bool RequestPipeline::authorize(Exchange& exchange) {
  const auto& permission = exchange.route->permission;
  if (exchange.route->isPublic() || permission.empty() || grants(exchange.principal.permissions, permission)) return true;
  // Checked once the first message has said who it is (WebSocketHub).
  if (exchange.route->websocket && exchange.principal.id.empty()) return true;
  exchange.out.setError(403, "FORBIDDEN", "Permission '" + permission + "' is required",
                        nlohmann::json{{"required_permission", permission}}.dump());
  return false;
}


bool RequestPipeline::readBody(Exchange& exchange) {
  auto& request = exchange.request;
  // Without Content-Length or chunked encoding a request has no body (RFC
  // 9112, 6.3): the parser gave it none. `curl -X POST` with no data sends that.
  exchange.body = std::move(request.body);
  exchange.contentType = mediaType(headerOf(request, "Content-Type"));
  if (exchange.body.empty() || (exchange.route->flags & ORCH_ROUTE_RAW_BODY)) return true;

  bool isForm = exchange.contentType == "application/x-www-form-urlencoded";
  if (isForm && (exchange.route->flags & ORCH_ROUTE_ACCEPTS_FORM)) return true;
  // A body without a declared type is taken as JSON when it parses as JSON.
  if (!isJsonMediaType(exchange.contentType) && !exchange.contentType.empty()) {
    exchange.out.setError(415, "BAD_REQUEST", "Unsupported content type '" + exchange.contentType + "'; send application/json",
                          nlohmann::json{{"content_type", exchange.contentType}}.dump());
    return false;
  }
  if (!nlohmann::json::accept(exchange.body)) {
    exchange.out.setError(400, "BAD_REQUEST", "Malformed JSON body");
    return false;
  }
  if (exchange.contentType.empty()) exchange.contentType = "application/json";
  return true;
}

void RequestPipeline::invoke(Exchange& exchange) {
  const auto& route = *exchange.route;
  auto params = paramsJson(exchange.params);
  orch_request request{};
  request.struct_size = sizeof request;
  request.method = view(route.method);
  request.path = view(exchange.routedPath);
  request.route_template = view(route.pathTemplate);
  request.query = view(exchange.query);
  request.params_json = view(params);
  request.body = view(exchange.body);
  request.content_type = view(exchange.contentType);
  request.principal_json = view(exchange.principal.json);
  request.request_id = view(exchange.requestId);
  request.client_ip = view(exchange.clientIp);
  request.header_source = &exchange.request;
  request.api_prefix = view(exchange.path.substr(0, exchange.path.size() - exchange.routedPath.size()));

  exchange.out.stream = [this, &exchange](std::string_view chunk) { return streamChunk(exchange, chunk); };
  std::string error;
  orch_status status = ORCH_ERROR;
  try {
    status = route.handler(request, exchange.out, error);
  } catch (const std::exception& e) {
    error = std::string("exception escaped the handler: ") + e.what();
  } catch (...) {
    error = "unknown exception escaped the handler";
  }
  exchange.out.stream = nullptr;
  if (status != ORCH_OK) {
    httpLogger().error("%s %s (plugin %s) failed, request %s: %s", route.method, route.pathTemplate, route.owner,
                       exchange.requestId, error.empty() ? std::string("no message") : error);
    if (!exchange.out.streamed) exchange.out.setError(500, "INTERNAL_ERROR", "Internal server error");
  }
}

namespace {

/// Whether a comma-separated header holds `token`, in any case.
bool headerHasToken(const std::string& header, const std::string& token) {
  Poco::StringTokenizer tokens(header, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  return std::any_of(tokens.begin(), tokens.end(), [&](const std::string& t) { return Poco::icompare(t, token) == 0; });
}

} // namespace

void RequestPipeline::upgradeWebSocket(Exchange& exchange) {
  auto& request = exchange.request;
  auto& hub = *context_.websockets;
  std::string key = headerOf(request, "Sec-WebSocket-Key");
  if (!headerHasToken(headerOf(request, "Upgrade"), "websocket") || !headerHasToken(headerOf(request, "Connection"), "upgrade") ||
      key.empty())
    return exchange.out.setError(400, "BAD_REQUEST",
                                 "This is a WebSocket endpoint: send GET with Upgrade: websocket, Connection: Upgrade "
                                 "and Sec-WebSocket-Key");
  if (headerOf(request, "Sec-WebSocket-Version") != "13") {
    exchange.extraHeaders.emplace_back("Sec-WebSocket-Version", "13");
    return exchange.out.setError(426, "UPGRADE_REQUIRED", "Only WebSocket version 13 is supported");
  }
  const auto& route = *exchange.route;
  WebSocketOpening opening;
  opening.route = route.websocket;
  opening.permission = route.permission;
  opening.routeTemplate = route.pathTemplate;
  opening.path = std::string(exchange.path);
  opening.query = std::string(exchange.query);
  opening.paramsJson = paramsJson(exchange.params);
  opening.clientIp = exchange.clientIp;
  opening.requestId = exchange.requestId;
  bool authenticated = !exchange.principal.id.empty();
  if (authenticated) {
    if (!hub.admit(exchange.principal.id))
      return exchange.out.setError(429, "RATE_LIMITED",
                                   "Too many WebSocket connections: at most " +
                                       std::to_string(hub.settings().maxConnectionsPerUser) + " per user",
                                   nlohmann::json{{"limit", hub.settings().maxConnectionsPerUser}}.dump());
    opening.principal = exchange.principal;
  }
  auto id = hub.create(std::move(opening));
  if (authenticated) {
    if (auto refusal = hub.open(id)) {
      hub.discard(id);
      return exchange.out.setError(403, "FORBIDDEN", *refusal);
    }
  }
  exchange.out.status = 101;
  exchange.out.streamed = true; // answered here: send() must not answer again
  HttpHeaders headers{{"Upgrade", "websocket"},
                      {"Connection", "Upgrade"},
                      {"Sec-WebSocket-Accept", websocket::acceptKey(key)},
                      {"X-Request-ID", exchange.requestId}};
  // From here the hub's reactor serves the socket and this worker is free.
  bool upgraded = exchange.http.upgrade(headers, [&hub, id](int fd, std::string leftover) {
    hub.attach(id, fd, std::move(leftover));
  });
  if (!upgraded) hub.close(id, websocket::close_code::kGoingAway, "");
}

bool RequestPipeline::streamChunk(Exchange& exchange, std::string_view chunk) {
  auto& out = exchange.out;
  if (!out.streamed) {
    out.streamed = true;
    if (!exchange.http.startStream(out.status, responseHeaders(exchange))) return false;
  }
  exchange.streamedBytes += chunk.size();
  // The client went away: the handler learns it from the result and stops.
  return exchange.http.streamChunk(chunk);
}

HttpHeaders RequestPipeline::responseHeaders(Exchange& exchange) const {
  HttpHeaders headers;
  headers.reserve(2 + exchange.extraHeaders.size() + exchange.out.headers.size());
  headers.emplace_back("X-Request-ID", exchange.requestId);
  for (const auto& header : exchange.extraHeaders) headers.push_back(header);
  for (const auto& header : exchange.out.headers) headers.push_back(header);
  headers.emplace_back("Content-Type", exchange.out.contentType);
  return headers;
}

void RequestPipeline::send(Exchange& exchange) {
  // A streamed answer is already on its way; the server ends the chunked body.
  if (exchange.out.streamed) return;
  exchange.http.respond(exchange.out.status, responseHeaders(exchange), exchange.out.body);
}

} // namespace orch::host
