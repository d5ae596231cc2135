#include "HttpTransport.h"

#include "ProviderClient.h"
#include "outbound/TlsClient.h"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>

#include <istream>
#include <map>
#include <stdexcept>

namespace ai {
namespace {

constexpr std::size_t kMaxIdleSessions = 64;
/// A provider's error or non-streamed answer larger than this is cut: no
/// answer worth keeping is that large, and a hostile one must not exhaust memory.
constexpr std::size_t kMaxBody = 32u << 20;

} // namespace

HttpTransport::HttpTransport(const std::string& baseUrl, std::string caFile) : caFile_(std::move(caFile)) {
  Poco::URI uri;
  try {
    uri = Poco::URI(baseUrl);
  } catch (const Poco::Exception&) {
    throw std::invalid_argument("not a URL: " + baseUrl);
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https")
    throw std::invalid_argument("the base URL must start with http:// or https://: " + baseUrl);
  if (uri.getHost().empty()) throw std::invalid_argument("the base URL has no host: " + baseUrl);
  secure_ = uri.getScheme() == "https";
  host_ = uri.getHost();
  port_ = uri.getPort();
  basePath_ = uri.getPath();
  while (!basePath_.empty() && basePath_.back() == '/') basePath_.pop_back();
}

HttpTransport::~HttpTransport() = default;

std::unique_ptr<Poco::Net::HTTPClientSession> HttpTransport::acquire(bool& reused) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto session = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return session;
    }
  }
  reused = false;
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (secure_)
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host_, port_, outbound::tlsClientContext(caFile_));
  else
    session = std::make_unique<Poco::Net::HTTPClientSession>(host_, port_);
  session->setKeepAlive(true);
  return session;
}

void HttpTransport::release(std::unique_ptr<Poco::Net::HTTPClientSession> session) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < kMaxIdleSessions) idle_.push_back(std::move(session));
}

HttpReply HttpTransport::post(const std::string& path, const Headers& headers, const std::string& body,
                              std::chrono::milliseconds timeout, const LineSink& onLine) {
  Poco::Timespan span(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000);
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    auto session = acquire(reused);
    bool answered = false;
    try {
      session->setTimeout(span, span, span);
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, basePath_ + path,
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
      request.setKeepAlive(true);
      for (const auto& [name, value] : headers) request.set(name, value);
      session->sendRequest(request).write(body.data(), static_cast<std::streamsize>(body.size()));
      Poco::Net::HTTPResponse response;
      auto& in = session->receiveResponse(response);
      answered = true;
      HttpReply reply;
      reply.status = static_cast<int>(response.getStatus());
      reply.retryAfter = response.get("Retry-After", "");
      bool complete = true;
      if (onLine && reply.status == 200) {
        std::string line;
        while (std::getline(in, line)) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          if (!onLine(line)) {
            complete = false;
            break;
          }
        }
        if (complete && !in.eof()) complete = false;
      } else {
        char buffer[16384];
        while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
          if (reply.body.size() < kMaxBody) reply.body.append(buffer, static_cast<std::size_t>(in.gcount()));
        }
      }
      // Only a connection whose answer was read to the end can carry the next request.
      if (complete && response.getKeepAlive()) release(std::move(session));
      return reply;
    } catch (const Poco::TimeoutException&) {
      throw ProviderError(ProviderError::Kind::Timeout, "no answer within " + std::to_string(timeout.count()) + " ms");
    } catch (const Poco::Exception& e) {
      // A kept-alive connection the server closed meanwhile fails before any
      // answer: that is no failure of the provider, so try a fresh one once.
      if (reused && !answered && attempt == 0) continue;
      throw ProviderError(answered ? ProviderError::Kind::Interrupted : ProviderError::Kind::Connection,
                          std::string(answered ? "the answer broke off: " : "cannot reach the provider: ") + e.displayText());
    }
  }
}

} // namespace ai
