#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

namespace Poco::Net {
class HTTPClientSession;
}

namespace orch::test {

/// One HTTP exchange's outcome.
struct HttpResult {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers; ///< names in lower case
  /// The body as JSON; fails the test when it is not JSON.
  nlohmann::json json() const;
  std::string header(const std::string& name) const;
};

/// A keep-alive HTTP/1.1 client for 127.0.0.1:port.
class HttpClient {
public:
  explicit HttpClient(int port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  HttpResult request(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {},
                     const std::string& contentType = "application/json");
  HttpResult get(const std::string& path, const std::map<std::string, std::string>& headers = {}) {
    return request("GET", path, "", headers);
  }
  HttpResult post(const std::string& path, const nlohmann::json& body,
                  const std::map<std::string, std::string>& headers = {}) {
    return request("POST", path, body.dump(), headers);
  }

private:
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

/// "Bearer test|<id>|<permissions>|<roles>", understood by the test_kit plugin.
std::map<std::string, std::string> testToken(const std::string& id, const std::string& permissions = "",
                                             const std::string& roles = "");

} // namespace orch::test
