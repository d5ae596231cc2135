// A real host (auth, workflows, realtime) and a real WebSocket client: each
// endpoint's way in and its refusals, tenant isolation, subscriptions, the
// per-user limit, and the events of a real execution from start to end.
#include "Executions.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "PostgresDatabases.h"
#include "TestPostgres.h"
#include "WebSocketClient.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/WebSocket.h>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <csignal>
#include <optional>
#include <thread>

namespace {

using orch::test::HostProcess;
using orch::test::HttpClient;
using json = nlohmann::json;
using Auth = std::map<std::string, std::string>;
enum class Backend { Sqlite, Postgres };

std::string pluginFolder() {
  static const std::string folder = orch::test::linkedPluginFolder(
      "realtime", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/realtime.so"});
  return folder;
}

using Client = orch::test::WebSocketClient;
using orch::test::Received;

using orch::test::upgradeRequest;

class RealtimeHost : public ::testing::TestWithParam<Backend> {
protected:
  void SetUp() override {
    Auth env;
    if (GetParam() == Backend::Postgres) {
      std::string url;
      ORCH_REQUIRE_POSTGRES(url);
      env["ORCH_STORAGE__URL"] = orch::test::freshPostgresDatabase();
    }
    env_ = env;
    host_ = startHost();
    alice_ = token("alice@example.com");
    bob_ = token("bob@example.com");
    aliceId_ = HttpClient(host_->port()).get("/api/v1/auth/me", bearer(alice_)).json()["id"].get<std::string>();
  }

  void TearDown() override {
    if (HasFailure() && host_) {
      auto logs = host_->logs();
      std::cerr << "host log (last 3000 bytes):\n" << logs.substr(logs.size() > 3000 ? logs.size() - 3000 : 0) << "\n";
    }
  }

  virtual std::string extraConfig() const { return ""; }

  /// A host on this test's database (hosts sharing one accept each other's tokens).
  std::unique_ptr<HostProcess> startHost() const {
    return std::make_unique<HostProcess>(HostProcess::Options{
        .pluginsDir = pluginFolder(),
        .config = "ratelimit.enabled = false\nwebsocket.auth_timeout = 1\nwebsocket.max_connections_per_user = 5\n"
                  "auth.jwt_secret = shared-secret-of-every-host-0123456789\n" +
                  extraConfig(),
        .env = env_});
  }

  std::string token(const std::string& email) {
    HttpClient client(host_->port());
    client.post("/api/v1/auth/register", {{"email", email}, {"password", "a long passphrase 7"}});
    auto login = client.post("/api/v1/auth/login", {{"email", email}, {"password", "a long passphrase 7"}});
    EXPECT_EQ(login.status, 200) << login.body;
    return login.json()["access_token"].get<std::string>();
  }
  static Auth bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  /// A workflow of `steps` transforms in a row; its id.
  std::string workflow(const std::string& owner, int steps) {
    json list = json::array();
    for (int i = 0; i < steps; ++i) {
      json step = {{"id", "s" + std::to_string(i)}, {"name", "Step " + std::to_string(i)}, {"type", "transform"},
                   {"config", {{"mapping", {{"n", i}}}}}};
      if (i) step["dependencies"] = {"s" + std::to_string(i - 1)};
      list.push_back(step);
    }
    auto created = HttpClient(host_->port()).post("/api/v1/workflows", {{"name", "live"}, {"steps", list}}, bearer(owner));
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json()["id"].get<std::string>();
  }
  std::string execute(const std::string& owner, const std::string& workflowId) {
    auto started = HttpClient(host_->port()).post("/api/v1/workflows/" + workflowId + "/execute", {{"input_data", json::object()}}, bearer(owner));
    EXPECT_EQ(started.status, 202) << started.body;
    return started.json()["id"].get<std::string>();
  }
  std::unique_ptr<HostProcess> host_;
  Auth env_;
  std::string alice_, bob_, aliceId_;
};

TEST_P(RealtimeHost, EachEndpointLetsItsOwnerIn) {
  auto port = host_->port();
  Client executions(port, "/ws/executions?token=" + alice_);
  EXPECT_EQ(executions.until("connected")["data"]["user_id"], aliceId_);
  Client byHeader(port, "/ws/executions", bearer(alice_));
  EXPECT_EQ(byHeader.until("connected")["data"]["user_id"], aliceId_);
  Client client(port, "/ws/client-7?token=" + alice_);
  EXPECT_EQ(client.until("connected")["data"]["user_id"], aliceId_);

  Client user(port, "/api/ws/" + aliceId_, bearer(alice_));
  EXPECT_EQ(user.until("connected")["data"]["user_id"], aliceId_);

  Client api(port, "/api/v1/ws");
  api.send({{"type", "auth"}, {"token", alice_}});
  auto connected = api.until("connected");
  EXPECT_EQ(connected["data"]["user_id"], aliceId_);
  EXPECT_FALSE(connected["timestamp"].get<std::string>().empty());
  api.send({{"type", "ping"}});
  EXPECT_EQ(api.until("pong")["type"], "pong");
}

TEST_P(RealtimeHost, RefusalsAreClearBeforeAndAfterTheUpgrade) {
  auto port = host_->port();
  // Before the upgrade: the standard error envelope.
  auto anonymous = upgradeRequest(port, "/ws/client-7");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_EQ(anonymous.json()["error"]["code"], "UNAUTHORIZED");
  auto forged = upgradeRequest(port, "/ws/client-7?token=not-a-token");
  EXPECT_EQ(forged.status, 401) << forged.body;
  auto someoneElse = upgradeRequest(port, "/api/ws/" + aliceId_, bearer(bob_));
  EXPECT_EQ(someoneElse.status, 403) << someoneElse.body;
  EXPECT_NE(someoneElse.json()["error"]["message"].get<std::string>().find("another user"), std::string::npos);
  auto plainGet = HttpClient(port).get("/ws/client-7", bearer(alice_));
  EXPECT_EQ(plainGet.status, 400) << plainGet.body;
  EXPECT_EQ(plainGet.json()["error"]["code"], "BAD_REQUEST");

  // After it, on the first-message endpoint: close code 1008 and the reason.
  Client wrong(port, "/api/v1/ws");
  wrong.send({{"type", "auth"}, {"token", "not-a-token"}});
  auto closed = wrong.next();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->closeCode, 1008);
  EXPECT_NE(closed->closeReason.find("authentication failed"), std::string::npos) << closed->closeReason;

  Client missing(port, "/api/v1/ws");
  missing.send({{"type", "subscribe"}, {"workflow_id", "x"}});
  closed = missing.next();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->closeCode, 1008);
  EXPECT_NE(closed->closeReason.find("first message must be"), std::string::npos) << closed->closeReason;

