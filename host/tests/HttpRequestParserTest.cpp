#include "orchestrator/host/HttpRequestParser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using orch::host::HttpLimits;
using orch::host::HttpRequestParser;
using orch::host::ParsedRequest;
using State = HttpRequestParser::State;

namespace {

/// Feeds `bytes` in pieces of `step` bytes as a connection would, taking every
/// complete request; stops at the first failure.
std::vector<ParsedRequest> parseAll(HttpRequestParser& parser, const std::string& bytes, std::size_t step) {
  std::vector<ParsedRequest> requests;
  std::size_t offset = 0;
  while (offset < bytes.size() && parser.state() != State::Failed) {
    const std::size_t piece = std::min(step, bytes.size() - offset);
    std::size_t used = 0;
    // A piece may hold the end of one request and the start of the next.
    while (used < piece && parser.state() != State::Failed) {
      const std::size_t n = parser.feed(bytes.data() + offset + used, piece - used);
      used += n;
      if (parser.state() == State::Complete) requests.push_back(parser.take());
      else if (n == 0 && parser.state() != State::HeadReady) break;
    }
    offset += piece;
  }
  return requests;
}

const std::string kPipelined = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                               "POST /api/v1/items?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                               "PUT /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"
                               "GET /last HTTP/1.0\r\n\r\n";

void expectPipelined(const std::vector<ParsedRequest>& requests) {
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/health");
  ASSERT_NE(requests[0].header("host"), nullptr);
  EXPECT_EQ(*requests[0].header("HOST"), "x");
  EXPECT_TRUE(requests[0].keepAlive);
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].target, "/api/v1/items?x=1");
  EXPECT_EQ(requests[1].body, "hello");
  EXPECT_EQ(requests[2].body, "abcdefg");
  EXPECT_TRUE(requests[2].chunked);
  EXPECT_EQ(requests[3].target, "/last");
  EXPECT_EQ(requests[3].versionMinor, 0u);
  EXPECT_FALSE(requests[3].keepAlive) << "HTTP/1.0 without keep-alive closes";
}

} // namespace

TEST(HttpRequestParser, PipelinedRequestsComeOutInOrderWhateverTheSplit) {
  for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, kPipelined.size()}) {
    SCOPED_TRACE("pieces of " + std::to_string(step) + " bytes");
    HttpRequestParser parser;
    expectPipelined(parseAll(parser, kPipelined, step));
    EXPECT_EQ(parser.state(), State::NeedMore);
    EXPECT_FALSE(parser.started());
  }
}

TEST(HttpRequestParser, StopsAtTheHeadOfARequestWithABodySoTheServerCanAnswerContinue) {
  HttpRequestParser parser;
  std::string head = "POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
  EXPECT_EQ(parser.feed(head.data(), head.size()), head.size());
  ASSERT_EQ(parser.state(), State::HeadReady);
  EXPECT_TRUE(parser.head().expectsContinue());
  EXPECT_EQ(parser.head().target, "/upload");
  EXPECT_EQ(parser.feed("", 0), 0u) << "nothing to read is not the end of the stream";
  EXPECT_EQ(parser.feed("da", 2), 2u);
  EXPECT_EQ(parser.state(), State::NeedMore);
  EXPECT_EQ(parser.feed("ta", 2), 2u);
  ASSERT_EQ(parser.state(), State::Complete);
  EXPECT_EQ(parser.take().body, "data");
}

TEST(HttpRequestParser, LeavesTheBytesAfterAnUpgradeToTheNewProtocol) {
  HttpRequestParser parser;
  std::string bytes = "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" "\x81\x85" "frame";
  const std::size_t used = parser.feed(bytes.data(), bytes.size());
  ASSERT_EQ(parser.state(), State::Complete);
  EXPECT_EQ(bytes.substr(used), "\x81\x85" "frame");
  EXPECT_TRUE(parser.take().upgrade);
}

TEST(HttpRequestParser, CompleteRequestsWaitForTake) {
  HttpRequestParser parser;
  std::string two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  const std::size_t used = parser.feed(two.data(), two.size());
  EXPECT_EQ(used, two.size() / 2);
  EXPECT_EQ(parser.feed(two.data() + used, two.size() - used), 0u) << "the first request is not taken yet";
  EXPECT_EQ(parser.take().target, "/a");
  EXPECT_EQ(parser.feed(two.data() + used, two.size() - used), two.size() - used);
  EXPECT_EQ(parser.take().target, "/b");
}

TEST(HttpRequestParser, ConnectionCloseIsNotKeepAlive) {
  HttpRequestParser parser;
  std::string bytes = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
  parser.feed(bytes.data(), bytes.size());
  ASSERT_EQ(parser.state(), State::Complete);
  EXPECT_FALSE(parser.take().keepAlive);
}

struct Refusal {
  std::string name;
  HttpLimits limits;
  std::string bytes;
  int status;
};

class HttpRequestParserRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(HttpRequestParserRefuses, WithTheStatusThatFits) {
  const auto& refusal = GetParam();
  for (std::size_t step : {std::size_t{1}, refusal.bytes.size()}) {
    HttpRequestParser parser(refusal.limits);
    auto requests = parseAll(parser, refusal.bytes, step);
    EXPECT_TRUE(requests.empty());
    ASSERT_EQ(parser.state(), State::Failed) << "pieces of " << step;
    EXPECT_EQ(parser.errorStatus(), refusal.status) << parser.errorReason();
    EXPECT_FALSE(parser.errorReason().empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Limits, HttpRequestParserRefuses,
    ::testing::Values(
        Refusal{"TooManyHeaders", {.maxHeaderCount = 3}, "GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\n\r\n", 431},
        Refusal{"HeadersTooLarge", {.maxHeadBytes = 64}, "GET / HTTP/1.1\r\nCookie: " + std::string(100, 'c') + "\r\n\r\n",
                431},
        Refusal{"TargetTooLong", {.maxHeadBytes = 64}, "GET /" + std::string(100, 'p') + " HTTP/1.1\r\n\r\n", 414},
        Refusal{"DeclaredBodyTooLarge", {.maxBodyBytes = 10}, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413},
        Refusal{"ChunkedBodyTooLarge", {.maxBodyBytes = 10},
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n", 413},
        Refusal{"Garbage", {}, "HELLO\r\n\r\n", 400},
        Refusal{"BadVersion", {}, "GET / HTTP/9x\r\n\r\n", 400},
        Refusal{"BadChunkSize", {}, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        // Both framings at once is how requests are smuggled past proxies.
        Refusal{"LengthAndChunked", {},
                "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
        Refusal{"TwoLengths", {}, "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400}),
    [](const auto& info) { return info.param.name; });

TEST(HttpRequestParser, AStreamCutShortFails) {
  HttpRequestParser parser;
  std::string partial = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
  EXPECT_EQ(parser.feed(partial.data(), partial.size()), partial.size());
  EXPECT_EQ(parser.state(), State::HeadReady) << "the body came with the head, and is short";
  parser.finish();
  EXPECT_EQ(parser.state(), State::Failed);
  EXPECT_EQ(parser.errorStatus(), 400);

  HttpRequestParser idle;
  idle.finish();
  EXPECT_EQ(idle.state(), State::NeedMore) << "closing between requests is no error";
}
