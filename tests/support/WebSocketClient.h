#pragma once

#include "HttpClient.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/WebSocket.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace orch::test {

/// What the server sent: a text message, or the close frame's code and reason.
struct Received {
  nlohmann::json message;
  int closeCode = 0;
  std::string closeReason;
};

/// A WebSocket client over Poco's blocking implementation, on loopback.
class WebSocketClient {
public:
  /// Upgrades `path`; throws Poco::Net::WebSocketException when refused.
  WebSocketClient(int port, const std::string& path, const std::map<std::string, std::string>& headers = {});

  void send(const nlohmann::json& message);
  void sendText(const std::string& text);

  /// The next message or close; nullopt when nothing came within `timeout`.
  std::optional<Received> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Messages until one of `type` arrives (it included); a test failure, and
  /// null, on a close or after five seconds of silence.
  nlohmann::json until(const std::string& type, std::vector<nlohmann::json>* seen = nullptr);

private:
  Poco::Net::HTTPClientSession session_;
  std::unique_ptr<Poco::Net::WebSocket> socket_;
};

/// The upgrade request by hand, to read a refusal's status and body.
HttpResult upgradeRequest(int port, const std::string& path, std::map<std::string, std::string> headers = {});

} // namespace orch::test