  Client late(port, "/api/v1/ws"); // websocket.auth_timeout = 1
  closed = late.next(std::chrono::seconds(4));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->closeCode, 1008);
  EXPECT_NE(closed->closeReason.find("timed out"), std::string::npos) << closed->closeReason;
}

TEST_P(RealtimeHost, AUserHasAtMostTheConfiguredNumberOfConnections) {
  auto port = host_->port();
  std::vector<std::unique_ptr<Client>> open;
  for (int i = 0; i < 5; ++i) {
    open.push_back(std::make_unique<Client>(port, "/ws/executions?token=" + alice_));
    open.back()->until("connected");
  }
  auto sixth = upgradeRequest(port, "/ws/executions?token=" + alice_);
  EXPECT_EQ(sixth.status, 429) << sixth.body;
  EXPECT_EQ(sixth.json()["error"]["code"], "RATE_LIMITED");
  Client bobs(port, "/ws/executions?token=" + bob_); // another user's slots are their own
  bobs.until("connected");
  open.pop_back(); // closing one frees its slot
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    admitted = upgradeRequest(port, "/ws/executions?token=" + alice_).status == 101;
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(admitted);
}

TEST_P(RealtimeHost, AnExecutionIsFollowedLiveByItsOwnerOnly) {
  auto port = host_->port();
  Client alice(port, "/ws/executions?token=" + alice_);
  alice.until("connected");
  Client aliceAsUser(port, "/api/ws/" + aliceId_ + "?token=" + alice_);
  aliceAsUser.until("connected");
  Client bob(port, "/ws/executions?token=" + bob_);
  bob.until("connected");

  auto workflowId = workflow(alice_, 2);
  auto executionId = execute(alice_, workflowId);
  std::vector<json> seen;
  auto completed = [&] {
    while (true) {
      auto message = alice.until("execution_update", &seen);
      if (message.is_null() || message["status"] == "execution_completed") return message;
    }
  }();
  ASSERT_FALSE(completed.is_null());
  std::vector<std::string> events;
  for (const auto& message : seen)
    if (message["type"] == "execution_update") events.push_back(message["status"]);
  EXPECT_EQ(events, (std::vector<std::string>{"execution_started", "step_completed", "step_completed", "execution_completed"}));
  // Seed 000's fields at the top.
  EXPECT_EQ(completed["execution_id"], executionId);
  EXPECT_EQ(completed["workflow_id"], workflowId);
  EXPECT_EQ(completed["progress"], json({{"completed_steps", 2}, {"total_steps", 2}}));
  EXPECT_FALSE(completed["timestamp"].get<std::string>().empty());
  EXPECT_EQ(seen[1]["step_name"], "Step 0");
  EXPECT_FALSE(completed["data"].contains("owner_id"));

  // Seed 003's endpoint names the event itself.
  EXPECT_EQ(aliceAsUser.until("execution_started")["data"]["execution_id"], executionId);
  EXPECT_EQ(aliceAsUser.until("execution_completed")["data"]["execution_id"], executionId);

  // Bob saw nothing of it.
  auto bobs = bob.next(std::chrono::milliseconds(500));
  EXPECT_FALSE(bobs) << bobs->message.dump();
}

