#include "HttpProvider.h"

namespace ai {
namespace {

using json = nlohmann::json;

/// Appends the answer's text (not the model's thoughts) and its function
/// calls (Gemini gives them no id: one is made from their position), and
/// notes the finish reason.
void readCandidate(const json& body, ProviderReply& reply, bool& finished) {
  auto candidates = body.find("candidates");
  if (candidates == body.end() || !candidates->is_array() || candidates->empty()) return;
  const auto& candidate = (*candidates)[0];
  const auto& parts = candidate.value("content", json::object()).value("parts", json::array());
  for (const auto& part : parts) {
    if (!part.is_object()) continue;
    if (part.contains("text") && part["text"].is_string() && !part.value("thought", false))
      reply.text += part["text"].get<std::string>();
    if (part.contains("functionCall") && part["functionCall"].is_object()) {
      const auto& call = part["functionCall"];
      if (!call.contains("name") || !call["name"].is_string()) HttpProvider::malformed("a functionCall has no name");
      auto id = call.value("id", std::string());
      reply.toolCalls.push_back({id.empty() ? "call_" + std::to_string(reply.toolCalls.size()) : id,
                                 call["name"].get<std::string>(), call.value("args", json::object())});
      if (!reply.toolCalls.back().arguments.is_object()) HttpProvider::malformed("a functionCall's args are not an object");
    }
  }
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

/// Contents in Gemini's shape: calls as functionCall parts of a model turn,
/// their results as functionResponse parts of one user turn.
json wireContents(const std::vector<Message>& messages) {
  json contents = json::array();
  for (const auto& message : messages) {
    if (message.role == "tool") {
      auto response = json::parse(message.content, nullptr, false);
      if (!response.is_object()) response = {{"result", message.content}};
      json part = {{"functionResponse", {{"name", message.toolName}, {"response", std::move(response)}}}};
      if (!contents.empty() && contents.back()["role"] == "user" && contents.back()["parts"].back().contains("functionResponse"))
        contents.back()["parts"].push_back(std::move(part));
      else
        contents.push_back({{"role", "user"}, {"parts", json::array({std::move(part)})}});
      continue;
    }
    json parts = json::array();
    if (!message.content.empty() || message.toolCalls.empty()) parts.push_back({{"text", message.content}});
    for (const auto& call : message.toolCalls)
      parts.push_back({{"functionCall", {{"name", call.name}, {"args", call.arguments}}}});
    contents.push_back({{"role", message.role == "assistant" ? "model" : "user"}, {"parts", std::move(parts)}});
  }
  return contents;
}

} // namespace

HttpProvider::WireRequest GoogleProvider::wireRequest(const ProviderCall& call, bool stream) const {
  json contents = wireContents(call.messages);
  json generation = {{"maxOutputTokens", call.maxTokens}};
  if (call.temperature) generation["temperature"] = *call.temperature;
  json body = {{"contents", std::move(contents)}, {"generationConfig", std::move(generation)}};
  if (!call.tools.empty()) {
    json declarations = json::array();
    for (const auto& tool : call.tools)
      declarations.push_back({{"name", tool.name}, {"description", tool.description},
                              {"parameters", toolSchema(tool.parameters, true)}});
    body["tools"] = json::array({{{"functionDeclarations", std::move(declarations)}}});
    if (call.toolChoice == "required" || call.toolChoice == "none")
      body["toolConfig"] = {{"functionCallingConfig", {{"mode", call.toolChoice == "required" ? "ANY" : "NONE"}}}};
  }
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
  // Gemini streams each call whole; their ids continue from the calls of earlier chunks.
  for (auto& call : piece.toolCalls) {
    if (call.id.rfind("call_", 0) == 0) call.id = "call_" + std::to_string(state.reply.toolCalls.size());
    state.reply.toolCalls.push_back(std::move(call));
  }
  // Each chunk carries the running totals: the last one seen is the answer's.
  readUsage(data, state.reply.usage);
}

} // namespace ai
