// Where the host runs a plugin's WebSocket callbacks: never on the reactor
// thread that serves every connection, one at a time per connection, in the
// client's order, on_close last. The test_kit plugin's /kit/ws logs each
// callback as it starts and ends; the tests read that log's order.
#include "HostProcess.h"
#include "HttpClient.h"
#include "WebSocketClient.h"

#include <Poco/Net/StreamSocket.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace {

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::WebSocketClient;
using json = nlohmann::json;

class WebSocketCallbacks : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess({.config = "ratelimit.enabled = false\nwebsocket.max_queued_bytes = 4096\n"});
  }
  void TearDown() override {
    if (!HasFailure()) return;
    auto logs = host_->logs();
    std::cerr << "host log (last 3000 bytes):\n" << logs.substr(logs.size() > 3000 ? logs.size() - 3000 : 0) << "\n";
  }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }

  /// A client past its first-message authentication as `user`; its connection number.
  static std::pair<std::unique_ptr<WebSocketClient>, std::string> connect(const std::string& user) {
    auto client = std::make_unique<WebSocketClient>(host_->port(), "/api/v1/kit/ws");
    client->send({{"type", "auth"}, {"token", "test|" + user + "||"}});
    auto opened = client->until("opened");
    return {std::move(client), opened.is_null() ? "" : std::to_string(opened["connection"].get<std::uint64_t>())};
  }

  /// The log lines of one connection, or of all when `connection` is empty.
  static std::vector<std::string> logOf(const std::string& connection = "") {
    std::vector<std::string> lines;
    auto answer = HttpClient(host_->port()).get("/api/v1/kit/ws/log").json();
    for (const auto& line : answer["log"]) {
      auto text = line.get<std::string>();
      if (connection.empty() || text.rfind(connection + " ", 0) == 0) lines.push_back(text);
    }
    return lines;
  }

  static std::ptrdiff_t positionOf(const std::vector<std::string>& log, const std::string& line) {
    auto found = std::find(log.begin(), log.end(), line);
    EXPECT_NE(found, log.end()) << "no '" << line << "' in the log";
    return found - log.begin();
  }

  static HostProcess* host_;
};

HostProcess* WebSocketCallbacks::host_ = nullptr;

TEST_F(WebSocketCallbacks, ASlowMessageHoldsUpOnlyItsOwnConnection) {
  auto [slow, slowId] = connect("ada");
  auto [quick, quickId] = connect("bob");
  slow->send({{"type", "sleep"}, {"ms", 2000}, {"tag", "slow"}});
  // The sleeping callback has started before the quick message is sent.
  for (int i = 0; i < 200 && logOf(slowId).size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  quick->send({{"type", "echo"}, {"tag", "quick"}});
  EXPECT_EQ(quick->until("echo")["tag"], "quick");
  EXPECT_EQ(slow->until("slept")["tag"], "slow");

  auto log = logOf();
  EXPECT_LT(positionOf(log, quickId + " end quick"), positionOf(log, slowId + " end slow"))
      << "the quick message was answered while the slow one still ran";
}

TEST_F(WebSocketCallbacks, ASlowFirstMessageAuthenticationHoldsUpOnlyItsOwnConnection) {
  auto [quick, quickId] = connect("bob");
  WebSocketClient slow(host_->port(), "/api/v1/kit/ws");
  slow.send({{"type", "auth"}, {"token", "test|slow-ada||"}}); // the authenticator takes 2 s for this one
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  quick->send({{"type", "echo"}, {"tag", "during"}});
  EXPECT_EQ(quick->until("echo")["tag"], "during");
  auto opened = slow.until("opened");
  ASSERT_FALSE(opened.is_null());

  auto log = logOf();
  auto slowId = std::to_string(opened["connection"].get<std::uint64_t>());
  EXPECT_LT(positionOf(log, quickId + " end during"), positionOf(log, slowId + " open slow-ada"))
      << "the other connection was served while the authentication waited";
}

TEST_F(WebSocketCallbacks, AClientThatLeavesDuringItsAuthenticationGivesItsSlotBack) {
  HostProcess host({.config = "websocket.max_connections_per_user = 1\n"});
  {
    WebSocketClient leaving(host.port(), "/api/v1/kit/ws");
    leaving.send({{"type", "auth"}, {"token", "test|slow-leaver||"}}); // the authenticator takes 2 s
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  } // gone while it is authenticated
  WebSocketClient again(host.port(), "/api/v1/kit/ws");
  again.send({{"type", "auth"}, {"token", "test|slow-leaver||"}});
  EXPECT_FALSE(again.until("opened").is_null()) << "the one slot of the user was not given back";
}

TEST_F(WebSocketCallbacks, MessagesReachThePluginInOrderAndOnCloseComesLast) {
  std::string id;
  {
    auto [client, connection] = connect("ada");
    id = connection;
    client->send({{"type", "sleep"}, {"ms", 300}, {"tag", "1"}});
    client->send({{"type", "echo"}, {"tag", "2"}});
    client->send({{"type", "echo"}, {"tag", "3"}});
  } // closed at once, while the first message still sleeps
  std::vector<std::string> log;
  for (int i = 0; i < 500; ++i) {
    log = logOf(id);
    if (!log.empty() && log.back() == id + " close") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(log, (std::vector<std::string>{id + " open ada", id + " start 1", id + " end 1", id + " start 2", id + " end 2",
                                           id + " start 3", id + " end 3", id + " close"}));
}

/// CPU seconds the process has used (user and system), from /proc.
double cpuSeconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long user = 0, system = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) user = std::stoull(field);
    if (i == 15) system = std::stoull(field);
  }
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// A client frame, masked with a zero key so that the payload reads as it is.
std::string clientFrame(const std::string& text) {
  std::string frame = "\x81";
  if (text.size() < 126) {
    frame += static_cast<char>(0x80 | text.size());
  } else {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(text.size() >> 8);
    frame += static_cast<char>(text.size() & 0xff);
  }
  return frame + std::string(4, '\0') + text;
}

