#include "FakeLlmServer.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timespan.h>

#include <algorithm>
#include <ctime>
#include <functional>
#include <ostream>
#include <string_view>
#include <utility>

namespace orch::test {
namespace {

using Json = nlohmann::ordered_json; // keeps the providers' field order, easier to read in a failure
using Reply = FakeLlmServer::Reply;
using Received = FakeLlmServer::Received;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using Serve = std::function<void(HTTPServerRequest&, HTTPServerResponse&)>;

constexpr int kMaxThreads = 256; // one per open connection: a benchmark's keep-alive pool must not queue

class Handler : public Poco::Net::HTTPRequestHandler {
public:
  explicit Handler(const Serve& serve) : serve_(serve) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    try {
      serve_(request, response);
    } catch (const std::exception& error) {
      // Poco answers only its own exceptions; anything else would just drop the connection.
      if (response.sent()) return;
      response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
      response.setContentType("text/plain");
      response.send() << "FakeLlmServer failed: " << error.what();
    }
  }

private:
  const Serve& serve_; // lives in the factory, which the server keeps while connections run
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
public:
  explicit Factory(Serve serve) : serve_(std::move(serve)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override { return new Handler(serve_); }

private:
  Serve serve_;
};

std::string dump(const Json& value) {
  // A test may script arbitrary bytes as text; replacing bad UTF-8 beats a throw mid-stream.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

bool isTrue(const nlohmann::json& object, const char* key) {
  auto it = object.find(key); // end() for a non-object too
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::string protocolOf(const std::string& path) {
  if (contains(path, ":generateContent") || contains(path, ":streamGenerateContent")) return "google";
  if (endsWith(path, "/chat/completions")) return "openai";
  if (endsWith(path, "/messages")) return "anthropic";
  return "";
}

/// "<model>" from ".../models/<model>:generateContent".
std::string googleModel(const std::string& path) {
  auto colon = path.rfind(':');
  if (colon == std::string::npos) return "";
  auto start = path.rfind("models/", colon);
  if (start == std::string::npos) return "";
  start += 7;
  return path.substr(start, colon - start);
}

void setStatus(HTTPServerResponse& response, int status) {
  auto code = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status);
  std::string reason = Poco::Net::HTTPResponse::getReasonForStatus(code);
  if (status == 529) reason = "Overloaded"; // Anthropic's own status; Poco would say "???"
  response.setStatusAndReason(code, reason);
}

void sendBody(HTTPServerResponse& response, int status, const std::string& contentType, const std::string& body,
              const std::map<std::string, std::string>& headers) {
  setStatus(response, status);
  response.setContentType(contentType);
  for (const auto& [name, value] : headers) response.set(name, value); // after the defaults: a script may override them
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.sendBuffer(body.data(), body.size());
}

Json errorBody(const std::string& protocol, int status, const std::string& message) {
  if (protocol == "anthropic") {
    const char* type = status == 429   ? "rate_limit_error"
                       : status == 529 ? "overloaded_error"
                       : status >= 500 ? "api_error"
                                       : "invalid_request_error";
    return {{"type", "error"}, {"error", {{"type", type}, {"message", message}}}};
  }
  if (protocol == "google") {
    const char* code = status == 429   ? "RESOURCE_EXHAUSTED"
                       : status == 503 ? "UNAVAILABLE"
                       : status >= 500 ? "INTERNAL"
                                       : "INVALID_ARGUMENT";
    return {{"error", {{"code", status}, {"message", message}, {"status", code}}}};
  }
  const char* type = status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}}}};
}

std::vector<std::string> deltasOf(const Reply& reply) {
  std::vector<std::string> deltas = reply.streamChunks;
  if (deltas.empty()) {
    std::string piece;
    for (char c : reply.text) {
      piece += c;
      if (c == ' ') deltas.push_back(std::move(piece)), piece.clear();
    }
    if (!piece.empty()) deltas.push_back(std::move(piece));
  }
  if (deltas.empty()) deltas.emplace_back(); // an empty answer still streams one delta (OpenAI's carries the role)
  return deltas;
}

