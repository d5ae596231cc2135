// The request path: prefixes, request ids, errors, auth, CORS, limits.
#include "HostProcess.h"
#include "HttpClient.h"

#include <gtest/gtest.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <regex>

using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::HttpResult;
using orch::test::testToken;

namespace {

class HttpPipeline : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    host_ = new HostProcess({.config = "cors.origins = https://app.example.com\n"
                                       "ratelimit.kit_limited.per_minute = 3\n"
                                       "server.body_limit = 4096\n"});
  }
  static void TearDownTestSuite() {
    delete host_;
    host_ = nullptr;
  }
  static HostProcess* host_;
  HttpClient client{host_->port()};
};
HostProcess* HttpPipeline::host_ = nullptr;

void expectEnvelope(const HttpResult& response, int status, const std::string& code) {
  EXPECT_EQ(response.status, status) << response.body;
  auto body = response.json();
  ASSERT_TRUE(body.contains("error")) << response.body;
  EXPECT_EQ(body["error"]["code"], code) << response.body;
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
  EXPECT_EQ(body["detail"], body["error"]["message"]);
  EXPECT_EQ(body["error"]["request_id"], response.header("X-Request-ID"));
  EXPECT_TRUE(body["error"].contains("timestamp"));
}

} // namespace

TEST_F(HttpPipeline, EveryPrefixReachesTheSameHandler) {
  for (const char* prefix : {"/api/v1", "/api", "/v1"}) {
    auto response = client.get(std::string(prefix) + "/hello/Grace");
    EXPECT_EQ(response.status, 200) << prefix;
    EXPECT_EQ(response.json()["message"], "Hello, Grace!") << prefix;
  }
  expectEnvelope(client.get("/hello/Grace"), 404, "NOT_FOUND");
}

TEST_F(HttpPipeline, PathParametersAreDecodedAndQueryAndHeadersReachThePlugin) {
  auto response = client.get("/api/v1/kit/echo/a%2Fb%20c?x=1%2B1", {{"X-Test", "hi"}, {"Authorization", "Bearer test|u1|kit:read|"}});
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  EXPECT_EQ(body["id"], "a/b c");
  EXPECT_EQ(body["query_x"], "1+1");
  EXPECT_EQ(body["header"], "hi");
  EXPECT_EQ(body["template"], "/kit/echo/{id}");
  EXPECT_EQ(body["path"], "/kit/echo/a%2Fb%20c");
  EXPECT_EQ(body["principal"]["id"], "u1");
}

TEST_F(HttpPipeline, TheHandlerKnowsWhichApiPrefixTheClientCalled) {
  for (std::string prefix : {"/api/v1", "/api", "/v1"}) {
    auto response = client.get(prefix + "/kit/echo/p", {{"Authorization", "Bearer test|u1|kit:read|"}});
    ASSERT_EQ(response.status, 200) << prefix << response.body;
    EXPECT_EQ(response.json()["api_prefix"], prefix);
    EXPECT_EQ(response.json()["path"], "/kit/echo/p") << prefix;
  }
}

TEST_F(HttpPipeline, RequestIdsAreEchoedOrGenerated) {
  auto echoed = client.get("/api/v1/hello/x", {{"X-Request-ID", "my-trace-42"}});
  EXPECT_EQ(echoed.header("X-Request-ID"), "my-trace-42");
  auto generated = client.get("/api/v1/hello/x");
  EXPECT_TRUE(std::regex_match(generated.header("X-Request-ID"), std::regex("[0-9a-f-]{36}")));
  auto hostile = client.get("/api/v1/hello/x", {{"X-Request-ID", std::string(300, 'a')}});
  EXPECT_EQ(hostile.header("X-Request-ID").size(), 36u) << "an oversized id is replaced";
}

