#include "WebSocketClient.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <gtest/gtest.h>

namespace orch::test {

WebSocketClient::WebSocketClient(int port, const std::string& path, const std::map<std::string, std::string>& headers)
    : session_("127.0.0.1", static_cast<Poco::UInt16>(port)) {
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.set(name, value);
  Poco::Net::HTTPResponse response;
  socket_ = std::make_unique<Poco::Net::WebSocket>(session_, request, response);
  socket_->setReceiveTimeout(Poco::Timespan(5, 0));
}

void WebSocketClient::send(const nlohmann::json& message) { sendText(message.dump()); }

void WebSocketClient::sendText(const std::string& text) {
  socket_->sendFrame(text.data(), static_cast<int>(text.size()), Poco::Net::WebSocket::FRAME_TEXT);
}

std::optional<Received> WebSocketClient::next(std::chrono::milliseconds timeout) {
  socket_->setReceiveTimeout(
      Poco::Timespan(static_cast<long>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000));
  while (true) {
    Poco::Buffer<char> buffer(0);
    int flags = 0;
    try {
      socket_->receiveFrame(buffer, flags);
    } catch (const Poco::TimeoutException&) {
      return std::nullopt;
    }
    auto opcode = flags & Poco::Net::WebSocket::FRAME_OP_BITMASK;
    std::string payload(buffer.begin(), buffer.size());
    if (opcode == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
      Received closed;
      closed.closeCode = payload.size() >= 2
                             ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                             : 1005;
      closed.closeReason = payload.size() > 2 ? payload.substr(2) : "";
      return closed;
    }
    if (opcode == Poco::Net::WebSocket::FRAME_OP_TEXT) return Received{nlohmann::json::parse(payload)};
  }
}

nlohmann::json WebSocketClient::until(const std::string& type, std::vector<nlohmann::json>* seen) {
  while (auto received = next()) {
    if (received->closeCode) {
      ADD_FAILURE() << "closed with " << received->closeCode << ": " << received->closeReason;
      return nullptr;
    }
    if (seen) seen->push_back(received->message);
    if (received->message["type"] == type) return received->message;
  }
  ADD_FAILURE() << "no '" << type << "' message within 5 s";
  return nullptr;
}

HttpResult upgradeRequest(int port, const std::string& path, std::map<std::string, std::string> headers) {
  headers["Upgrade"] = "websocket";
  headers["Connection"] = "Upgrade";
  headers["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==";
  headers["Sec-WebSocket-Version"] = "13";
  return HttpClient(port).get(path, headers);
}

} // namespace orch::test