/// A call's arguments as JSON text cut in two, as providers stream them.
std::pair<std::string, std::string> halves(const Json& arguments) {
  auto text = dump(arguments);
  return {text.substr(0, text.size() / 2), text.substr(text.size() / 2)};
}

/// How many deltas go out before the end events (or the drop).
std::size_t deltasToSend(const Reply& reply, std::size_t all) {
  return reply.dropAfterChunks >= 0 ? std::min(all, static_cast<std::size_t>(reply.dropAfterChunks)) : all;
}

/// A chunked response whose every event reaches the client at once.
class Stream {
public:
  Stream(HTTPServerRequest& request, HTTPServerResponse& response, const Reply& reply, const std::string& contentType)
      : request_(request) {
    setStatus(response, 200);
    response.setChunkedTransferEncoding(true);
    response.setContentType(contentType);
    response.set("Cache-Control", "no-cache");
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    out_ = &response.send();
  }

  /// False when the client is gone (Poco's streams set badbit, they do not throw).
  bool write(const std::string& data) {
    *out_ << data;
    out_->flush();
    return out_->good();
  }
  bool data(const Json& value) { return write("data: " + dump(value) + "\n\n"); }
  bool event(const std::string& type, const Json& value) {
    return write("event: " + type + "\ndata: " + dump(value) + "\n\n");
  }

  /// Ends the connection mid-body. Just throwing or returning is not enough:
  /// Poco writes the terminating zero-length chunk when the response is
  /// destroyed, and the broken stream would look complete. Taking the socket
  /// away from the session makes that write fail (quietly, and the session
  /// then serves no further request), and shutting it down sends the FIN.
  void drop() {
    out_->flush();
    if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request_)) {
      try {
        impl->detachSocket().shutdown();
      } catch (const Poco::Exception&) {
        // already gone: the client sees the end it was meant to see
      }
    }
  }

private:
  HTTPServerRequest& request_;
  std::ostream* out_ = nullptr;
};

void answerOpenAi(const Received& in, const Reply& reply, const std::string& id, HTTPServerRequest& request,
                  HTTPServerResponse& response) {
  const auto created = static_cast<long long>(std::time(nullptr));
  const Json usage = {{"prompt_tokens", reply.promptTokens},
                      {"completion_tokens", reply.completionTokens},
                      {"total_tokens", reply.promptTokens + reply.completionTokens}};
  if (!in.stream) {
    Json message = {{"role", "assistant"}, {"content", reply.text}};
    if (!reply.toolCalls.empty()) {
      if (reply.text.empty()) message["content"] = nullptr;
      message["tool_calls"] = Json::array();
      for (const auto& call : reply.toolCalls)
        message["tool_calls"].push_back({{"id", call.id}, {"type", "function"},
                                         {"function", {{"name", call.name}, {"arguments", dump(call.arguments)}}}});
    }
    Json body = {{"id", id},
                 {"object", "chat.completion"},
                 {"created", created},
                 {"model", in.model},
                 {"choices", Json::array({Json{{"index", 0},
                                               {"message", std::move(message)},
                                               {"finish_reason", reply.toolCalls.empty() ? "stop" : "tool_calls"}}})}};
    if (reply.includeUsage) body["usage"] = usage;
    sendBody(response, 200, "application/json", dump(body), reply.headers);
    return;
  }

  auto chunk = [&](Json choices) {
    return Json{{"id", id},
                {"object", "chat.completion.chunk"},
                {"created", created},
                {"model", in.model},
                {"choices", std::move(choices)}};
  };
  auto choice = [](Json delta, Json finishReason) {
    return Json::array({Json{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finishReason)}}});
  };
  Stream stream(request, response, reply, "text/event-stream");
  const auto deltas = deltasOf(reply);
  const auto count = deltasToSend(reply, deltas.size());
  for (std::size_t i = 0; i < count; ++i) {
    Json delta = Json::object();
    if (i == 0) delta["role"] = "assistant";
    delta["content"] = deltas[i];
    if (!stream.data(chunk(choice(std::move(delta), nullptr)))) return;
  }
  if (reply.dropAfterChunks >= 0) return stream.drop();
  for (std::size_t c = 0; c < reply.toolCalls.size(); ++c) {
    const auto& call = reply.toolCalls[c];
    auto [first, second] = halves(call.arguments);
    Json opening = {{"index", c}, {"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", first}}}};
    if (!stream.data(chunk(choice({{"tool_calls", Json::array({opening})}}, nullptr)))) return;
    Json rest = {{"index", c}, {"function", {{"arguments", second}}}};
    if (!stream.data(chunk(choice({{"tool_calls", Json::array({rest})}}, nullptr)))) return;
  }
  if (!stream.data(chunk(choice(Json::object(), reply.toolCalls.empty() ? "stop" : "tool_calls")))) return;
  // OpenAI sends usage in a stream only when asked to.
  auto options = in.body.find("stream_options");
  if (reply.includeUsage && options != in.body.end() && isTrue(*options, "include_usage")) {
    Json last = chunk(Json::array());
    last["usage"] = usage;
    if (!stream.data(last)) return;
  }
  stream.write("data: [DONE]\n\n");
}

