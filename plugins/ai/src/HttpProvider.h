#pragma once

#include "HttpTransport.h"
#include "ProviderClient.h"

#include <nlohmann/json.hpp>

#include <map>

namespace ai {

/// What every HTTP provider shares: the transport, status codes to error
/// kinds, Server-Sent Events, and keeping what a broken stream delivered.
/// A subclass supplies only its wire format.
class HttpProvider : public ProviderClient {
public:
  explicit HttpProvider(ProviderSettings settings);
  ProviderReply complete(const ProviderCall& call, const DeltaSink* onDelta) override;
  /// Throws ProviderError(Malformed): an answer lacks what it must have.
  [[noreturn]] static void malformed(const std::string& what);

protected:
  /// A request in the provider's own format.
  struct WireRequest {
    std::string path; ///< after the base URL
    HttpTransport::Headers headers;
    nlohmann::json body;
  };
  /// A stream's progress: what arrived so far, and whether the provider ended it properly.
  struct StreamState {
    ProviderReply reply;
    bool finished = false;
    /// Tool calls as their pieces arrive, by the protocol's index; they
    /// become reply.toolCalls when the stream has ended.
    struct PartialCall {
      std::string id, name, arguments; ///< arguments: JSON text, perhaps split across events
    };
    std::map<int, PartialCall> partialCalls;
  };

  virtual WireRequest wireRequest(const ProviderCall& call, bool stream) const = 0;
  /// A non-streamed answer; throws ProviderError(Malformed) when it lacks what it must have.
  virtual ProviderReply parseReply(const nlohmann::json& body) const = 0;
  /// One stream event (`event` is empty when the provider sends none); appends any new text to `delta`.
  virtual void onEvent(const std::string& event, const nlohmann::json& data, StreamState& state,
                       std::string& delta) const = 0;

  /// Arguments as a provider sent them, text or object; throws Malformed when not a JSON object.
  static nlohmann::json callArguments(const nlohmann::json& arguments);
  /// A tool's parameter schema without what providers refuse (the "x-"
  /// annotations of step-type schemas; for Gemini also what its schema subset lacks).
  static nlohmann::json toolSchema(const nlohmann::json& schema, bool strict);

  /// The message inside a provider's error body, whichever of the usual shapes it has.
  static std::string errorMessage(const std::string& body);

  ProviderSettings settings_;
  HttpTransport transport_;
};

/// OpenAI chat completions, and every server that speaks it (vLLM, llama.cpp, Ollama).
class OpenAiProvider : public HttpProvider {
public:
  using HttpProvider::HttpProvider;

protected:
  WireRequest wireRequest(const ProviderCall& call, bool stream) const override;
  ProviderReply parseReply(const nlohmann::json& body) const override;
  void onEvent(const std::string& event, const nlohmann::json& data, StreamState& state, std::string& delta) const override;
};

/// Anthropic's Messages API.
class AnthropicProvider : public HttpProvider {
public:
  using HttpProvider::HttpProvider;

protected:
  WireRequest wireRequest(const ProviderCall& call, bool stream) const override;
  ProviderReply parseReply(const nlohmann::json& body) const override;
  void onEvent(const std::string& event, const nlohmann::json& data, StreamState& state, std::string& delta) const override;
};

/// Google's Gemini generateContent and streamGenerateContent.
class GoogleProvider : public HttpProvider {
public:
  using HttpProvider::HttpProvider;

protected:
  WireRequest wireRequest(const ProviderCall& call, bool stream) const override;
  ProviderReply parseReply(const nlohmann::json& body) const override;
  void onEvent(const std::string& event, const nlohmann::json& data, StreamState& state, std::string& delta) const override;
};

} // namespace ai
