#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::host {

/// What one connection may send before the server refuses it; each is a
/// setting of the server (server.max_header_count, ...).
struct HttpLimits {
  std::size_t maxHeaderCount = 100;
  std::size_t maxHeadBytes = 16 * 1024;      ///< request line and headers together
  std::size_t maxBodyBytes = 10 * 1024 * 1024;
};

/// One request as the client sent it, the body de-chunked.
struct ParsedRequest {
  std::string method;
  std::string target; ///< as on the request line: path and query
  unsigned versionMajor = 1;
  unsigned versionMinor = 1;
  std::vector<std::pair<std::string, std::string>> headers; ///< in order, names as sent
  std::string body;
  bool keepAlive = true;  ///< the connection stays open after the answer
  bool upgrade = false;   ///< the connection leaves HTTP after this request (WebSocket)
  bool chunked = false;

  /// The first header of that name, compared case-insensitively; nullptr if none.
  const std::string* header(std::string_view name) const;
  /// `Expect: 100-continue` was sent: the client waits for an interim answer before its body.
  bool expectsContinue() const;
};

/// Incremental HTTP/1.x request parser over Debian's http-parser (the one
/// Node.js used for years, fuzzed upstream). A connection owns one and feeds
/// it whatever bytes arrive, however split. It reports the two points a
/// server must act on: a request's head complete with a body still to come
/// (HeadReady, once: to answer 100 Continue) and the request complete, where
/// it stops: the bytes after it belong to the next, pipelined, request or,
/// after an upgrade, to the new protocol, and are left unconsumed.
///
/// Not thread-safe: one connection, one reactor thread.
class HttpRequestParser {
public:
  enum class State {
    NeedMore,  ///< feed more bytes
    HeadReady, ///< head() is complete, the body is still to come: feed on to read it
    Complete,  ///< take() the request; feed on for the next one
    Failed,    ///< answer errorStatus() and close the connection
  };

  explicit HttpRequestParser(HttpLimits limits = {});
  ~HttpRequestParser();
  HttpRequestParser(const HttpRequestParser&) = delete;
  HttpRequestParser& operator=(const HttpRequestParser&) = delete;

  /// Parses from `data` and answers how many bytes it consumed: all of them,
  /// unless the request completed (or failed) before their end. Feeding a
  /// parser that is Complete without take() consumes nothing.
  std::size_t feed(const char* data, std::size_t size);
  /// The client closed its side: a request cut short fails (400).
  void finish();

  State state() const { return state_; }
  /// Valid from HeadReady on: method, target, version and headers.
  const ParsedRequest& head() const { return request_; }
  /// Moves the complete request out and makes the parser ready for the next one.
  ParsedRequest take();
  /// Whether any byte of the next request has arrived (for the head timeout).
  bool started() const { return started_; }

  /// 400 (malformed), 413 (body over maxBodyBytes), 414 (target over
  /// maxHeadBytes), 431 (too many or too large headers); 0 unless Failed.
  int errorStatus() const { return errorStatus_; }
  const std::string& errorReason() const { return errorReason_; }

private:
  struct Callbacks;
  int fail(int status, std::string reason);
  bool countHeadBytes(std::size_t bytes);
  void reset();

  HttpLimits limits_;
  struct Native;
  std::unique_ptr<Native> native_;
  State state_ = State::NeedMore;
  ParsedRequest request_;
  bool inHeaderValue_ = false;
  bool started_ = false;
  std::size_t headBytes_ = 0;
  int errorStatus_ = 0;
  std::string errorReason_;
};

} // namespace orch::host
