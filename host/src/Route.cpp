#include "orchestrator/host/Route.h"

#include "orchestrator/host/ErrorEnvelope.h"

void orch_response::setError(int errorStatus, std::string_view code, std::string_view message,
                             std::string_view detailsJson) {
  status = errorStatus;
  contentType = "application/json";
  // Headers already set stay: a plugin answering 429 sets Retry-After first.
  body = orch::host::errorEnvelope(code.empty() ? orch::host::errorCodeForStatus(errorStatus) : code, message,
                                   detailsJson, requestId, correlationId);
}
