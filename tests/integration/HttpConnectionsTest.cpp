// The HTTP server under slow, idle and hostile clients, over real sockets:
// slowloris heads and trickled bodies, 10,000 idle keep-alive connections,
// pipelining, 100-continue, and every connection limit with its status.
#include "Eventually.h"
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <vector>

using orch::test::eventually;
using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::testToken;

namespace {

using Clock = std::chrono::steady_clock;

/// A plain TCP connection to the host, for sending exactly the bytes a test wants.
class RawConnection {
public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(RawConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)), connected_(other.connected_) {}
  RawConnection(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Reads until `text` has arrived, the peer closes, or `timeout` passes; returns what came.
  std::string readUntil(std::string_view text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = Clock::now() + timeout;
    while (received_.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) break;
      char buffer[16384];
      auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closedByPeer_ = true;
        break;
      }
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return received_;
  }
  /// Everything until the peer closes (or `timeout`).
  std::string readToClose(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = Clock::now() + timeout;
    while (!closedByPeer_ && Clock::now() < deadline)
      readUntil("\x01never\x02", std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    return received_;
  }
  bool closedByPeer() const { return closedByPeer_; }
  void forget() { received_.clear(); }

private:
  int fd_ = -1;
  bool connected_ = false;
  bool closedByPeer_ = false;
  std::string received_;
};

/// Lets this process open as many sockets as the hard limit allows.
rlim_t raiseDescriptorLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

/// A line of /proc/<pid>/status, as a number ("Threads", "VmRSS").
long procStatus(int pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

/// How many times `text` occurs in `haystack`.
std::size_t occurrences(const std::string& haystack, const std::string& text) {
  std::size_t count = 0;
  for (auto at = haystack.find(text); at != std::string::npos; at = haystack.find(text, at + text.size())) ++count;
  return count;
}

/// Another client's requests while the host is under attack: each must be
/// answered, and fast enough that a client with a 2 s timeout never gives up.
void expectOthersAreServed(int port, int requests) {
  for (int i = 0; i < requests; ++i) {
    RawConnection other(port);
    ASSERT_TRUE(other.connected());
    auto path = "/api/v1/hello/other" + std::to_string(i);
    ASSERT_TRUE(other.send("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    auto answer = other.readUntil("!\"", std::chrono::seconds(2));
    ASSERT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << "request " << i << " got: " << answer;
    EXPECT_NE(answer.find("Hello, other" + std::to_string(i) + "!"), std::string::npos) << answer;
  }
}

/// `count` connections that each sent `bytes`; fewer when one could not connect or send.
std::vector<RawConnection> openClients(int port, int count, std::string_view bytes) {
  std::vector<RawConnection> clients;
  for (int i = 0; i < count; ++i) {
    RawConnection client(port);
    if (!client.connected() || !client.send(bytes)) break;
    clients.push_back(std::move(client));
  }
  return clients;
}

/// `count` kept-alive connections, each answered 200 to a GET /health; fewer when one was not.
std::vector<RawConnection> openKeptAlive(int port, int count) {
  std::vector<RawConnection> clients;
  clients.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    RawConnection client(port);
    if (!client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")) break;
    auto answer = client.readUntil("\r\n\r\n", std::chrono::seconds(5));
    if (answer.rfind("HTTP/1.1 200", 0) != 0) {
      ADD_FAILURE() << "connection " << i << ": " << answer;
      break;
    }
    clients.push_back(std::move(client));
  }
  return clients;
}

} // namespace

TEST(HttpConnections, ASlowlorisOfFourHundredHeadsLeavesOtherClientsServedAndEachIsAnswered408) {
  HostProcess host({.config = "server.head_timeout = 3\n"});
  auto slow = openClients(host.port(), 400, "GET /health HTTP/1.1\r\nHost: x\r\n"); // and never the blank line
  ASSERT_EQ(slow.size(), 400u);
  expectOthersAreServed(host.port(), 50);
  // server.head_timeout later, every slow head is answered 408 and closed.
  for (auto& connection : slow) {
    auto answer = connection.readToClose(std::chrono::seconds(15));
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
    EXPECT_NE(answer.find("REQUEST_TIMEOUT"), std::string::npos) << answer;
    EXPECT_TRUE(connection.closedByPeer());
  }
  // 400 refusals from one address, one log line.
  EXPECT_TRUE(host.waitForLog("answered 408"));
  host.waitForLogToCatchUp();
  EXPECT_EQ(occurrences(host.logs(), "answered 408"), 1u) << host.logs();
}

TEST(HttpConnections, TrickledBodiesLeaveOtherClientsServedAndStallsAreAnswered408) {
  HostProcess host({.config = "server.body_timeout = 2\n"});
  auto slow = openClients(host.port(), 400,
                          "POST /api/v1/kit/raw HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 1000\r\n\r\nfirst bytes");
  ASSERT_EQ(slow.size(), 400u);
  // A byte now and then keeps a body alive: within the body timeout each time.
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (auto& connection : slow) ASSERT_TRUE(connection.send("x"));
    expectOthersAreServed(host.port(), 10);
  }
  // Then they stop: answered 408 once the body has stalled server.body_timeout.
  for (auto& connection : slow) {
    auto answer = connection.readToClose(std::chrono::seconds(15));
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  }
  expectOthersAreServed(host.port(), 5);
}

TEST(HttpConnections, TenThousandIdleKeepAliveConnectionsCostNoThreadsAndTheApiAnswers) {
  constexpr int kIdle = 10000;
  ASSERT_GE(raiseDescriptorLimit(), static_cast<rlim_t>(kIdle + 200)) << "this machine's descriptor limit is too low";
  HostProcess host({.config = "server.max_connections_per_client = 20000\nserver.keep_alive_timeout = 600\n"
                              "log.access = false\nratelimit.enabled = false\n"});
  auto threadsBefore = procStatus(host.pid(), "Threads");
  auto idle = openKeptAlive(host.port(), kIdle);
  ASSERT_EQ(idle.size(), static_cast<std::size_t>(kIdle));
  // All of them open and kept alive: a second request on the first and the last is served.
  for (auto* connection : {&idle.front(), &idle.back()}) {
    connection->forget();
    ASSERT_TRUE(connection->send("GET /api/v1/hello/again HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_NE(connection->readUntil("Hello, again!").find("Hello, again!"), std::string::npos);
  }
  expectOthersAreServed(host.port(), 20);
  auto threadsAfter = procStatus(host.pid(), "Threads");
  // A thread per connection would be 10,000; the workers grow only with requests waiting.
  EXPECT_LT(threadsAfter, threadsBefore + 16) << "threads before: " << threadsBefore << ", after: " << threadsAfter;
  std::printf("10000 idle keep-alive connections: threads %ld -> %ld, VmRSS %ld kB\n", threadsBefore, threadsAfter,
              procStatus(host.pid(), "VmRSS"));
}

TEST(HttpConnections, PipelinedRequestsAreAnsweredInOrder) {
  HostProcess host;
  RawConnection connection(host.port());
  std::string requests;
  for (auto name : {"a", "b", "c", "d"})
    requests += std::string("GET /api/v1/hello/") + name + " HTTP/1.1\r\nHost: x\r\n\r\n";
  // A slow one in the middle: the answers after it still wait their turn.
  requests += "GET /api/v1/kit/slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n";
  requests += "POST /api/v1/kit/raw HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  requests += "GET /api/v1/hello/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(connection.send(requests));
  auto answer = connection.readToClose();
  std::vector<std::size_t> at;
  for (auto text : {"Hello, a!", "Hello, b!", "Hello, c!", "Hello, d!", "\"slept\":true", "\"bytes\":5", "Hello, last!"})
    at.push_back(answer.find(text));
  for (std::size_t i = 0; i < at.size(); ++i) {
    ASSERT_NE(at[i], std::string::npos) << "answer " << i << " missing in:\n" << answer;
    if (i > 0) EXPECT_LT(at[i - 1], at[i]) << answer;
  }
  EXPECT_EQ(occurrences(answer, "HTTP/1.1 200"), 7u) << answer;
  EXPECT_TRUE(connection.closedByPeer());
}

TEST(HttpConnections, ExpectContinueIsAnsweredBeforeTheBodyAndRefusedWhenTooLarge) {
  HostProcess host({.config = "server.body_limit = 4096\n"});
  RawConnection connection(host.port());
  ASSERT_TRUE(connection.send("POST /api/v1/kit/raw HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                              "Content-Length: 11\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = connection.readUntil("\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  connection.forget();
  ASSERT_TRUE(connection.send("hello world"));
  auto answer = connection.readUntil("}");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"bytes\":11"), std::string::npos) << answer;

  // Too large for the limit: 413 at once, and the body is never asked for.
  RawConnection large(host.port());
  ASSERT_TRUE(large.send("POST /api/v1/kit/raw HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                         "Content-Length: 100000\r\nExpect: 100-continue\r\n\r\n"));
  auto refused = large.readToClose();
  EXPECT_EQ(refused.rfind("HTTP/1.1 413", 0), 0u) << refused;
  EXPECT_NE(refused.find("PAYLOAD_TOO_LARGE"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("100 Continue"), std::string::npos) << refused;
}

TEST(HttpConnections, HeadersOverTheirLimitsAreAnswered431AndALongTarget414) {
  HostProcess host({.config = "server.max_header_count = 20\nserver.max_header_size = 4096\n"});
  std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 25; ++i) many += "X-Header-" + std::to_string(i) + ": v\r\n";
  RawConnection tooMany(host.port());
  ASSERT_TRUE(tooMany.send(many + "\r\n"));
  auto answer = tooMany.readToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
  EXPECT_NE(answer.find("HEADERS_TOO_LARGE"), std::string::npos) << answer;

  RawConnection tooLarge(host.port());
  ASSERT_TRUE(tooLarge.send("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(5000, 'b') + "\r\n\r\n"));
  answer = tooLarge.readToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;

  RawConnection longTarget(host.port());
  ASSERT_TRUE(longTarget.send("GET /api/v1/hello/" + std::string(5000, 't') + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  answer = longTarget.readToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 414", 0), 0u) << answer;
  EXPECT_NE(answer.find("URI_TOO_LONG"), std::string::npos) << answer;

  // Just within both limits is served.
  std::string fits = "GET /api/v1/hello/fits HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  for (int i = 0; i < 15; ++i) fits += "X-Header-" + std::to_string(i) + ": v\r\n";
  RawConnection within(host.port());
  ASSERT_TRUE(within.send(fits + "\r\n"));
  answer = within.readToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
}

TEST(HttpConnections, ConnectionsPerClientAndInTotalAreLimitedWith503) {
  HostProcess host({.config = "server.max_connections_per_client = 5\n"});
  auto open = openKeptAlive(host.port(), 5);
  ASSERT_EQ(open.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    RawConnection refused(host.port());
    auto answer = refused.readToClose();
    EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
    EXPECT_NE(answer.find("server.max_connections_per_client"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer;
  }
  EXPECT_TRUE(host.waitForLog("answered 503"));
  // One connection fewer, one more is accepted.
  open.pop_back();
  EXPECT_TRUE(eventually([&] {
    RawConnection again(host.port());
    again.send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    return again.readToClose().rfind("HTTP/1.1 200", 0) == 0;
  }));
  // Room for the marker request, even while the server has yet to see the last close.
  open.clear();
  host.waitForLogToCatchUp();
  EXPECT_EQ(occurrences(host.logs(), "answered 503"), 1u) << "logged once per address and minute\n" << host.logs();

  HostProcess small({.config = "server.max_connections = 3\n"});
  auto three = openKeptAlive(small.port(), 3);
  ASSERT_EQ(three.size(), 3u);
  RawConnection fourth(small.port());
  auto answer = fourth.readToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_NE(answer.find("server.max_connections"), std::string::npos) << answer;
}

TEST(HttpConnections, AnIdleConnectionIsClosedAfterTheKeepAliveTimeoutAndASilentOneAfterTheHeadTimeout) {
  HostProcess host({.config = "server.keep_alive_timeout = 1\nserver.head_timeout = 1\n"});
  RawConnection used(host.port());
  ASSERT_TRUE(used.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(used.readUntil("\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
  used.readToClose(std::chrono::seconds(10));
  EXPECT_TRUE(used.closedByPeer());
  RawConnection silent(host.port());
  EXPECT_EQ(silent.readToClose(std::chrono::seconds(10)), "") << "closed without an answer";
  EXPECT_TRUE(silent.closedByPeer());
}

TEST(HttpConnections, AnHttp10ClientGetsItsAnswerAndTheConnectionClosed) {
  HostProcess host;
  RawConnection connection(host.port());
  ASSERT_TRUE(connection.send("GET /api/v1/hello/old HTTP/1.0\r\n\r\n"));
  auto answer = connection.readToClose();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Hello, old!"), std::string::npos) << answer;
  EXPECT_TRUE(connection.closedByPeer());
}