TEST_P(RealtimeHost, SubscriptionsNarrowToAnExecutionOrAWorkflow) {
  auto port = host_->port();
  auto first = workflow(alice_, 1), second = workflow(alice_, 1);
  Client narrowed(port, "/api/v1/ws");
  narrowed.send({{"type", "auth"}, {"token", alice_}});
  narrowed.until("connected");
  narrowed.send({{"type", "subscribe"}, {"workflow_id", second}});
  EXPECT_EQ(narrowed.until("subscribed")["data"]["filters"]["workflow_id"], json::array({second}));
  narrowed.send({{"type", "subscribe"}, {"workflow_id", 42}});
  EXPECT_NE(narrowed.until("error_notification")["data"]["message"].get<std::string>().find("workflow_id"), std::string::npos);

  auto earlierRun = execute(alice_, first);
  auto secondRun = execute(alice_, second);
  std::vector<json> seen;
  while (true) {
    auto message = narrowed.until("execution_update", &seen);
    ASSERT_FALSE(message.is_null());
    if (message["event"] == "execution_completed") break;
  }
  for (const auto& message : seen) {
    EXPECT_EQ(message["data"]["execution_id"], secondRun) << message.dump();
    // Seed 004's shape: progress as a percentage in data.
    EXPECT_TRUE(message["data"]["progress"].is_number()) << message.dump();
  }

  // A bare unsubscribe is back to every event of the tenant; the earlier run must not
  // still be sending, or its late events would be taken for the next run's.
  orch::test::awaitExecution(port, earlierRun, bearer(alice_));
  narrowed.send({{"type", "unsubscribe"}});
  EXPECT_EQ(narrowed.until("unsubscribed")["data"]["filters"], json::object());
  auto firstRun = execute(alice_, first);
  EXPECT_EQ(narrowed.until("execution_update")["data"]["execution_id"], firstRun);
}

TEST_P(RealtimeHost, AClientOnAnotherHostOfTheDatabaseSeesTheExecution) {
  if (GetParam() != Backend::Postgres) GTEST_SKIP() << "hosts share events through PostgreSQL's LISTEN/NOTIFY";
  auto other = startHost();
  Client elsewhere(other->port(), "/ws/executions?token=" + alice_);
  elsewhere.until("connected");
  Client stranger(other->port(), "/ws/executions?token=" + bob_);
  stranger.until("connected");
  auto executionId = execute(alice_, workflow(alice_, 2)); // runs on the first host
  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "execution_completed") {
    auto message = elsewhere.until("execution_update");
    ASSERT_FALSE(message.is_null());
    EXPECT_EQ(message["execution_id"], executionId);
    seen.push_back(message["status"].get<std::string>());
  }
  EXPECT_EQ(seen.front(), "execution_started");
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "step_completed"), 2) << "each event once";
  EXPECT_FALSE(stranger.next(std::chrono::milliseconds(300))) << "another tenant hears nothing on any host";
}

/// A host whose memory limit is always exceeded, checked every second.
class AlertHost : public RealtimeHost {
protected:
  std::string extraConfig() const override { return "health.max_rss_mb = 1\nhealth.check_interval_ms = 1500\n"; }
};

TEST_P(AlertHost, AComponentTurningUnhealthyAlertsTheSystemChannel) {
  Client watcher(host_->port(), "/api/ws/" + aliceId_ + "?token=" + alice_);
  watcher.until("connected");
  watcher.send({{"type", "subscribe"}, {"channel", "metrics"}});
  watcher.until("subscribed");
  Client other(host_->port(), "/ws/executions?token=" + bob_);
  other.until("connected");
  auto alert = watcher.until("system_alert");
  ASSERT_FALSE(alert.is_null());
  EXPECT_EQ(alert["data"]["component"], "memory");
  EXPECT_EQ(alert["data"]["status"], "unhealthy");
  EXPECT_EQ(alert["data"]["severity"], "critical");
  EXPECT_GT(alert["data"]["details"]["rss_bytes"].get<std::int64_t>(), 1 << 20);
  EXPECT_FALSE(other.next(std::chrono::milliseconds(300))) << "only the system channel's subscribers";
}

