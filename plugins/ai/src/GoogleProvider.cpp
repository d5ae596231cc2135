#include "HttpProvider.h"

namespace ai {
namespace {

using json = nlohmann::json;

/// Appends the answer's text (not the model's thoughts) and notes the finish reason.
void readCandidate(const json& body, ProviderReply& reply, bool& finished) {
  auto candidates = body.find("candidates");
  if (candidates == body.end() || !candidates->is_array() || candidates->empty()) return;
  const auto& candidate = (*candidates)[0];
  const auto& parts = candidate.value("content", json::object()).value("parts", json::array());
  for (const auto& part : parts)
    if (part.is_object() && part.contains("text") && part["text"].is_string() && !part.value("thought", false))
      reply.text += part["text"].get<std::string>();
  if (candidate.contains("finishReason") && candidate["finishReason"].is_string()) {
    reply.finishReason = candidate["finishReason"];
    finished = true;
  }
}

void readUsage(const json& body, Usage& usage) {
  auto metadata = body.find("usageMetadata");
  if (metadata == body.end() || !metadata->is_object()) return;
  usage.promptTokens = metadata->value("promptTokenCount", std::int64_t{0});
  // Thinking tokens are billed as output.
  usage.completionTokens = metadata->value("candidatesTokenCount", std::int64_t{0}) +
                           metadata->value("thoughtsTokenCount", std::int64_t{0});
  usage.reported = true;
}

} // namespace

HttpProvider::WireRequest GoogleProvider::wireRequest(const ProviderCall& call, bool stream) const {
  json contents = json::array();
  for (const auto& message : call.messages)
    contents.push_back({{"role", message.role == "assistant" ? "model" : "user"},
                        {"parts", json::array({{{"text", message.content}}})}});
  json generation = {{"maxOutputTokens", call.maxTokens}};
  if (call.temperature) generation["temperature"] = *call.temperature;
  json body = {{"contents", std::move(contents)}, {"generationConfig", std::move(generation)}};
  if (!call.system.empty()) body["systemInstruction"] = {{"parts", json::array({{{"text", call.system}}})}};
  auto path = "/v1beta/models/" + call.model + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  return {std::move(path), {{"x-goog-api-key", settings_.apiKey}}, std::move(body)};
}

ProviderReply GoogleProvider::parseReply(const json& body) const {
  ProviderReply reply;
  bool finished = false;
  if (!body.contains("candidates") || !body["candidates"].is_array() || body["candidates"].empty()) {
    auto blocked = body.value("promptFeedback", json::object()).value("blockReason", std::string());
    if (!blocked.empty()) throw ProviderError(ProviderError::Kind::Refused, "the prompt was blocked: " + blocked);
    malformed("no candidates");
  }
  readCandidate(body, reply, finished);
  readUsage(body, reply.usage);
  return reply;
}

void GoogleProvider::onEvent(const std::string&, const json& data, StreamState& state, std::string& delta) const {
  if (data.contains("error"))
    throw ProviderError(ProviderError::Kind::ServerError, "stream error: " + errorMessage(data.dump()));
  ProviderReply piece;
  readCandidate(data, piece, state.finished);
  if (!piece.finishReason.empty()) state.reply.finishReason = piece.finishReason;
  delta += piece.text;
  // Each chunk carries the running totals: the last one seen is the answer's.
  readUsage(data, state.reply.usage);
}

} // namespace ai
