#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class HTTPServerRequest;
class HTTPServerResponse;
} // namespace Net
} // namespace Poco

namespace orch::test {

/// An LLM provider on a free loopback port that speaks the real wire formats
/// of OpenAI chat completions, Anthropic Messages and Google Gemini (routed
/// by the path's end, so any base URL prefix works), with scripted answers,
/// errors, hangs and broken streams, so the gateway is tested and
/// benchmarked without a network or an API key.
class FakeLlmServer {
public:
  /// A function call the scripted model makes.
  struct ToolCall {
    std::string id;   ///< sent as the protocol's id (Gemini's functionCall carries none)
    std::string name;
    nlohmann::json arguments = nlohmann::json::object();
  };
  /// What one request is answered with.
  struct Reply {
    int status = 200;                         ///< not 200: an error body in the protocol's own error format
    std::string text = "Hello from the fake model"; ///< the answer; with an error status, the error's message
    int promptTokens = 12, completionTokens = 7;
    bool includeUsage = true;                 ///< false: no usage fields anywhere (also not in streams)
    std::map<std::string, std::string> headers; ///< extra response headers, e.g. {"Retry-After","1"}
    std::string rawBody;                      ///< non-empty: sent verbatim with status (malformed answers), also for stream requests
    std::chrono::milliseconds delay{0};       ///< wait before answering (a hang: a long delay)
    std::vector<std::string> streamChunks;    ///< deltas for a streamed answer; empty: `text` split after each space
    int dropAfterChunks = -1;                 ///< >= 0: close the connection after that many stream deltas, without the end events
    /// Calls the model makes, after `text` (often empty), with the protocol's
    /// finish reason for them; streams send each call's arguments in two pieces.
    std::vector<ToolCall> toolCalls;
  };
  /// One request as it arrived.
  struct Received {
    std::string protocol; ///< "openai", "anthropic" or "google"; "" for an unknown path (answered 404)
    std::string path;     ///< with query
    std::string model;    ///< from the body (openai, anthropic) or the path (google)
    nlohmann::json body;  ///< null when the body was not JSON (answered 400)
    std::map<std::string, std::string> headers; ///< names in lower case
    bool stream = false;
  };

  /// Certificate and key (PEM files) for a server that speaks HTTPS.
  struct Tls {
    std::string certificateFile, privateKeyFile;
  };

  FakeLlmServer();
  /// The same over HTTPS, with the given certificate.
  explicit FakeLlmServer(const Tls& tls);
  /// Returns within about a quarter second even while requests hang in a
  /// long `delay`: those are woken and their connections closed.
  ~FakeLlmServer();
  FakeLlmServer(const FakeLlmServer&) = delete;
  FakeLlmServer& operator=(const FakeLlmServer&) = delete;

  int port() const;
  std::string baseUrl() const;               ///< "http://127.0.0.1:<port>" (https with TLS)
  /// Host configuration that makes this server the `ai` plugin's one
  /// provider, `openai` (base_url and an API key).
  std::string hostConfig() const;
  void setDefaultReply(Reply reply);         ///< for every request nothing more specific answers
  void setReplyForModel(const std::string& model, Reply reply); ///< every request for that model
  void queueReply(Reply reply);              ///< answers exactly one later request, first in first out, before the others
  /// Decides from the request itself (a conversation's turn, say), after the
  /// queue and before the per-model and default replies; nullopt passes on.
  void setReplier(std::function<std::optional<Reply>(const Received&)> replier);
  /// Every request so far, in arrival order, errors and unknown paths included.
  std::vector<Received> received() const;
  std::size_t requestCount() const;
  void clear(); ///< forgets received requests, queued and per-model replies

private:
  void start(const Tls* tls);
  void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  /// Queued, then per-model, then default; a queued reply is used up.
  Reply replyFor(const Received& request);
  /// Sleeps without holding the lock; true when the server stops meanwhile.
  bool waitOrStop(std::chrono::milliseconds delay);

  mutable std::mutex mutex_;
  std::condition_variable stopping_;
  bool stopped_ = false;
  Reply defaultReply_;
  std::map<std::string, Reply> modelReplies_;
  std::deque<Reply> queued_;
  std::function<std::optional<Reply>(const Received&)> replier_;
  std::vector<Received> received_;
  unsigned long nextId_ = 0;
  int port_ = 0;
  bool secure_ = false;
  // The pool outlives the server that runs connections on it.
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

} // namespace orch::test
