#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ai {

/// A function the model asked to call: its id (made up where the protocol
/// has none, as Gemini's), name and arguments (a JSON object).
struct ToolCall {
  std::string id, name;
  nlohmann::json arguments = nlohmann::json::object();
};

/// One chat message: role "user", "assistant" (with the tool calls it made)
/// or "tool" (the result of one call, `content` as text).
struct Message {
  std::string role, content;
  std::vector<ToolCall> toolCalls; ///< assistant only
  std::string toolCallId, toolName; ///< tool only: which call this answers
};

/// A function the model may call: a JSON Schema of its arguments.
struct Tool {
  std::string name, description;
  nlohmann::json parameters = nlohmann::json::object();
};

/// One call to one model, in the gateway's terms; each provider turns it into its own wire format.
struct ProviderCall {
  std::string model;
  std::string system;
  std::vector<Message> messages; ///< user, assistant and tool turns, oldest first
  std::vector<Tool> tools;
  std::string toolChoice;        ///< "auto" (or empty), "none" or "required"
  std::int64_t maxTokens = 1024;
  std::optional<double> temperature;
  std::chrono::milliseconds timeout{30000};
};

/// Token counts as the provider reported them (reported = false: nothing was reported).
struct Usage {
  std::int64_t promptTokens = 0, completionTokens = 0;
  bool reported = false;
};

/// A finished answer.
struct ProviderReply {
  std::string text;
  std::vector<ToolCall> toolCalls; ///< the model's requests, in order; empty when it answered
  Usage usage;
  std::string finishReason;
};

/// Receives each piece of a streamed answer as it arrives; returns false to stop (the client went away).
using DeltaSink = std::function<bool(std::string_view text)>;

/// Why a provider call failed. `partialText` and `usage` keep what a stream
/// delivered before it broke, so even a broken stream is billed what it cost.
class ProviderError : public std::runtime_error {
public:
  enum class Kind { Timeout, Connection, RateLimited, ServerError, Refused, Malformed, Interrupted, ClientGone };

  ProviderError(Kind kind, std::string message, int httpStatus = 0,
                std::optional<std::chrono::milliseconds> retryAfter = std::nullopt)
      : std::runtime_error(std::move(message)), kind(kind), httpStatus(httpStatus), retryAfter(retryAfter) {}

  Kind kind;
  int httpStatus;
  std::optional<std::chrono::milliseconds> retryAfter; ///< from a 429's Retry-After
  std::string partialText;
  Usage usage;

  /// "timeout", "rate_limited", ... for answers and records.
  std::string kindName() const;
};

/// Where a provider is and how to reach it: ai.providers.<name>.*.
struct ProviderSettings {
  std::string name;    ///< as the catalog's "provider" names it
  std::string type;    ///< "openai", "anthropic", "google"
  std::string baseUrl; ///< the type's public endpoint unless configured
  std::string apiKey;  ///< empty: not configured
  std::chrono::milliseconds timeout{30000};
  std::string caFile;  ///< extra trusted CA certificates (PEM) for HTTPS, or empty

  bool configured() const { return !apiKey.empty(); }
};

/// A provider's HTTP client for one wire protocol. Thread safe.
class ProviderClient {
public:
  virtual ~ProviderClient() = default;
  /// Calls the model; streams through `onDelta` when it is not null. Throws ProviderError.
  virtual ProviderReply complete(const ProviderCall& call, const DeltaSink* onDelta) = 0;
};

/// The default base URL of a provider type, or empty for an unknown type.
std::string defaultBaseUrl(const std::string& type);
/// A client for settings.type; throws std::invalid_argument for an unknown type or a bad URL.
std::unique_ptr<ProviderClient> makeProviderClient(const ProviderSettings& settings);

} // namespace ai
