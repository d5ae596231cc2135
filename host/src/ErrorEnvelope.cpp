#include "orchestrator/host/ErrorEnvelope.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

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
                           {"timestamp", nowRfc3339()},
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
  case 409: return "CONFLICT";
  case 413: return "PAYLOAD_TOO_LARGE";
  case 415: return "UNSUPPORTED_MEDIA_TYPE";
  case 422: return "VALIDATION_ERROR";
  case 429: return "RATE_LIMITED";
  case 502: return "AI_SERVICE_ERROR";
  case 503: return "SERVICE_UNAVAILABLE";
  default: return status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  }
}

std::string nowRfc3339() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

std::string randomUuid() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  std::uint64_t high = generator(), low = generator();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL; // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;   // variant 1
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xffff), static_cast<unsigned>(high & 0xffff),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

} // namespace orch::host
