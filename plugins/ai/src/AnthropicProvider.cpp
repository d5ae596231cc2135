#include "HttpProvider.h"

namespace ai {
namespace {

using json = nlohmann::json;

/// Cached prompt tokens are billed too (at other rates, which the catalog
/// does not carry): counting them as input keeps the cost from being low.
std::int64_t inputTokens(const json& usage) {
  return usage.value("input_tokens", std::int64_t{0}) + usage.value("cache_creation_input_tokens", std::int64_t{0}) +
         usage.value("cache_read_input_tokens", std::int64_t{0});
}

} // namespace

HttpProvider::WireRequest AnthropicProvider::wireRequest(const ProviderCall& call, bool stream) const {
  json messages = json::array();
  for (const auto& message : call.messages) messages.push_back({{"role", message.role}, {"content", message.content}});
  json body = {{"model", call.model}, {"max_tokens", call.maxTokens}, {"messages", std::move(messages)}};
  if (!call.system.empty()) body["system"] = call.system;
  if (call.temperature) body["temperature"] = *call.temperature;
  if (stream) body["stream"] = true;
  return {"/v1/messages", {{"x-api-key", settings_.apiKey}, {"anthropic-version", "2023-06-01"}}, std::move(body)};
}

ProviderReply AnthropicProvider::parseReply(const json& body) const {
  auto content = body.find("content");
  if (content == body.end() || !content->is_array()) malformed("no content");
  ProviderReply reply;
  for (const auto& block : *content)
    if (block.is_object() && block.value("type", "") == "text" && block.contains("text") && block["text"].is_string())
      reply.text += block["text"].get<std::string>();
  if (body.contains("stop_reason") && body["stop_reason"].is_string()) reply.finishReason = body["stop_reason"];
  if (body.contains("usage") && body["usage"].is_object()) {
    reply.usage.promptTokens = inputTokens(body["usage"]);
    reply.usage.completionTokens = body["usage"].value("output_tokens", std::int64_t{0});
    reply.usage.reported = true;
  }
  return reply;
}

void AnthropicProvider::onEvent(const std::string& event, const json& data, StreamState& state, std::string& delta) const {
  auto type = data.value("type", event);
  if (type == "message_start") {
    const auto& message = data.value("message", json::object());
    if (message.contains("usage") && message["usage"].is_object()) {
      state.reply.usage.promptTokens = inputTokens(message["usage"]);
      state.reply.usage.completionTokens = message["usage"].value("output_tokens", std::int64_t{0});
      state.reply.usage.reported = true;
    }
  } else if (type == "content_block_delta") {
    const auto& d = data.value("delta", json::object());
    if (d.value("type", "") == "text_delta" && d.contains("text") && d["text"].is_string()) delta += d["text"].get<std::string>();
  } else if (type == "message_delta") {
    // The final output count; it replaces the placeholder of message_start.
    if (data.contains("usage") && data["usage"].is_object() && data["usage"].contains("output_tokens")) {
      state.reply.usage.completionTokens = data["usage"]["output_tokens"].get<std::int64_t>();
      state.reply.usage.reported = true;
    }
    const auto& d = data.value("delta", json::object());
    if (d.contains("stop_reason") && d["stop_reason"].is_string()) state.reply.finishReason = d["stop_reason"];
  } else if (type == "message_stop") {
    state.finished = true;
  } else if (type == "error") {
    throw ProviderError(ProviderError::Kind::ServerError, "stream error: " + errorMessage(data.dump()));
  }
}

} // namespace ai
