#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace Poco::Net {
class HTTPClientSession;
}

namespace ai {

/// A provider's answer before it is understood.
struct HttpReply {
  int status = 0;
  std::string body;
  std::string retryAfter; ///< the Retry-After header, or empty
};

/// Receives a 200 answer's body line by line (without the line end); returns false to stop reading.
using LineSink = std::function<bool(std::string_view line)>;

/// POSTs JSON to one HTTP or HTTPS base URL over kept-alive connections.
/// A pool of idle sessions saves the connect (and TLS handshake) on every
/// call, which is most of what a gateway would otherwise add. Thread safe.
class HttpTransport {
public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  /// Throws std::invalid_argument for a URL that is not http(s)://host[:port][/path].
  HttpTransport(const std::string& baseUrl, std::string caFile = {});
  ~HttpTransport();

  /// POSTs `body` to the base path + `path`. With `onLine`, a 200 answer's
  /// body goes to it line by line instead of into the reply. Throws
  /// ProviderError (Timeout or Connection) when no answer arrives.
  HttpReply post(const std::string& path, const Headers& headers, const std::string& body,
                 std::chrono::milliseconds timeout, const LineSink& onLine = {});

  /// "api.openai.com", for provider quirks.
  const std::string& host() const { return host_; }

private:
  std::unique_ptr<Poco::Net::HTTPClientSession> acquire(bool& reused);
  void release(std::unique_ptr<Poco::Net::HTTPClientSession> session);

  bool secure_ = false;
  std::string host_, basePath_, caFile_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle_;
};

} // namespace ai
