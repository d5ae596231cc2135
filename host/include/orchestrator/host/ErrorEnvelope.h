#pragma once

#include <string>
#include <string_view>

namespace orch::host {

/// The standard error body, for every 4xx and 5xx:
/// {"error":{"code","message","details","timestamp","request_id","correlation_id"},
///  "detail": message}. `detailsJson` is a JSON text or empty.
std::string errorEnvelope(std::string_view code, std::string_view message, std::string_view detailsJson,
                          std::string_view requestId, std::string_view correlationId);

/// The error code that goes with an HTTP status (404 -> "NOT_FOUND").
std::string_view errorCodeForStatus(int status);

} // namespace orch::host
