// Routes as a handler sees them: the request, the response, and the error
// that becomes the standard envelope.
//
//   plugin.route("POST", "/notes", [](orch::Request& request, orch::Response& response) {
//     auto body = request.jsonObject();                  // 400 / 422 answered for you
//     auto text = orch::requiredString(body, "text", 2000); // 422 naming "text"
//     response.status(201).json({{"text", text}});
//   }, {.permission = "notes:write"});
#pragma once

#include "host.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace orch {

/// An error answered to the client in the standard envelope
/// {"error": {code, message, details, timestamp, request_id, correlation_id},
/// "detail": message}. Throw it from a route handler. Any other exception is a
/// 500 INTERNAL_ERROR whose message is only logged.
class HttpError : public std::runtime_error {
public:
  HttpError(int status, std::string code, const std::string& message, json details = nullptr)
      : std::runtime_error(message), status_(status), code_(std::move(code)), details_(std::move(details)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const json& details() const { return details_; }

  /// 400: the request cannot be read at all (malformed JSON, wrong content type).
  static HttpError badRequest(const std::string& message, json details = nullptr) {
    return {400, "BAD_REQUEST", message, std::move(details)};
  }
  static HttpError unauthorized(const std::string& message = "Authentication required") {
    return {401, "UNAUTHORIZED", message};
  }
  static HttpError forbidden(const std::string& message = "Permission denied") {
    return {403, "FORBIDDEN", message};
  }
  /// 404: missing, and also another tenant's resource (nobody learns it exists).
  static HttpError notFound(const std::string& message = "Not found") { return {404, "NOT_FOUND", message}; }
  static HttpError conflict(const std::string& message) { return {409, "CONFLICT", message}; }
  /// 422: readable but wrong, naming the exact field: ("steps[0].config.prompt", "Prompt cannot be empty").
  static HttpError validation(const std::string& field, const std::string& issue,
                              const std::string& message = "Validation failed") {
    return {422, "VALIDATION_ERROR", message, json{{"field", field}, {"issue", issue}}};
  }

private:
  int status_;
  std::string code_;
  json details_;
};

namespace detail {

inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes application/x-www-form-urlencoded text (also query strings).
inline std::string percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 && hexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

/// Parses `a=1&b=x%20y` into {"a":"1","b":"x y"}; a repeated key keeps the last.
inline json parseUrlEncoded(std::string_view text) {
  json out = json::object();
  while (!text.empty()) {
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq));
    out[key] = eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
  }
  return out;
}

} // namespace detail

/// One HTTP request, as a route handler sees it. Valid during the handler.
class Request {
public:
  Request(const Host& host, const orch_request& raw) : host_(host), raw_(raw) {}

  std::string_view method() const { return detail::view(raw_.method); }
  /// The path after the API prefix ("/workflows/42"); for a WebSocket open the whole path.
  std::string_view path() const { return detail::view(raw_.path); }
  std::string_view routeTemplate() const { return detail::view(raw_.route_template); }
  std::string_view body() const { return detail::view(raw_.body); }
  std::string_view contentType() const { return detail::view(raw_.content_type); }
  std::string_view requestId() const { return detail::view(raw_.request_id); }
  std::string_view clientIp() const { return detail::view(raw_.client_ip); }
  /// The API prefix the client called ("/api/v1", "/api", "/v1"), or empty.
  std::string_view apiPrefix() const { return detail::view(raw_.api_prefix); }

  /// The body as JSON (an empty body is an empty object); malformed JSON is a
  /// 400. A form body is decoded into an object of strings.
  nlohmann::json json() const {
    if (contentType() == "application/x-www-form-urlencoded") return detail::parseUrlEncoded(body());
    try {
      return detail::parseOr(body(), nlohmann::json::object());
    } catch (const nlohmann::json::exception&) {
      throw HttpError::badRequest("Malformed JSON body");
    }
  }

  /// The body as a JSON object, the shape of every request body: malformed
  /// JSON is a 400, any other JSON value (an array, a number) a 422 naming
  /// "body".
  nlohmann::json jsonObject() const {
    auto body = json();
    if (!body.is_object()) throw HttpError::validation("body", "Expected a JSON object");
    return body;
  }

  /// A path parameter of the route template ("{id}" -> param("id")).
  std::string param(const std::string& name) const {
    if (!params_) params_ = detail::parseOr(detail::view(raw_.params_json), nlohmann::json::object());
    auto it = params_->find(name);
    return it == params_->end() ? std::string() : it->get<std::string>();
  }

  /// A query parameter, percent-decoded.
  std::optional<std::string> query(const std::string& name) const {
    if (!query_) query_ = detail::parseUrlEncoded(detail::view(raw_.query));
    auto it = query_->find(name);
    if (it == query_->end()) return std::nullopt;
    return it->get<std::string>();
  }

  std::optional<std::string> header(std::string_view name) const {
    detail::StringSink value;
    if (host_.api().request_header(raw_.header_source, detail::view(name), value.get()) != ORCH_OK)
      return std::nullopt;
    return std::move(value.text);
  }

  /// The authenticated principal, or null for a public route called anonymously.
  const nlohmann::json& principal() const {
    if (!principal_) principal_ = detail::parseOr(detail::view(raw_.principal_json), nullptr);
    return *principal_;
  }

private:
  const Host& host_;
  const orch_request& raw_;
  mutable std::optional<nlohmann::json> params_, query_, principal_;
};

/// The response a route handler writes. Status 200 and JSON by default.
class Response {
public:
  Response(const Host& host, orch_response* raw) : host_(host), raw_(raw) {}

  Response& status(int code) {
    host_.api().response_set_status(raw_, code);
    return *this;
  }
  Response& header(std::string_view name, std::string_view value) {
    host_.api().response_set_header(raw_, detail::view(name), detail::view(value));
    return *this;
  }
  /// Appends raw text to the body.
  Response& write(std::string_view text) {
    host_.api().response_write(raw_, text.data(), text.size());
    return *this;
  }
  Response& json(const nlohmann::json& body) { return write(body.dump()); }
  /// Sends `chunk` to the client at once (headers go with the first call;
  /// chunked encoding), for Server-Sent Events. Returns false when the client
  /// has gone away.
  bool stream(std::string_view chunk) {
    return host_.api().response_stream(raw_, chunk.data(), chunk.size()) == ORCH_OK;
  }

private:
  const Host& host_;
  orch_response* raw_;
};

using RouteHandler = std::function<void(Request&, Response&)>;

/// Route metadata: who may call it, how it is limited and documented.
struct RouteOptions {
  std::string permission;  ///< e.g. "workflow:read"; empty: any authenticated principal
  std::string category;    ///< rate-limit category; empty: "default"
  std::string summary;     ///< one line in /openapi.json
  nlohmann::json openapi;  ///< extra OpenAPI operation fields
  std::uint32_t flags = 0; ///< ORCH_ROUTE_*
};

} // namespace orch
