#include "outbound/OutboundHttp.h"

#include "outbound/NetworkGuard.h"
#include "outbound/TlsClient.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <memory>

namespace outbound {
namespace {

constexpr std::size_t kMaxBody = 10 * 1024 * 1024;

std::unique_ptr<Poco::Net::HTTPClientSession> connectTo(const Poco::URI& uri, const std::string& address,
                                                         const std::string& caFile) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (uri.getScheme() == "https") {
    Poco::Net::SecureStreamSocket socket(tlsClientContext(caFile));
    socket.setPeerHostName(uri.getHost()); // certificate checked against the name, not the address
    session = std::make_unique<Poco::Net::HTTPSClientSession>(socket);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>();
  }
  session->setHost(address);
  session->setPort(uri.getPort());
  return session;
}

bool originBound(const std::string& header) {
  return Poco::icompare(header, "Authorization") == 0 || Poco::icompare(header, "Proxy-Authorization") == 0 ||
         Poco::icompare(header, "Cookie") == 0;
}

} // namespace

OutboundResponse sendOutbound(const OutboundRequest& request, const std::string& caFile) {
  std::string url = request.url, method = request.method, body = request.body;
  std::string origin;
  for (int hop = 0;; ++hop) {
    Poco::URI uri;
    try {
      uri = Poco::URI(url);
    } catch (const Poco::Exception&) {
      throw std::runtime_error("Invalid URL '" + url + "'");
    }
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
      throw std::runtime_error("Only http:// and https:// URLs can be called, not '" + url + "'");
    auto addresses = network_guard::resolve(uri.getHost(), request.allowPrivate);
    auto session = connectTo(uri, addresses.front(), caFile);
    session->setTimeout(Poco::Timespan(request.timeoutMs * 1000));
    Poco::Net::HTTPRequest outgoing(method, uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery(),
                                    Poco::Net::HTTPMessage::HTTP_1_1);
    auto defaultPort = uri.getScheme() == "https" ? 443 : 80;
    outgoing.setHost(uri.getHost(), uri.getPort() == defaultPort ? defaultPort : uri.getPort());
    if (uri.getPort() == defaultPort) outgoing.set("Host", uri.getHost());
    outgoing.set("User-Agent", "orchestrator/1");
    // Where the first hop went, logins may go again; elsewhere they would leak.
    auto hopOrigin = uri.getScheme() + "://" + Poco::toLower(uri.getHost()) + ":" + std::to_string(uri.getPort());
    if (hop == 0) origin = hopOrigin;
    bool sameOrigin = hopOrigin == origin;
    for (const auto& [name, value] : request.headers)
      if (sameOrigin || !originBound(name)) outgoing.set(name, value);
    if (sameOrigin)
      for (const auto& [name, value] : request.secretHeaders) outgoing.set(name, value);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      outgoing.setContentLength(static_cast<std::streamsize>(body.size()));
      if (!outgoing.has("Content-Type")) outgoing.setContentType("application/json");
    }
    OutboundResponse answer;
    try {
      session->sendRequest(outgoing) << body;
      Poco::Net::HTTPResponse incoming;
      auto& stream = session->receiveResponse(incoming);
      answer.status = static_cast<int>(incoming.getStatus());
      answer.reason = incoming.getReason();
      answer.url = url;
      for (const auto& [name, value] : incoming) {
        auto key = name;
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        answer.headers[key] = value;
      }
      char buffer[16384];
      while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
        answer.body.append(buffer, static_cast<std::size_t>(stream.gcount()));
        if (answer.body.size() > kMaxBody) throw std::runtime_error("The answer of " + url + " is larger than 10 MiB");
      }
    } catch (const Poco::TimeoutException&) {
      throw std::runtime_error("No answer from " + url + " within " + std::to_string(request.timeoutMs) + " ms");
    } catch (const Poco::Exception& e) {
      throw std::runtime_error("Calling " + url + " failed: " + e.displayText());
    }
    bool redirect = answer.status == 301 || answer.status == 302 || answer.status == 303 || answer.status == 307 ||
                    answer.status == 308;
    if (!redirect || !answer.headers.contains("location")) return answer;
    if (hop >= request.maxRedirects) throw std::runtime_error("Too many redirects from " + request.url);
    Poco::URI next(uri);
    next.resolve(answer.headers["location"].get<std::string>());
    url = next.toString();
    if (answer.status == 303 || ((answer.status == 301 || answer.status == 302) && method == "POST")) {
      method = "GET";
      body.clear();
    }
  }
}

} // namespace outbound