void answerAnthropic(const Received& in, const Reply& reply, const std::string& id, HTTPServerRequest& request,
                     HTTPServerResponse& response) {
  if (!in.stream) {
    Json body = {{"id", id},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", in.model},
                 {"content", Json::array({Json{{"type", "text"}, {"text", reply.text}}})},
                 {"stop_reason", reply.toolCalls.empty() ? "end_turn" : "tool_use"},
                 {"stop_sequence", nullptr}};
    for (const auto& call : reply.toolCalls)
      body["content"].push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", call.arguments}});
    if (reply.includeUsage)
      body["usage"] = {{"input_tokens", reply.promptTokens}, {"output_tokens", reply.completionTokens}};
    sendBody(response, 200, "application/json", dump(body), reply.headers);
    return;
  }

  Stream stream(request, response, reply, "text/event-stream");
  Json message = {{"id", id},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", in.model},
                  {"content", Json::array()},
                  {"stop_reason", nullptr},
                  {"stop_sequence", nullptr}};
  if (reply.includeUsage) message["usage"] = {{"input_tokens", reply.promptTokens}, {"output_tokens", 1}};
  if (!stream.event("message_start", {{"type", "message_start"}, {"message", std::move(message)}})) return;
  if (!stream.event("content_block_start", {{"type", "content_block_start"},
                                            {"index", 0},
                                            {"content_block", {{"type", "text"}, {"text", ""}}}}))
    return;
  if (!stream.event("ping", {{"type", "ping"}})) return;
  const auto deltas = deltasOf(reply);
  const auto count = deltasToSend(reply, deltas.size());
  for (std::size_t i = 0; i < count; ++i) {
    Json event = {{"type", "content_block_delta"},
                  {"index", 0},
                  {"delta", {{"type", "text_delta"}, {"text", deltas[i]}}}};
    if (!stream.event("content_block_delta", event)) return;
  }
  if (reply.dropAfterChunks >= 0) return stream.drop();
  if (!stream.event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}})) return;
  for (std::size_t c = 0; c < reply.toolCalls.size(); ++c) {
    const auto& call = reply.toolCalls[c];
    auto index = static_cast<int>(c) + 1;
    if (!stream.event("content_block_start",
                      {{"type", "content_block_start"}, {"index", index},
                       {"content_block", {{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", Json::object()}}}}))
      return;
    auto [first, second] = halves(call.arguments);
    for (const auto& piece : {first, second})
      if (!stream.event("content_block_delta", {{"type", "content_block_delta"}, {"index", index},
                                                {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}}))
        return;
    if (!stream.event("content_block_stop", {{"type", "content_block_stop"}, {"index", index}})) return;
  }
  Json end = {{"type", "message_delta"},
              {"delta", {{"stop_reason", reply.toolCalls.empty() ? "end_turn" : "tool_use"}, {"stop_sequence", nullptr}}}};
  if (reply.includeUsage) end["usage"] = {{"output_tokens", reply.completionTokens}};
  if (!stream.event("message_delta", end)) return;
  stream.event("message_stop", {{"type", "message_stop"}});
}

void answerGoogle(const Received& in, const Reply& reply, HTTPServerRequest& request, HTTPServerResponse& response) {
  auto answer = [&](const std::string& text, bool finished, long long candidatesTokens) {
    Json parts = Json::array({Json{{"text", text}}});
    // The calls come whole with the last piece.
    if (finished)
      for (const auto& call : reply.toolCalls) parts.push_back({{"functionCall", {{"name", call.name}, {"args", call.arguments}}}});
    Json candidate = {{"content", {{"parts", std::move(parts)}, {"role", "model"}}}};
    if (finished) candidate["finishReason"] = "STOP";
    candidate["index"] = 0;
    Json body = {{"candidates", Json::array({std::move(candidate)})}};
    if (reply.includeUsage)
      body["usageMetadata"] = {{"promptTokenCount", reply.promptTokens},
                               {"candidatesTokenCount", candidatesTokens},
                               {"totalTokenCount", reply.promptTokens + candidatesTokens}};
    body["modelVersion"] = in.model;
    return body;
  };
  if (!in.stream) {
    sendBody(response, 200, "application/json", dump(answer(reply.text, true, reply.completionTokens)),
             reply.headers);
    return;
  }

  // Without alt=sse Gemini streams one JSON array, its elements written as they come.
  const bool sse = contains(in.path, "alt=sse");
  Stream stream(request, response, reply, sse ? "text/event-stream" : "application/json");
  const auto deltas = deltasOf(reply);
  const auto count = deltasToSend(reply, deltas.size());
  const bool dropping = reply.dropAfterChunks >= 0;
  for (std::size_t i = 0; i < count; ++i) {
    // Gemini has no separate end event: the last delta carries the finish reason and the final counts.
    const bool last = i + 1 == deltas.size() && !dropping;
    const long long running =
        last ? reply.completionTokens
             : static_cast<long long>(reply.completionTokens) * static_cast<long long>(i + 1) /
                   static_cast<long long>(deltas.size());
    const std::string json = dump(answer(deltas[i], last, running));
    if (!stream.write(sse ? "data: " + json + "\n\n" : (i == 0 ? "[" : ",\r\n") + json)) return;
  }
  if (dropping) return stream.drop();
  if (!sse) stream.write("]");
}

} // namespace

FakeLlmServer::FakeLlmServer() { start(nullptr); }

FakeLlmServer::FakeLlmServer(const Tls& tls) { start(&tls); }

void FakeLlmServer::start(const Tls* tls) {
  Poco::Net::ServerSocket socket;
  if (tls) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tls->privateKeyFile,
                                                             tls->certificateFile, "", Poco::Net::Context::VERIFY_NONE);
    socket = Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 256, context);
    secure_ = true;
  } else {
    socket = Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 256);
  }
  port_ = socket.address().port();
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setMaxQueued(256);
  params->setMaxThreads(kMaxThreads);
  // On stop Poco wakes only one idle connection thread; the others notice
  // after this idle time (10 s by default), which the destructor waits for.
  params->setThreadIdleTime(Poco::Timespan(0, 200 * 1000));
  pool_ = std::make_unique<Poco::ThreadPool>("FakeLlmServer", 16, kMaxThreads);
  server_ = std::make_unique<Poco::Net::HTTPServer>(
      new Factory([this](HTTPServerRequest& request, HTTPServerResponse& response) { serve(request, response); }),
      *pool_, socket, params);
  server_->start();
}

