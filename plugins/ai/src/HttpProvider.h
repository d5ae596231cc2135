#pragma once

#include "HttpTransport.h"
#include "ProviderClient.h"

#include <nlohmann/json.hpp>

namespace ai {

/// What every HTTP provider shares: the transport, status codes to error
/// kinds, Server-Sent Events, and keeping what a broken stream delivered.
/// A subclass supplies only its wire format.
class HttpProvider : public ProviderClient {
public:
  explicit HttpProvider(ProviderSettings settings);
  ProviderReply complete(const ProviderCall& call, const DeltaSink* onDelta) override;

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
  };

  virtual WireRequest wireRequest(const ProviderCall& call, bool stream) const = 0;
  /// A non-streamed answer; throws ProviderError(Malformed) when it lacks what it must have.
  virtual ProviderReply parseReply(const nlohmann::json& body) const = 0;
  /// One stream event (`event` is empty when the provider sends none); appends any new text to `delta`.
  virtual void onEvent(const std::string& event, const nlohmann::json& data, StreamState& state,
                       std::string& delta) const = 0;

  /// The message inside a provider's error body, whichever of the usual shapes it has.
  static std::string errorMessage(const std::string& body);
  [[noreturn]] static void malformed(const std::string& what);

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
