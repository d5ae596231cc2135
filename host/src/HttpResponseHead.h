#pragma once

#include "orchestrator/host/HttpExchange.h"

#include <string>
#include <string_view>

namespace orch::host {

/// How a response's end is known to the client.
enum class HttpFraming { Length, Chunked, UntilClose, None };

/// Appends the status line and headers of an answer to `out`: Server and
/// Date, the caller's headers, the framing header and Connection (close when
/// `close`; keep-alive spelled out for an HTTP/1.0 client). A 101 gets no
/// framing and no Connection header: the caller's Upgrade headers say it.
void appendResponseHead(std::string& out, int status, const HttpHeaders& headers, HttpFraming framing,
                        std::size_t contentLength, bool close, bool http10);

/// A whole answer, the last on its connection, with the standard error
/// envelope and a fresh request id (in the body and X-Request-ID): what the
/// server says itself, before any request reaches the pipeline.
std::string errorResponse(int status, std::string_view message, std::string_view detailsJson = {});

/// The standard reason phrase ("Not Found"), or "Unknown".
std::string_view reasonPhrase(int status);

} // namespace orch::host