FakeLlmServer::~FakeLlmServer() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  stopping_.notify_all();
  // abortCurrent: shuts the open connections down, else a keep-alive one
  // holds its thread for the keep-alive timeout, and a delayed one for its delay.
  server_->stopAll(true);
  pool_->joinAll(); // no handler may touch this object once it is gone
}

int FakeLlmServer::port() const { return port_; }

std::string FakeLlmServer::baseUrl() const {
  return (secure_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_);
}

std::string FakeLlmServer::hostConfig() const {
  return "ai.providers = openai\nai.providers.openai.base_url = " + baseUrl() + "/v1\nai.providers.openai.api_key = sk-test\n";
}

void FakeLlmServer::setDefaultReply(Reply reply) {
  std::lock_guard lock(mutex_);
  defaultReply_ = std::move(reply);
}

void FakeLlmServer::setReplyForModel(const std::string& model, Reply reply) {
  std::lock_guard lock(mutex_);
  modelReplies_[model] = std::move(reply);
}

void FakeLlmServer::queueReply(Reply reply) {
  std::lock_guard lock(mutex_);
  queued_.push_back(std::move(reply));
}

std::vector<FakeLlmServer::Received> FakeLlmServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t FakeLlmServer::requestCount() const {
  std::lock_guard lock(mutex_);
  return received_.size();
}

