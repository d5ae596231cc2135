#include "HttpClient.h"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

namespace orch::test {

nlohmann::json HttpResult::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << body;
  return parsed;
}

std::string HttpResult::header(const std::string& name) const {
  auto it = headers.find(Poco::toLower(name));
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(int port) : session_(std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port)) {
  session_->setKeepAlive(true);
  session_->setTimeout(Poco::Timespan(30, 0));
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::request(const std::string& method, const std::string& path, const std::string& body,
                               const std::map<std::string, std::string>& headers, const std::string& contentType) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    if (!contentType.empty()) request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session_->sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  auto& stream = session_->receiveResponse(response);
  HttpResult result;
  result.status = response.getStatus();
  Poco::StreamCopier::copyToString(stream, result.body);
  for (const auto& [name, value] : response) result.headers.emplace(Poco::toLower(name), value);
  return result;
}

std::map<std::string, std::string> testToken(const std::string& id, const std::string& permissions,
                                             const std::string& roles) {
  return {{"Authorization", "Bearer test|" + id + "|" + permissions + "|" + roles}};
}

} // namespace orch::test
