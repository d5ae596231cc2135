// Health, readiness, metrics, OpenAPI, shutdown and connection limits.
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <csignal>
#include <future>
#include <thread>

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::testToken;

TEST(Operations, HealthReadyAndDetailedHealth) {
  HostProcess host;
  HttpClient client(host.port());
  for (const char* path : {"/health", "/api/v1/health"}) {
    auto health = client.get(path);
    ASSERT_EQ(health.status, 200) << path;
    EXPECT_EQ(health.json()["status"], "healthy");
  }
  EXPECT_EQ(client.get("/ready").json()["status"], "ready");
  EXPECT_EQ(client.get("/api/v1/health/detailed").status, 401);
  auto detailed = client.get("/api/v1/health/detailed", testToken("ops", "system:read"));
  ASSERT_EQ(detailed.status, 200) << detailed.body;
  auto body = detailed.json();
  EXPECT_EQ(body["components"]["storage"]["status"], "healthy");
  EXPECT_EQ(body["components"]["storage"]["backend"], "sqlite");
  EXPECT_GE(body["components"]["storage"]["latency_ms"].get<double>(), 0.0);
  EXPECT_FALSE(body["plugins"].empty());
}

TEST(Operations, ReadyIs503UntilPluginsAreLoaded) {
  HostProcess host({.config = "test_kit.init_delay_ms = 1500\n", .waitUntilReady = false});
  host.waitUntilListening();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  HttpClient client(host.port());
  auto early = client.get("/ready");
  EXPECT_EQ(early.status, 503);
  EXPECT_EQ(early.json()["error"]["code"], "SERVICE_UNAVAILABLE");
  EXPECT_EQ(client.get("/health").status, 200) << "liveness does not wait";
  EXPECT_EQ(client.get("/api/v1/hello/x").status, 503) << "plugin routes are not there yet";
  while (client.get("/ready").status != 200 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(client.get("/ready").status, 200);
  EXPECT_EQ(client.get("/api/v1/hello/x").status, 200);
}

TEST(Operations, PrometheusMetricsCountRequestsByRouteTemplate) {
  HostProcess host;
  HttpClient client(host.port());
  for (int i = 0; i < 3; ++i) client.get("/api/v1/hello/n" + std::to_string(i));
  client.get("/api/v1/missing");
  auto metrics = client.get("/api/v1/system/metrics/prometheus");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.header("Content-Type").find("text/plain"), std::string::npos);
  const auto& text = metrics.body;
  EXPECT_NE(text.find(R"(orch_http_requests_total{method="GET",route="/hello/{name}",status="200"} 3)"), std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(orch_http_requests_total{method="GET",route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(orch_http_request_duration_seconds_bucket{route="/hello/{name}",le="+Inf"} 3)"), std::string::npos);
  EXPECT_NE(text.find("orch_plugins_loaded 5"), std::string::npos) << "hello_steps, hello_c, test_kit, abi_1_0, crashing_steps";
  EXPECT_NE(text.find("orch_plugins_crashed 0"), std::string::npos);
  EXPECT_NE(text.find("orch_build_info{version=\"" ), std::string::npos);
  EXPECT_EQ(text.find("/hello/n1"), std::string::npos) << "raw paths never become labels";
}

TEST(Operations, OpenApiDescribesEveryRegisteredRoute) {
  HostProcess host;
  HttpClient client(host.port());
  auto response = client.get("/openapi.json");
  ASSERT_EQ(response.status, 200);
  auto doc = response.json();
  EXPECT_EQ(doc["openapi"], "3.0.3");
  const auto& hello = doc["paths"]["/hello/{name}"]["get"];
  EXPECT_EQ(hello["summary"], "Greets someone");
  EXPECT_EQ(hello["parameters"][0]["name"], "name");
  EXPECT_EQ(hello["security"], nlohmann::json::array());
  EXPECT_EQ(doc["paths"]["/kit/echo/{id}"]["get"]["x-permission"], "kit:read");
  EXPECT_EQ(doc["paths"]["/kit/limited"]["get"]["x-rate-limit-category"], "kit_limited");
  EXPECT_TRUE(doc["paths"].contains("/plugins"));
  EXPECT_FALSE(doc["paths"].contains("/init-fails/ghost"));
}

TEST(Operations, SigtermFinishesInFlightRequestsAndExitsZero) {
  HostProcess host;
  auto slow = std::async(std::launch::async, [port = host.port()] {
    HttpClient client(port);
    return client.get("/api/v1/kit/slow?ms=700").status;
  });
  // SIGTERM only once the request is in its handler.
  HttpClient probe(host.port());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (probe.get("/api/v1/kit/slow/in-flight").json()["in_flight"] == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(host.stop(SIGTERM), 0) << host.logs();
  EXPECT_EQ(slow.get(), 200) << "the in-flight request completed";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_TRUE(host.waitForLog("stopped"));
}

TEST(Operations, Holds256ConcurrentKeepAliveConnections) {
  HostProcess host;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 256; ++i) clients.push_back(std::make_unique<HttpClient>(host.port()));
  // Every connection is opened and used, then stays open while the next ones are served.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = t; i < 256; i += 8)
        for (int round = 0; round < 2; ++round) ok += clients[i]->get("/api/v1/hello/c" + std::to_string(i)).status == 200;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 512);
}
