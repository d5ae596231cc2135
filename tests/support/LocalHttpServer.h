#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
} // namespace Poco

namespace orch::test {

/// A real HTTP server on a free loopback port, for steps and webhooks to
/// call: each request is recorded and answered by the test's handler.
class LocalHttpServer {
public:
  struct Request {
    std::string method, path, body;
    std::map<std::string, std::string> headers; ///< names in lower case
  };
  struct Reply {
    int status = 200;
    std::string body = "{}";
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
  };
  using Handler = std::function<Reply(const Request&)>;

  /// Listens on `address` (an address of this machine) and a free port.
  explicit LocalHttpServer(Handler handler = {}, std::string address = "127.0.0.1");
  ~LocalHttpServer();

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://" + address_ + ":" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() const;
  /// The most requests ever in progress at once.
  int maxConcurrent() const { return maxConcurrent_; }

  // Used by the request handler.
  Reply handle(const Request& request);

private:
  Handler handler_;
  std::string address_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::atomic<int> inFlight_{0}, maxConcurrent_{0};
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace orch::test
