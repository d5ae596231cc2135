#include "orchestrator/host/ErrorEnvelope.h"

#include <orchestrator/time.hpp>

#include <nlohmann/json.hpp>

namespace orch::host {

std::string errorEnvelope(std::string_view code, std::string_view message, std::string_view detailsJson,
                          std::string_view requestId, std::string_view correlationId) {
  nlohmann::json details = nlohmann::json::object();
  if (!detailsJson.empty()) {
    details = nlohmann::json::parse(detailsJson, nullptr, false);
    if (details.is_discarded()) details = nlohmann::json::object();
  }
  nlohmann::json body = {{"error",
                          {{"code", code},
                           {"message", message},
                           {"details", details},
                           {"timestamp", orch::rfc3339Millis(orch::nowMs())},
                           {"request_id", requestId},
                           {"correlation_id", correlationId.empty() ? requestId : correlationId}}},
                         {"detail", message}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view errorCodeForStatus(int status) {
  switch (status) {
  case 400: return "BAD_REQUEST";
  case 401: return "UNAUTHORIZED";
  case 402: return "BUDGET_EXCEEDED";
  case 403: return "FORBIDDEN";
  case 404: return "NOT_FOUND";
  case 405: return "METHOD_NOT_ALLOWED";
  case 408: return "REQUEST_TIMEOUT";
  case 409: return "CONFLICT";
  case 413: return "PAYLOAD_TOO_LARGE";
  case 414: return "URI_TOO_LONG";
  case 415: return "UNSUPPORTED_MEDIA_TYPE";
  case 422: return "VALIDATION_ERROR";
  case 429: return "RATE_LIMITED";
  case 431: return "HEADERS_TOO_LARGE";
  case 502: return "AI_SERVICE_ERROR";
  case 503: return "SERVICE_UNAVAILABLE";
  default: return status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  }
}

} // namespace orch::host
