#include "orchestrator/host/HttpRequestParser.h"

#include <http_parser.h>

#include <strings.h>

namespace orch::host {

const std::string* ParsedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) return &value;
  return nullptr;
}

bool ParsedRequest::expectsContinue() const {
  const auto* expect = header("Expect");
  return expect && strcasecmp(expect->c_str(), "100-continue") == 0;
}

struct HttpRequestParser::Native {
  http_parser parser{};
};

// http-parser calls C functions with the parser; `data` points back at us. A
// callback answers non-zero to stop the parser (after fail() set the status),
// and pauses it where the server must act (head ready, request complete).
struct HttpRequestParser::Callbacks {
  static HttpRequestParser& self(http_parser* parser) { return *static_cast<HttpRequestParser*>(parser->data); }

  static int messageBegin(http_parser* parser) {
    self(parser).started_ = true;
    return 0;
  }
  static int url(http_parser* parser, const char* at, std::size_t length) {
    auto& me = self(parser);
    if (!me.countHeadBytes(length)) return me.fail(414, "the request target is longer than the server accepts");
    me.request_.target.append(at, length);
    return 0;
  }
  static int headerField(http_parser* parser, const char* at, std::size_t length) {
    auto& me = self(parser);
    // A name may arrive in pieces: a new header starts after a value, or first.
    if (me.inHeaderValue_ || me.request_.headers.empty()) {
      if (me.request_.headers.size() >= me.limits_.maxHeaderCount)
        return me.fail(431, "the request has more headers than the server accepts");
      me.request_.headers.emplace_back();
      me.inHeaderValue_ = false;
      if (!me.countHeadBytes(4)) return me.fail(431, "the request's headers are larger than the server accepts");
    }
    if (!me.countHeadBytes(length)) return me.fail(431, "the request's headers are larger than the server accepts");
    me.request_.headers.back().first.append(at, length);
    return 0;
  }
  static int headerValue(http_parser* parser, const char* at, std::size_t length) {
    auto& me = self(parser);
    me.inHeaderValue_ = true;
    if (!me.countHeadBytes(length)) return me.fail(431, "the request's headers are larger than the server accepts");
    me.request_.headers.back().second.append(at, length);
    return 0;
  }
  static int headersComplete(http_parser* parser) {
    auto& me = self(parser);
    auto& request = me.request_;
    request.method = http_method_str(static_cast<http_method>(parser->method));
    request.versionMajor = parser->http_major;
    request.versionMinor = parser->http_minor;
    request.chunked = (parser->flags & F_CHUNKED) != 0;
    request.keepAlive = http_should_keep_alive(parser) != 0;
    const bool hasLength = (parser->flags & F_CONTENTLENGTH) != 0;
    if (hasLength && parser->content_length > me.limits_.maxBodyBytes)
      return me.fail(413, "the request body is larger than the server accepts");
    // Reported once, by the feed() that read the head's end; the parser goes
    // on with the body bytes that came with it (pausing here would leave the
    // head's last LF unread, for the caller to feed again).
    if (request.chunked || (hasLength && parser->content_length > 0)) me.state_ = State::HeadReady;
    return 0;
  }
  static int body(http_parser* parser, const char* at, std::size_t length) {
    auto& me = self(parser);
    if (me.request_.body.size() + length > me.limits_.maxBodyBytes)
      return me.fail(413, "the request body is larger than the server accepts");
    me.request_.body.append(at, length);
    return 0;
  }
  static int messageComplete(http_parser* parser) {
    auto& me = self(parser);
    me.request_.keepAlive = http_should_keep_alive(parser) != 0;
    me.request_.upgrade = parser->upgrade != 0;
    me.state_ = State::Complete;
    http_parser_pause(parser, 1);
    return 0;
  }

  static const http_parser_settings& settings() {
    static const http_parser_settings kSettings = [] {
      http_parser_settings s{};
      s.on_message_begin = &messageBegin;
      s.on_url = &url;
      s.on_header_field = &headerField;
      s.on_header_value = &headerValue;
      s.on_headers_complete = &headersComplete;
      s.on_body = &body;
      s.on_message_complete = &messageComplete;
      return s;
    }();
    return kSettings;
  }
};

HttpRequestParser::HttpRequestParser(HttpLimits limits) : limits_(limits), native_(std::make_unique<Native>()) {
  http_parser_init(&native_->parser, HTTP_REQUEST);
  native_->parser.data = this;
}

HttpRequestParser::~HttpRequestParser() = default;

std::size_t HttpRequestParser::feed(const char* data, std::size_t size) {
  if (state_ == State::Complete || state_ == State::Failed || size == 0) return 0;
  auto& parser = native_->parser;
  if (state_ == State::HeadReady) state_ = State::NeedMore;
  const std::size_t consumed = http_parser_execute(&parser, &Callbacks::settings(), data, size);
  const auto error = HTTP_PARSER_ERRNO(&parser);
  if (state_ == State::Failed) return consumed;
  if (error == HPE_PAUSED) return consumed;
  if (error != HPE_OK) {
    fail(error == HPE_HEADER_OVERFLOW ? 431 : 400, http_errno_description(error));
    return consumed;
  }
  // After an upgrade the parser returns at the end of the head by itself.
  if (parser.upgrade && state_ != State::Complete) {
    request_.upgrade = true;
    state_ = State::Complete;
  }
  return consumed;
}

void HttpRequestParser::finish() {
  if (started_ && state_ != State::Complete && state_ != State::Failed)
    fail(400, "the connection closed in the middle of a request");
}

ParsedRequest HttpRequestParser::take() {
  ParsedRequest taken = std::move(request_);
  reset();
  return taken;
}

void HttpRequestParser::reset() {
  request_ = ParsedRequest{};
  inHeaderValue_ = false;
  started_ = false;
  headBytes_ = 0;
  state_ = State::NeedMore;
  auto& parser = native_->parser;
  if (parser.upgrade) {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
  } else {
    http_parser_pause(&parser, 0);
  }
}

bool HttpRequestParser::countHeadBytes(std::size_t bytes) {
  headBytes_ += bytes;
  return headBytes_ <= limits_.maxHeadBytes;
}

int HttpRequestParser::fail(int status, std::string reason) {
  state_ = State::Failed;
  errorStatus_ = status;
  errorReason_ = std::move(reason);
  return -1; // not 1: from on_headers_complete, 1 means "no body", not "stop"
}

} // namespace orch::host