TEST_F(HttpPipeline, UnknownRouteAndWrongMethod) {
  expectEnvelope(client.get("/api/v1/nope"), 404, "NOT_FOUND");
  auto wrong = client.request("DELETE", "/api/v1/hello/x");
  expectEnvelope(wrong, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(wrong.header("Allow"), "GET");
}

TEST_F(HttpPipeline, MalformedJsonWrongContentTypeAndOversizedBodies) {
  auto auth = testToken("u1");
  expectEnvelope(client.request("POST", "/api/v1/kit/echo", "{\"a\": ", auth), 400, "BAD_REQUEST");
  auto unsupported = client.request("POST", "/api/v1/kit/echo", "<a/>", auth, "application/xml");
  EXPECT_EQ(unsupported.status, 415) << unsupported.body;
  expectEnvelope(client.request("POST", "/api/v1/kit/echo", "a=1", auth, "application/x-www-form-urlencoded"), 415,
                 "BAD_REQUEST");

  HttpClient fresh(host_->port());
  auto large = fresh.request("POST", "/api/v1/kit/echo", "\"" + std::string(5000, 'x') + "\"", auth);
  expectEnvelope(large, 413, "PAYLOAD_TOO_LARGE");

  HttpClient again(host_->port());
  auto fits = again.post("/api/v1/kit/echo", {{"text", std::string(3000, 'y')}}, auth);
  EXPECT_EQ(fits.status, 201) << "just under server.body_limit";
  EXPECT_EQ(fits.header("X-Kit"), "yes");
  EXPECT_EQ(fits.json()["body"]["text"].get<std::string>().size(), 3000u);
}

TEST_F(HttpPipeline, FormsOnlyWhereTheRouteAcceptsThemAndRawBodiesUntouched) {
  auto form = client.request("POST", "/api/v1/kit/form", "username=ada%40example.com&password=p+w", {},
                             "application/x-www-form-urlencoded");
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_EQ(form.json()["username"], "ada@example.com");
  EXPECT_EQ(form.json()["password"], "p w");
  auto raw = client.request("POST", "/api/v1/kit/raw", "\x01\x02 not json", {}, "application/octet-stream");
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_EQ(raw.json()["bytes"], 11);
}

TEST_F(HttpPipeline, AThrowingHandlerAnswers500WithoutInternalsAndTheHostKeepsServing) {
  auto response = client.get("/api/v1/kit/throw", {{"X-Request-ID", "boom-1"}});
  expectEnvelope(response, 500, "INTERNAL_ERROR");
  EXPECT_EQ(response.body.find("hunter2"), std::string::npos);
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
  EXPECT_EQ(client.get("/api/v1/hello/still-here").status, 200);
  // The details go to the log, with the request id, for the operator.
  EXPECT_TRUE(host_->waitForLog("GET /kit/throw (plugin test_kit) failed, request boom-1: secret internals"))
      << host_->logs();
}

TEST_F(HttpPipeline, HttpErrorsFromPluginsUseTheEnvelope) {
  expectEnvelope(client.get("/api/v1/kit/conflict"), 409, "CONFLICT");
}

TEST_F(HttpPipeline, AuthenticationAndPermissions) {
  auto missing = client.get("/api/v1/kit/echo/1");
  expectEnvelope(missing, 401, "UNAUTHORIZED");
  EXPECT_EQ(missing.header("WWW-Authenticate"), "Bearer");
  auto bad = client.get("/api/v1/kit/echo/1", {{"Authorization", "Bearer forged"}});
  expectEnvelope(bad, 401, "UNAUTHORIZED");
  EXPECT_EQ(bad.json()["error"]["message"], "Invalid or expired token");
  auto forbidden = client.get("/api/v1/kit/echo/1", testToken("u1", "workflow:read"));
  expectEnvelope(forbidden, 403, "FORBIDDEN");
  EXPECT_EQ(forbidden.json()["error"]["details"]["required_permission"], "kit:read");
  EXPECT_EQ(client.get("/api/v1/kit/echo/1", testToken("u1", "kit:*")).status, 200);
  EXPECT_EQ(client.get("/api/v1/kit/echo/1", testToken("root", "admin:*")).status, 200);
  EXPECT_EQ(client.get("/api/v1/kit/echo/1", {{"X-API-KEY", "key-svc"}}).status, 403) << "an API key without scopes";
  EXPECT_EQ(client.get("/api/v1/hello/x", {{"Authorization", "Bearer forged"}}).status, 200)
      << "a public route ignores bad credentials";
}

TEST_F(HttpPipeline, CorsForConfiguredOriginsOnly) {
  auto allowed = client.get("/api/v1/hello/x", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(allowed.header("Access-Control-Allow-Origin"), "https://app.example.com");
  auto other = client.get("/api/v1/hello/x", {{"Origin", "https://evil.example.com"}});
  EXPECT_EQ(other.header("Access-Control-Allow-Origin"), "");
  auto preflight = client.request("OPTIONS", "/api/v1/kit/echo", "",
                                  {{"Origin", "https://app.example.com"},
                                   {"Access-Control-Request-Method", "POST"},
                                   {"Access-Control-Request-Headers", "authorization, content-type"}},
                                  "");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(preflight.header("Access-Control-Allow-Headers"), "authorization, content-type");
  EXPECT_NE(preflight.header("Access-Control-Allow-Methods").find("POST"), std::string::npos);
}

TEST_F(HttpPipeline, RateLimitsByCategoryWithHeadersAndRetryAfter) {
  for (int i = 0; i < 3; ++i) {
    auto response = client.get("/api/v1/kit/limited");
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.header("X-RateLimit-Limit"), "3");
    EXPECT_EQ(response.header("X-RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(response.header("X-RateLimit-Window"), "60");
    EXPECT_FALSE(response.header("X-RateLimit-Reset").empty());
  }
  auto limited = client.get("/api/v1/kit/limited");
  expectEnvelope(limited, 429, "RATE_LIMITED");
  auto retryAfter = std::stoi(limited.header("Retry-After"));
  EXPECT_GE(retryAfter, 1);
  EXPECT_LE(retryAfter, 60);
  EXPECT_EQ(limited.json()["error"]["details"]["retry_after"], retryAfter);
  EXPECT_EQ(client.get("/api/v1/hello/x").header("X-RateLimit-Limit"), "1000") << "the default category";
}

TEST(RateLimitConfig, CanBeTurnedOff) {
  HostProcess host({.config = "ratelimit.kit_limited.per_minute = 1\nratelimit.enabled = false\n"});
  HttpClient client(host.port());
  for (int i = 0; i < 5; ++i) {
    auto response = client.get("/api/v1/kit/limited");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("X-RateLimit-Limit"), "");
  }
}

TEST(ServerConfig, ABadValueStopsTheStartNamingTheKey) {
  HostProcess host({.env = {{"ORCH_SERVER__THREADS", "lots"}}, .waitUntilReady = false});
  EXPECT_EQ(host.waitForExit(), 78);
  EXPECT_TRUE(host.waitForLog("server.threads")) << host.logs();
  EXPECT_TRUE(host.waitForLog("ORCH_SERVER__THREADS")) << host.logs();
}

TEST(ServerConfig, TheDefaultBodyLimitIsOneMebibyte) {
  HostProcess host;
  HttpClient client(host.port());
  auto auth = testToken("u1");
  auto justUnder = client.request("POST", "/api/v1/kit/echo", "\"" + std::string((1 << 20) - 2, 'x') + "\"", auth);
  EXPECT_EQ(justUnder.status, 201);
  HttpClient fresh(host.port());
  auto over = fresh.request("POST", "/api/v1/kit/echo", "\"" + std::string(1 << 20, 'x') + "\"", auth);
  EXPECT_EQ(over.status, 413);
}

namespace {

/// Sends raw bytes and returns everything the server answers until it closes.
std::string rawExchange(int port, const std::string& bytes) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  socket.shutdownSend();
  std::string answer;
  char buffer[4096];
  int n;
  while ((n = socket.receiveBytes(buffer, sizeof buffer)) > 0) answer.append(buffer, static_cast<std::size_t>(n));
  return answer;
}

std::string chunked(const std::string& body) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += 1000) {
    auto piece = body.substr(at, 1000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    out += size + piece + "\r\n";
  }
  return out + "0\r\n\r\n";
}

} // namespace

