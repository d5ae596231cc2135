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

/// Messages in Anthropic's shape: an assistant's calls as tool_use blocks,
/// and the results that follow them as tool_result blocks of one user turn
/// (the API wants user and assistant turns to alternate).
json wireMessages(const std::vector<Message>& messages) {
  json out = json::array();
  for (const auto& message : messages) {
    if (message.role == "tool") {
      json result = {{"type", "tool_result"}, {"tool_use_id", message.toolCallId}, {"content", message.content}};
      if (!out.empty() && out.back()["role"] == "user" && out.back()["content"].is_array() &&
          !out.back()["content"].empty() && out.back()["content"].back().value("type", "") == "tool_result")
        out.back()["content"].push_back(std::move(result));
      else
        out.push_back({{"role", "user"}, {"content", json::array({std::move(result)})}});
      continue;
    }
    if (message.toolCalls.empty()) {
      out.push_back({{"role", message.role}, {"content", message.content}});
      continue;
    }
    json blocks = json::array();
    if (!message.content.empty()) blocks.push_back({{"type", "text"}, {"text", message.content}});
    for (const auto& call : message.toolCalls)
      blocks.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", call.arguments}});
    out.push_back({{"role", "assistant"}, {"content", std::move(blocks)}});
  }
  return out;
}

} // namespace

HttpProvider::WireRequest AnthropicProvider::wireRequest(const ProviderCall& call, bool stream) const {
  json body = {{"model", call.model}, {"max_tokens", call.maxTokens}, {"messages", wireMessages(call.messages)}};
  if (!call.tools.empty()) {
    json tools = json::array();
    for (const auto& tool : call.tools)
      tools.push_back({{"name", tool.name}, {"description", tool.description},
                       {"input_schema", toolSchema(tool.parameters, false)}});
    body["tools"] = std::move(tools);
    if (call.toolChoice == "required") body["tool_choice"] = {{"type", "any"}};
    else if (call.toolChoice == "none") body["tool_choice"] = {{"type", "none"}};
  }
  if (!call.system.empty()) body["system"] = call.system;
  if (call.temperature) body["temperature"] = *call.temperature;
  if (stream) body["stream"] = true;
  return {"/v1/messages", {{"x-api-key", settings_.apiKey}, {"anthropic-version", "2023-06-01"}}, std::move(body)};
}

ProviderReply AnthropicProvider::parseReply(const json& body) const {
  auto content = body.find("content");
  if (content == body.end() || !content->is_array()) malformed("no content");
  ProviderReply reply;
  for (const auto& block : *content) {
    if (!block.is_object()) continue;
    auto type = block.value("type", "");
    if (type == "text" && block.contains("text") && block["text"].is_string()) reply.text += block["text"].get<std::string>();
    if (type == "tool_use") {
      if (!block.contains("name") || !block["name"].is_string()) malformed("a tool_use block has no name");
      reply.toolCalls.push_back({block.value("id", std::string()), block["name"].get<std::string>(),
                                 callArguments(block.value("input", json()))});
    }
  }
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
  } else if (type == "content_block_start") {
    const auto& block = data.value("content_block", json::object());
    if (block.value("type", "") == "tool_use") {
      auto& partial = state.partialCalls[data.value("index", 0)];
      partial.id = block.value("id", std::string());
      partial.name = block.value("name", std::string());
    }
  } else if (type == "content_block_delta") {
    const auto& d = data.value("delta", json::object());
    if (d.value("type", "") == "text_delta" && d.contains("text") && d["text"].is_string()) delta += d["text"].get<std::string>();
    if (d.value("type", "") == "input_json_delta" && d.contains("partial_json") && d["partial_json"].is_string())
      state.partialCalls[data.value("index", 0)].arguments += d["partial_json"].get<std::string>();
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