TEST_F(WebSocketCallbacks, AClientThatSendsFasterThanItsPluginHandlesIsReadNoFurtherUntilItCatchesUp) {
  std::signal(SIGPIPE, SIG_IGN);
  Poco::Net::StreamSocket raw(Poco::Net::SocketAddress::IPv4);
  raw.setSendBufferSize(16 * 1024);
  raw.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(host_->port())));
  std::string handshake = "GET /api/v1/kit/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  raw.sendBytes(handshake.data(), static_cast<int>(handshake.size()));
  char head[512];
  ASSERT_GT(raw.receiveBytes(head, sizeof head), 12);
  ASSERT_EQ(std::string(head, 12), "HTTP/1.1 101");

  // While the plugin sleeps, 20 MB of messages: far more than the socket buffers hold.
  constexpr int kMessages = 400;
  std::string stream = clientFrame(json{{"type", "auth"}, {"token", "test|flood||"}}.dump()) +
                       clientFrame(json{{"type", "sleep"}, {"ms", 3000}, {"tag", "busy"}}.dump());
  std::string pad(50000, 'x');
  for (int i = 0; i < kMessages; ++i)
    stream += clientFrame(json{{"type", "echo"}, {"tag", std::to_string(i)}, {"pad", pad}}.dump());
  raw.setBlocking(false);
  std::size_t sent = 0;
  bool blocked = false;
  double pausedCpu = -1;
  while (sent < stream.size()) {
    if (!raw.poll(Poco::Timespan(0, 500000), Poco::Net::Socket::SELECT_WRITE)) {
      // The host stopped reading: TCP holds the client back. Meanwhile the
      // host idles; a reactor still polling the unread socket would spin.
      if (!blocked) {
        auto before = cpuSeconds(host_->pid());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        pausedCpu = cpuSeconds(host_->pid()) - before;
      }
      blocked = true;
      continue;
    }
    auto n = raw.sendBytes(stream.data() + sent, static_cast<int>(std::min<std::size_t>(stream.size() - sent, 1 << 16)));
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  EXPECT_TRUE(blocked) << "the host read every message into memory while its plugin was busy";
  EXPECT_LT(pausedCpu, 0.5) << "CPU seconds the host used in one second of the pause";

  // Nothing was lost: the plugin had every message, in order, once it caught up.
  std::vector<std::string> log;
  std::string id;
  for (int i = 0; i < 1500; ++i) {
    log = logOf();
    auto open = std::find_if(log.begin(), log.end(), [](const std::string& line) { return line.ends_with(" open flood"); });
    if (open != log.end()) id = open->substr(0, open->find(' '));
    if (!id.empty() && std::find(log.begin(), log.end(), id + " end " + std::to_string(kMessages - 1)) != log.end()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(id.empty());
  log = logOf(id);
  std::vector<std::string> ends;
  for (const auto& line : log)
    if (line.rfind(id + " end ", 0) == 0 && line != id + " end busy") ends.push_back(line.substr(id.size() + 5));
  ASSERT_EQ(ends.size(), static_cast<std::size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ(ends[i], std::to_string(i));
}

TEST_F(WebSocketCallbacks, FramesSentWithTheUpgradeRequestReachThePlugin) {
  // The HTTP server may read past the request: those bytes are frames
  // already, and the hub must get them with the socket.
  Poco::Net::StreamSocket raw(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(host_->port())));
  raw.setReceiveTimeout(Poco::Timespan(10, 0));
  std::string bytes = "GET /api/v1/kit/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" +
                      clientFrame(json{{"type", "auth"}, {"token", "test|early||"}}.dump()) +
                      clientFrame(json{{"type", "echo"}, {"tag", "with-the-request"}}.dump());
  raw.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string received;
  char buffer[4096];
  while (received.find("with-the-request") == std::string::npos) {
    int n = 0;
    try {
      n = raw.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::TimeoutException&) {
    }
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(received.rfind("HTTP/1.1 101", 0), 0u) << received;
  EXPECT_NE(received.find("\"opened\""), std::string::npos) << received;
  EXPECT_NE(received.find("\"tag\":\"with-the-request\""), std::string::npos) << received;
}

} // namespace
