#include "HttpProvider.h"

#include <cctype>
#include <set>
#include <stdexcept>

namespace ai {
namespace {

using json = nlohmann::json;

std::optional<std::chrono::milliseconds> parseRetryAfter(const std::string& header) {
  if (header.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    double seconds = std::stod(header, &used);
    if (used == header.size() && seconds >= 0) return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  } catch (const std::exception&) {
  }
  return std::nullopt; // an HTTP date: the gateway's own backoff applies
}

ProviderError statusError(const HttpReply& reply, const std::string& message) {
  auto text = "HTTP " + std::to_string(reply.status) + (message.empty() ? "" : ": " + message);
  if (reply.status == 429)
    return ProviderError(ProviderError::Kind::RateLimited, text, reply.status, parseRetryAfter(reply.retryAfter));
  if (reply.status >= 500 || reply.status == 408)
    return ProviderError(ProviderError::Kind::ServerError, text, reply.status);
  return ProviderError(ProviderError::Kind::Refused, text, reply.status);
}

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string_view fieldValue(std::string_view line, std::size_t nameLength) {
  auto value = line.substr(nameLength);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

} // namespace

std::string ProviderError::kindName() const {
  switch (kind) {
  case Kind::Timeout: return "timeout";
  case Kind::Connection: return "connection_failed";
  case Kind::RateLimited: return "rate_limited";
  case Kind::ServerError: return "provider_error";
  case Kind::Refused: return "request_refused";
  case Kind::Malformed: return "malformed_response";
  case Kind::Interrupted: return "stream_interrupted";
  case Kind::ClientGone: return "client_disconnected";
  }
  return "error";
}

HttpProvider::HttpProvider(ProviderSettings settings)
    : settings_(std::move(settings)), transport_(settings_.baseUrl, settings_.caFile) {}

std::string HttpProvider::errorMessage(const std::string& body) {
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    const json* error = parsed.contains("error") ? &parsed["error"] : &parsed;
    if (error->is_string()) return error->get<std::string>();
    if (error->is_object() && error->contains("message") && (*error)["message"].is_string())
      return (*error)["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

json HttpProvider::callArguments(const json& arguments) {
  if (arguments.is_object()) return arguments;
  if (arguments.is_null()) return json::object();
  if (arguments.is_string()) {
    const auto& text = arguments.get_ref<const std::string&>();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
    auto parsed = json::parse(text, nullptr, false);
    if (parsed.is_object()) return parsed;
  }
  malformed("a tool call's arguments are not a JSON object");
}

json HttpProvider::toolSchema(const json& schema, bool strict) {
  if (schema.is_array()) {
    json out = json::array();
    for (const auto& item : schema) out.push_back(toolSchema(item, strict));
    return out;
  }
  if (!schema.is_object()) return schema;
  // Gemini takes an OpenAPI subset: one type, no additionalProperties, no $-keywords.
  static const std::set<std::string> geminiKeys = {"type", "format", "description", "nullable", "enum", "items",
                                                    "properties", "required", "minItems", "maxItems", "minimum",
                                                    "maximum", "title"};
  json out = json::object();
  for (const auto& [key, value] : schema.items()) {
    if (key.rfind("x-", 0) == 0) continue;
    if (strict && !geminiKeys.count(key)) continue;
    if (key == "properties" && value.is_object()) {
      json properties = json::object();
      for (const auto& [name, property] : value.items()) properties[name] = toolSchema(property, strict);
      out[key] = std::move(properties);
    } else if (key == "items") {
      out[key] = toolSchema(value, strict);
    } else if (strict && key == "type" && value.is_array()) {
      // ["string", "array"]: the first that is not null stands for the rest.
      for (const auto& type : value)
        if (type != "null") {
          out[key] = type;
          break;
        }
    } else {
      out[key] = value;
    }
  }
  if (strict && out.value("type", json()) == "array" && !out.contains("items")) out["items"] = {{"type", "string"}};
  return out;
}

void HttpProvider::malformed(const std::string& what) {
  throw ProviderError(ProviderError::Kind::Malformed, "malformed answer: " + what);
}

ProviderReply HttpProvider::complete(const ProviderCall& call, const DeltaSink* onDelta) {
  auto wire = wireRequest(call, onDelta != nullptr);
  auto body = wire.body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!onDelta) {
    auto reply = transport_.post(wire.path, wire.headers, body, call.timeout);
    if (reply.status != 200) throw statusError(reply, errorMessage(reply.body));
    auto parsed = json::parse(reply.body, nullptr, false);
    if (!parsed.is_object()) malformed("not a JSON object");
    return parseReply(parsed);
  }

  StreamState state;
  std::string event, data;
  bool clientGone = false;
  auto dispatch = [&]() -> bool {
    if (data.empty()) {
      event.clear();
      return true;
    }
    bool keepReading = true;
    if (data == "[DONE]") {
      state.finished = true;
    } else {
      auto parsed = json::parse(data, nullptr, false);
      if (parsed.is_discarded()) malformed("a stream event is not JSON");
      std::string delta;
      onEvent(event, parsed, state, delta);
      if (!delta.empty()) {
        state.reply.text += delta;
        if (!(*onDelta)(delta)) {
          clientGone = true;
          keepReading = false;
        }
      }
    }
    event.clear();
    data.clear();
    return keepReading;
  };
  auto onLine = [&](std::string_view line) -> bool {
    if (line.empty()) return dispatch();
    if (startsWith(line, "event:")) {
      event = fieldValue(line, 6);
    } else if (startsWith(line, "data:")) {
      if (!data.empty()) data += '\n';
      data += fieldValue(line, 5);
    }
    return true; // comments (":") and other fields are ignored, as SSE says
  };
  auto keep = [&](ProviderError error) {
    error.partialText = state.reply.text;
    error.usage = state.reply.usage;
    return error;
  };
  HttpReply reply;
  try {
    reply = transport_.post(wire.path, wire.headers, body, call.timeout, onLine);
    if (reply.status == 200 && !clientGone) dispatch(); // a last event without its blank line
  } catch (ProviderError& error) {
    throw keep(std::move(error));
  }
  if (reply.status != 200) throw statusError(reply, errorMessage(reply.body));
  for (auto& [index, partial] : state.partialCalls) {
    if (partial.name.empty()) malformed("a streamed tool call has no name");
    state.reply.toolCalls.push_back({partial.id.empty() ? "call_" + std::to_string(index) : partial.id, partial.name,
                                     callArguments(json(partial.arguments))});
  }
  if (clientGone) throw keep(ProviderError(ProviderError::Kind::ClientGone, "the client went away"));
  if (!state.finished)
    throw keep(ProviderError(ProviderError::Kind::Interrupted, "the stream ended before the provider finished it"));
  return state.reply;
}

std::string defaultBaseUrl(const std::string& type) {
  if (type == "openai") return "https://api.openai.com/v1";
  if (type == "anthropic") return "https://api.anthropic.com";
  if (type == "google") return "https://generativelanguage.googleapis.com";
  return {};
}

std::unique_ptr<ProviderClient> makeProviderClient(const ProviderSettings& settings) {
  if (settings.type == "openai") return std::make_unique<OpenAiProvider>(settings);
  if (settings.type == "anthropic") return std::make_unique<AnthropicProvider>(settings);
  if (settings.type == "google") return std::make_unique<GoogleProvider>(settings);
  throw std::invalid_argument("unknown provider type '" + settings.type + "' (openai, anthropic, google)");
}

} // namespace ai