INSTANTIATE_TEST_SUITE_P(Backends, AlertHost, ::testing::Values(Backend::Sqlite),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

/// A host that sends metrics_update five times a second.
class MetricsHost : public RealtimeHost {
protected:
  std::string extraConfig() const override { return "realtime.metrics_interval_ms = 200\n"; }
};

TEST_P(MetricsHost, Seed001And003ClientsGetMetricsUpdatesUnaskedOthersOnRequest) {
  Client user(host_->port(), "/api/ws/" + aliceId_ + "?token=" + alice_);
  user.until("connected");
  Client client(host_->port(), "/ws/dashboard-7?token=" + alice_);
  client.until("connected");
  Client executions(host_->port(), "/ws/executions?token=" + alice_);
  executions.until("connected");
  for (auto* unasked : {&user, &client}) {
    auto update = unasked->until("metrics_update");
    ASSERT_FALSE(update.is_null());
    const auto& data = update["data"];
    for (const char* field : {"cpu_usage", "memory_usage", "system_health_score", "websocket_connections"})
      EXPECT_TRUE(data[field].is_number()) << field << " " << update.dump();
    EXPECT_GE(data["system_health_score"].get<double>(), 0.0);
    EXPECT_LE(data["system_health_score"].get<double>(), 1.0);
    EXPECT_FALSE(data["timestamp"].get<std::string>().empty());
  }
  // Three intervals without one on the endpoint whose clients ask first.
  auto quiet = executions.next(std::chrono::milliseconds(700));
  EXPECT_FALSE(quiet) << quiet->message.dump();
  executions.send({{"type", "subscribe"}, {"channel", "metrics"}});
  EXPECT_FALSE(executions.until("metrics_update").is_null());
}

INSTANTIATE_TEST_SUITE_P(Backends, MetricsHost, ::testing::Values(Backend::Sqlite),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

/// A host that lets a client fall at most 64 KiB behind. The same limit
/// pauses reading a client whose plugin is behind, and each pause waits for
/// the plugin and the reactor: with 4 KiB the test took hundreds of those
/// rounds before the kernel's send buffer was full of pongs, and twice in a
/// loaded suite it did not see the drop within its 30 s; 64 KiB takes a
/// sixteenth of the rounds.
class SlowReaderHost : public RealtimeHost {
protected:
  std::string extraConfig() const override { return "websocket.max_queued_bytes = 65536\n"; }
};

TEST_P(SlowReaderHost, AClientThatDoesNotReadIsDroppedAndTheOthersKeepTheirUpdates) {
  std::signal(SIGPIPE, SIG_IGN); // writing to the dropped socket must fail, not kill the test
  auto port = host_->port();
  Client reader(port, "/ws/executions?token=" + alice_);
  reader.until("connected");

  // A raw client with a small receive window that asks for answers and reads none.
  Poco::Net::StreamSocket slow(Poco::Net::SocketAddress::IPv4);
  slow.setReceiveBufferSize(4096);
  slow.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  std::string handshake = "GET /ws/executions?token=" + alice_ +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  slow.sendBytes(handshake.data(), static_cast<int>(handshake.size()));
  char head[512];
  int got = slow.receiveBytes(head, sizeof head);
  ASSERT_GT(got, 12);
  EXPECT_EQ(std::string(head, 12), "HTTP/1.1 101");

  // Masked with a zero key, the payload reads as it is.
  std::string ping = R"({"type":"ping"})";
  std::string frame = std::string("\x81") + static_cast<char>(0x80 | ping.size()) + std::string(4, '\0') + ping;
  std::string batch;
  for (int i = 0; i < 500; ++i) batch += frame;
  bool dropped = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  // Non-blocking, resuming where the last write stopped: frames are never cut.
  // The host may stop reading for a while (its plugin is behind); only an
  // error on the socket means it dropped the client.
  slow.setBlocking(false);
  std::size_t offset = 0;
  while (!dropped && std::chrono::steady_clock::now() < deadline) {
    if (!slow.poll(Poco::Timespan(1, 0), Poco::Net::Socket::SELECT_WRITE | Poco::Net::Socket::SELECT_ERROR)) continue;
    try {
      auto n = slow.sendBytes(batch.data() + offset, static_cast<int>(batch.size() - offset));
      if (n > 0) offset = (offset + static_cast<std::size_t>(n)) % batch.size();
    } catch (const Poco::Exception&) {
      dropped = true;
    }
  }
  EXPECT_TRUE(dropped) << "the server kept a client that read nothing";
  // The host logs the reason as it drops the client; the line may land a moment later.
  EXPECT_TRUE(host_->waitForLog("reads too slowly")) << host_->logs();

  // The server is not slowed: the reading client follows a whole execution.
  auto executionId = execute(alice_, workflow(alice_, 1));
  while (true) {
    auto message = reader.until("execution_update");
    ASSERT_FALSE(message.is_null());
    if (message["status"] == "execution_completed") {
      EXPECT_EQ(message["execution_id"], executionId);
      break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, SlowReaderHost, ::testing::Values(Backend::Sqlite),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

INSTANTIATE_TEST_SUITE_P(Backends, RealtimeHost, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