TEST_F(HttpPipeline, ChunkedBodiesAreLimitedToo) {
  auto head = std::string("POST /api/v1/kit/raw HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                          "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  auto small = rawExchange(host_->port(), head + chunked(std::string(3000, 'a')));
  EXPECT_EQ(small.substr(0, 12), "HTTP/1.1 200") << small;
  EXPECT_NE(small.find("\"bytes\":3000"), std::string::npos) << small;
  auto large = rawExchange(host_->port(), head + chunked(std::string(9000, 'a')));
  EXPECT_EQ(large.substr(0, 12), "HTTP/1.1 413") << large;
  EXPECT_NE(large.find("PAYLOAD_TOO_LARGE"), std::string::npos);
}

TEST_F(HttpPipeline, GarbageOnTheWireIsRefusedAndTheServerStaysUp) {
  auto answer = rawExchange(host_->port(), "NOT HTTP AT ALL\r\n\r\n");
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_EQ(client.get("/api/v1/hello/after-garbage").status, 200);
}

TEST_F(HttpPipeline, ARefusedRequestsBodyNeverBecomesTheNextRequest) {
  // One kept-alive connection: requests refused before their body is read
  // (404, 401, 405) are followed by a normal one, which must be served as sent.
  HttpClient connection(host_->port());
  const std::string smuggled = "GET /api/v1/kit/throw HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(connection.request("POST", "/api/v1/nope", smuggled).status, 404);
  EXPECT_EQ(connection.request("POST", "/api/v1/kit/echo", smuggled).status, 401);
  EXPECT_EQ(connection.request("DELETE", "/api/v1/hello/x", smuggled).status, 405);
  auto next = connection.get("/api/v1/hello/after");
  EXPECT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.json()["message"], "Hello, after!");
}

