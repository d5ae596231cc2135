#include "LocalHttpServer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/ThreadPool.h>

#include <algorithm>

namespace orch::test {
namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
public:
  explicit Handler(LocalHttpServer& server) : server_(server) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    LocalHttpServer::Request recorded;
    recorded.method = request.getMethod();
    recorded.path = request.getURI();
    for (const auto& [name, value] : request) {
      auto key = name;
      std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
      recorded.headers[key] = value;
    }
    Poco::StreamCopier::copyToString(request.stream(), recorded.body);
    auto reply = server_.handle(recorded);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    response.send() << reply.body;
  }

private:
  LocalHttpServer& server_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit Factory(LocalHttpServer& server) : server_(server) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(server_);
  }

private:
  LocalHttpServer& server_;
};

} // namespace

LocalHttpServer::LocalHttpServer(Handler handler, std::string address)
    : handler_(std::move(handler)), address_(std::move(address)) {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(address_, 0), 256);
  port_ = socket.address().port();
  pool_ = std::make_unique<Poco::ThreadPool>(2, 64);
  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(64);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), *pool_, socket, params);
  server_->start();
}

LocalHttpServer::~LocalHttpServer() {
  server_->stopAll(true);
  pool_->joinAll();
}

std::vector<LocalHttpServer::Request> LocalHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

LocalHttpServer::Reply LocalHttpServer::handle(const Request& request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
  }
  auto now = ++inFlight_;
  for (auto seen = maxConcurrent_.load(); now > seen && !maxConcurrent_.compare_exchange_weak(seen, now);) {
  }
  auto reply = handler_ ? handler_(request) : Reply{};
  --inFlight_;
  return reply;
}

} // namespace orch::test
