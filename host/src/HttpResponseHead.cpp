#include "HttpResponseHead.h"

#include "orchestrator/host/ErrorEnvelope.h"

#include <orchestrator/plugin.hpp>

#include <charconv>
#include <ctime>

namespace orch::host {
namespace {

/// The Date header's value, formatted once a second per thread.
std::string_view httpDate() {
  thread_local std::time_t formattedAt = 0;
  thread_local char text[40];
  auto now = std::time(nullptr);
  if (now != formattedAt) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
    formattedAt = now;
  }
  return text;
}

void appendNumber(std::string& out, std::size_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

} // namespace

std::string_view reasonPhrase(int status) {
  switch (status) {
  case 100: return "Continue";
  case 101: return "Switching Protocols";
  case 200: return "OK";
  case 201: return "Created";
  case 202: return "Accepted";
  case 204: return "No Content";
  case 206: return "Partial Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 303: return "See Other";
  case 304: return "Not Modified";
  case 307: return "Temporary Redirect";
  case 308: return "Permanent Redirect";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 402: return "Payment Required";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 406: return "Not Acceptable";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 410: return "Gone";
  case 411: return "Length Required";
  case 412: return "Precondition Failed";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Content";
  case 426: return "Upgrade Required";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "Unknown";
  }
}

std::string errorResponse(int status, std::string_view message, std::string_view detailsJson) {
  auto requestId = orch::newId();
  auto body = errorEnvelope(errorCodeForStatus(status), message, detailsJson, requestId, requestId);
  HttpHeaders headers{{"Content-Type", "application/json"}, {"X-Request-ID", requestId}};
  if (status == 503) headers.emplace_back("Retry-After", "1");
  std::string answer;
  appendResponseHead(answer, status, headers, HttpFraming::Length, body.size(), true, false);
  return answer += body;
}

void appendResponseHead(std::string& out, int status, const HttpHeaders& headers, HttpFraming framing,
                        std::size_t contentLength, bool close, bool http10) {
  out += "HTTP/1.1 ";
  appendNumber(out, static_cast<std::size_t>(status));
  out += ' ';
  out += reasonPhrase(status);
  out += "\r\nServer: orchestrator\r\nDate: ";
  out += httpDate();
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (status != 101) {
    switch (framing) {
    case HttpFraming::Length:
      out += "Content-Length: ";
      appendNumber(out, contentLength);
      out += "\r\n";
      break;
    case HttpFraming::Chunked: out += "Transfer-Encoding: chunked\r\n"; break;
    case HttpFraming::UntilClose:
    case HttpFraming::None: break;
    }
    if (close) out += "Connection: close\r\n";
    else if (http10) out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

} // namespace orch::host
