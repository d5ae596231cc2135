#include "HttpProvider.h"

namespace ai {
namespace {

using json = nlohmann::json;

void readUsage(const json& usage, Usage& into) {
  if (!usage.is_object() || !usage.contains("prompt_tokens")) return;
  into.promptTokens = usage.value("prompt_tokens", std::int64_t{0});
  into.completionTokens = usage.value("completion_tokens", std::int64_t{0});
  into.reported = true;
}

json wireMessage(const Message& message) {
  if (message.role == "tool") return {{"role", "tool"}, {"tool_call_id", message.toolCallId}, {"content", message.content}};
  json out = {{"role", message.role}, {"content", message.content}};
  if (message.toolCalls.empty()) return out;
  if (message.content.empty()) out["content"] = nullptr;
  json calls = json::array();
  for (const auto& call : message.toolCalls)
    calls.push_back({{"id", call.id},
                     {"type", "function"},
                     {"function", {{"name", call.name}, {"arguments", call.arguments.dump()}}}});
  out["tool_calls"] = std::move(calls);
  return out;
}

} // namespace

HttpProvider::WireRequest OpenAiProvider::wireRequest(const ProviderCall& call, bool stream) const {
  json messages = json::array();
  if (!call.system.empty()) messages.push_back({{"role", "system"}, {"content", call.system}});
  for (const auto& message : call.messages) messages.push_back(wireMessage(message));
  json body = {{"model", call.model}, {"messages", std::move(messages)}};
  if (!call.tools.empty()) {
    json tools = json::array();
    for (const auto& tool : call.tools)
      tools.push_back({{"type", "function"},
                       {"function", {{"name", tool.name}, {"description", tool.description},
                                     {"parameters", toolSchema(tool.parameters, false)}}}});
    body["tools"] = std::move(tools);
    if (!call.toolChoice.empty()) body["tool_choice"] = call.toolChoice;
  }
  // OpenAI's own newer models refuse max_tokens; the servers that copy its
  // API (vLLM, llama.cpp, Ollama) know only max_tokens.
  body[transport_.host() == "api.openai.com" ? "max_completion_tokens" : "max_tokens"] = call.maxTokens;
  if (call.temperature) body["temperature"] = *call.temperature;
  if (stream) {
    body["stream"] = true;
    // Without this a stream carries no token counts and its cost is a guess.
    body["stream_options"] = {{"include_usage", true}};
  }
  return {"/chat/completions", {{"Authorization", "Bearer " + settings_.apiKey}}, std::move(body)};
}

ProviderReply OpenAiProvider::parseReply(const json& body) const {
  auto choices = body.find("choices");
  if (choices == body.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object())
    malformed("no choices");
  const auto& choice = (*choices)[0];
  auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) malformed("the choice has no message");
  ProviderReply reply;
  auto content = message->find("content");
  if (content != message->end() && content->is_string()) reply.text = content->get<std::string>();
  else if (content == message->end() || !content->is_null()) malformed("the message content is not text");
  if (message->contains("tool_calls") && (*message)["tool_calls"].is_array())
    for (const auto& call : (*message)["tool_calls"]) {
      const auto& function = call.value("function", json::object());
      if (!function.contains("name") || !function["name"].is_string()) malformed("a tool call has no function name");
      reply.toolCalls.push_back({call.value("id", std::string()), function["name"].get<std::string>(),
                                 callArguments(function.value("arguments", json()))});
    }
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
    reply.finishReason = choice["finish_reason"].get<std::string>();
  if (body.contains("usage")) readUsage(body["usage"], reply.usage);
  return reply;
}

void OpenAiProvider::onEvent(const std::string&, const json& data, StreamState& state, std::string& delta) const {
  if (data.contains("error"))
    throw ProviderError(ProviderError::Kind::ServerError, "stream error: " + errorMessage(data.dump()));
  if (data.contains("usage")) readUsage(data["usage"], state.reply.usage);
  auto choices = data.find("choices");
  if (choices == data.end() || !choices->is_array() || choices->empty()) return;
  const auto& choice = (*choices)[0];
  if (choice.contains("delta") && choice["delta"].is_object()) {
    const auto& content = choice["delta"].value("content", json());
    if (content.is_string()) delta += content.get<std::string>();
    // A call arrives in pieces: the first carries its id and name, the rest more of its arguments.
    const auto& calls = choice["delta"].value("tool_calls", json());
    if (calls.is_array())
      for (const auto& piece : calls) {
        auto& partial = state.partialCalls[piece.value("index", 0)];
        if (piece.contains("id") && piece["id"].is_string()) partial.id = piece["id"].get<std::string>();
        const auto& function = piece.value("function", json::object());
        if (function.contains("name") && function["name"].is_string()) partial.name += function["name"].get<std::string>();
        if (function.contains("arguments") && function["arguments"].is_string())
          partial.arguments += function["arguments"].get<std::string>();
      }
  }
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
    state.reply.finishReason = choice["finish_reason"].get<std::string>();
    state.finished = true;
  }
}

} // namespace ai
