#include "DockerClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <sstream>
#include <stdexcept>

namespace containers {
namespace {

constexpr const char* kNewestVersion = "1.43"; ///< the newest API this client speaks

/// "1.41" < "1.43", numerically per part.
bool olderThan(const std::string& a, const std::string& b) {
  auto parts = [](const std::string& v) {
    auto dot = v.find('.');
    return std::pair{std::stoi(v.substr(0, dot)), dot == std::string::npos ? 0 : std::stoi(v.substr(dot + 1))};
  };
  return parts(a) < parts(b);
}

} // namespace

DockerClient::Answer DockerClient::send(const std::string& method, const std::string& target, const std::string& contentType,
                                        const std::function<void(std::ostream&)>& write, bool chunked, std::size_t length,
                                        int timeoutMs) {
  try {
    return exchange(method, target, contentType, write, chunked, length, timeoutMs);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("Docker Engine at " + socket_ + " cannot be reached (" + e.displayText() + ")");
  }
}

DockerClient::Answer DockerClient::exchange(const std::string& method, const std::string& target, const std::string& contentType,
                                            const std::function<void(std::ostream&)>& write, bool chunked, std::size_t length,
                                            int timeoutMs) {
  Poco::Net::StreamSocket socket;
  socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socket_));
  Poco::Net::HTTPClientSession session(socket);
  session.setTimeout(Poco::Timespan(timeoutMs / 1000, (timeoutMs % 1000) * 1000));
  Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost("docker"); // the engine wants one; any name does over a Unix socket
  if (!contentType.empty()) request.setContentType(contentType);
  if (chunked) request.setChunkedTransferEncoding(true);
  else request.setContentLength(static_cast<std::streamsize>(length)); // 0 too: the engine waits for a body otherwise
  auto& out = session.sendRequest(request);
  if (write) write(out);
  Poco::Net::HTTPResponse response;
  auto& in = session.receiveResponse(response);
  std::ostringstream body;
  Poco::StreamCopier::copyStream(in, body);
  return {static_cast<int>(response.getStatus()), body.str()};
}

std::string DockerClient::version() {
  std::lock_guard lock(mutex_);
  if (!version_.empty()) return version_;
  auto answer = send("GET", "/version", "", nullptr, false, 0, 10000);
  auto body = orch::json::parse(answer.body, nullptr, false);
  if (answer.status != 200 || !body.is_object())
    throw std::runtime_error("Docker Engine at " + socket_ + " answered GET /version with " + std::to_string(answer.status));
  auto theirs = body.value("ApiVersion", std::string("1.24"));
  version_ = olderThan(theirs, kNewestVersion) ? theirs : kNewestVersion;
  return version_;
}

DockerClient::Answer DockerClient::call(const std::string& method, const std::string& path, const orch::json& body,
                                        int timeoutMs) {
  auto target = "/v" + version() + path;
  if (body.is_null()) return send(method, target, "", nullptr, false, 0, timeoutMs);
  auto text = body.dump();
  return send(method, target, "application/json", [&text](std::ostream& out) { out << text; }, false, text.size(), timeoutMs);
}

DockerClient::Answer DockerClient::upload(const std::string& path, const std::string& contentType,
                                          const std::function<void(std::ostream&)>& write, int timeoutMs) {
  return send("POST", "/v" + version() + path, contentType, write, true, 0, timeoutMs);
}

std::string DockerClient::demultiplex(const std::string& stream) {
  std::string out;
  std::size_t at = 0;
  while (at + 8 <= stream.size()) {
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(stream[at + i])); };
    std::size_t size = (byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) | byte(7);
    at += 8;
    out.append(stream, at, std::min(size, stream.size() - at));
    at += size;
  }
  return out;
}

} // namespace containers
