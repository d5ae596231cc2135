#pragma once

#include <string>
#include <string_view>

namespace orch::host {

/// The standard error body of API.md, for every 4xx and 5xx:
/// {"error":{"code","message","details","timestamp","request_id","correlation_id"},
///  "detail": message}. `detailsJson` is a JSON text or empty.
std::string errorEnvelope(std::string_view code, std::string_view message, std::string_view detailsJson,
                          std::string_view requestId, std::string_view correlationId);

/// The error code API.md pairs with an HTTP status (404 -> "NOT_FOUND").
std::string_view errorCodeForStatus(int status);

/// The current time as RFC 3339 UTC with milliseconds and a trailing `Z`.
std::string nowRfc3339();

/// A random (version 4) UUID string; fast and thread-safe.
std::string randomUuid();

} // namespace orch::host