TEST_F(HttpPipeline, AStreamedResponseReachesTheClientChunkByChunk) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(host_->port()));
  Poco::Net::HTTPRequest request("GET", "/api/v1/kit/stream", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  auto& body = session.receiveResponse(response);
  EXPECT_EQ(response.getStatus(), 201);
  EXPECT_TRUE(response.getChunkedTransferEncoding());
  EXPECT_EQ(response.getContentType(), "text/event-stream");
  EXPECT_EQ(response.get("X-Kit", ""), "streamed");
  EXPECT_FALSE(response.get("X-Request-ID", "").empty());
  std::string line;
  std::getline(body, line);
  EXPECT_EQ(line, "event: tick");
  std::getline(body, line);
  EXPECT_EQ(line, "data: 1");
  // Only now may the handler go on: the first event came before the end.
  EXPECT_EQ(client.post("/api/v1/kit/stream/release", nlohmann::json::object()).status, 200);
  std::string rest((std::istreambuf_iterator<char>(body)), std::istreambuf_iterator<char>());
  // A write after streaming began and a late error change nothing.
  EXPECT_EQ(rest, "\nevent: tick\ndata: 2\n\nevent: tick\ndata: 3\n\n");
  // The same connection serves the next request: the chunked body ended cleanly.
  Poco::Net::HTTPRequest next("GET", "/api/v1/health", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(next);
  Poco::Net::HTTPResponse nextResponse;
  session.receiveResponse(nextResponse).ignore(1 << 20);
  EXPECT_EQ(nextResponse.getStatus(), 200);
}

TEST_F(HttpPipeline, APostWithoutContentLengthHasNoBodyAndIsAnsweredAtOnce) {
  // As `curl -X POST` sends it: no Content-Length, no chunked encoding, and
  // the client keeps its side open. The host must not wait for a body.
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(host_->port())));
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  std::string request = "POST /api/v1/kit/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test|u1||\r\n\r\n"
                        "GET /api/v1/hello/again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string answer;
  char buffer[4096];
  try {
    int n;
    while ((n = socket.receiveBytes(buffer, sizeof buffer)) > 0) answer.append(buffer, static_cast<std::size_t>(n));
  } catch (const Poco::TimeoutException&) {
    FAIL() << "no answer within 5 s; got so far:\n" << answer;
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"body":{},"content_type":""})"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Hello, again!"), std::string::npos) << "the next request on the connection is read as one";
}
