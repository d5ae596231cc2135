#pragma once

#include "orchestrator/host/HttpRequestParser.h"

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::host {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// One complete request handed to a worker, and the way back to its client.
/// The HttpServer frames every answer (status line, Date, Server,
/// Content-Length or chunked encoding, Connection); `headers` carries the
/// rest, Content-Type included. Called on the worker thread only.
class HttpExchange {
public:
  virtual ~HttpExchange() = default;

  virtual ParsedRequest& request() = 0;
  virtual const std::string& clientIp() const = 0;

  /// The whole answer at once. `body` is sent unless the status or the
  /// method (HEAD) has none.
  virtual void respond(int status, const HttpHeaders& headers, std::string_view body) = 0;
  /// A streamed answer: the head now, then any number of chunks (chunked
  /// encoding; close-delimited for an HTTP/1.0 client); the server ends it
  /// when the handler returns. Blocks while the client reads slowly; false
  /// once the client is gone.
  virtual bool startStream(int status, const HttpHeaders& headers) = 0;
  virtual bool streamChunk(std::string_view chunk) = 0;
  /// Answers 101 with `headers` and hands the socket, with any bytes read
  /// past the request, to `takeOver`, which owns the descriptor from then on.
  /// False (and `takeOver` not called) when the 101 could not be sent.
  virtual bool upgrade(const HttpHeaders& headers, const std::function<void(int fd, std::string leftover)>& takeOver) = 0;
};

} // namespace orch::host