void FakeLlmServer::clear() {
  std::lock_guard lock(mutex_);
  received_.clear();
  queued_.clear();
  modelReplies_.clear();
}

void FakeLlmServer::setReplier(std::function<std::optional<Reply>(const Received&)> replier) {
  std::lock_guard lock(mutex_);
  replier_ = std::move(replier);
}

FakeLlmServer::Reply FakeLlmServer::replyFor(const Received& request) {
  std::lock_guard lock(mutex_);
  if (!queued_.empty()) {
    Reply reply = std::move(queued_.front());
    queued_.pop_front();
    return reply;
  }
  if (replier_)
    if (auto decided = replier_(request)) return *decided;
  if (auto it = modelReplies_.find(request.model); it != modelReplies_.end()) return it->second;
  return defaultReply_;
}

bool FakeLlmServer::waitOrStop(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return false;
  std::unique_lock lock(mutex_);
  return stopping_.wait_for(lock, delay, [this] { return stopped_; });
}

void FakeLlmServer::serve(HTTPServerRequest& request, HTTPServerResponse& response) {
  std::string text;
  Poco::StreamCopier::copyToString(request.stream(), text); // all of it, or keep-alive would read the rest as a request

  Received in;
  in.path = request.getURI();
  const std::string path = in.path.substr(0, in.path.find('?'));
  in.protocol = protocolOf(path);
  for (const auto& [name, value] : request) {
    auto& slot = in.headers[Poco::toLower(name)];
    slot = slot.empty() ? value : slot + ", " + value;
  }
  in.body = nlohmann::json::parse(text, nullptr, false);
  const bool isJson = !in.body.is_discarded();
  if (!isJson) in.body = nullptr;
  if (in.protocol == "google") {
    in.model = googleModel(path);
    in.stream = contains(path, ":streamGenerateContent");
  } else {
    auto model = in.body.find("model");
    if (model != in.body.end() && model->is_string()) in.model = model->get<std::string>();
    in.stream = isTrue(in.body, "stream");
  }
  std::string id;
  {
    std::lock_guard lock(mutex_);
    received_.push_back(in);
    id = std::to_string(++nextId_);
  }

  // Neither uses up a scripted reply: those are meant for well-formed requests.
  if (in.protocol.empty())
    return sendBody(response, 404, "application/json", dump(errorBody("", 404, "FakeLlmServer has no API at " + path)),
                    {});
  if (!isJson)
    return sendBody(response, 400, "application/json",
                    dump(errorBody(in.protocol, 400, "the request body is not JSON")), {});

  const Reply reply = replyFor(in);
  if (waitOrStop(reply.delay)) return; // stopping: the connection is closed unanswered
  if (!reply.rawBody.empty()) {
    const bool events = in.stream && reply.status == 200 && (in.protocol != "google" || contains(in.path, "alt=sse"));
    return sendBody(response, reply.status, events ? "text/event-stream" : "application/json", reply.rawBody,
                    reply.headers);
  }
  if (reply.status != 200)
    return sendBody(response, reply.status, "application/json", dump(errorBody(in.protocol, reply.status, reply.text)),
                    reply.headers);
  if (in.protocol == "openai") return answerOpenAi(in, reply, "chatcmpl-fake" + id, request, response);
  if (in.protocol == "anthropic") return answerAnthropic(in, reply, "msg_fake" + id, request, response);
  answerGoogle(in, reply, request, response);
}

} // namespace orch::test
