// Tool calling through POST ai/route: each provider's own protocol on the
// wire (OpenAI tools/tool_calls, Anthropic tool_use/tool_result, Gemini
// functionCall/functionResponse), streamed and not, and one answer shape back.
#include "AiHost.h"

namespace ai_test {
namespace {

class AiToolCalls : public AiHost {
protected:
/// The answer of ai/route, or of its stream's "done" event.
  static json routed(const HttpResult& answer, bool stream) {
  EXPECT_EQ(answer.status, 200) << answer.body;
  if (!stream) return answer.json();
  auto streamed = events(answer.body);
  EXPECT_FALSE(streamed.empty()) << answer.body;
  if (streamed.empty()) return json();
  EXPECT_EQ(streamed.back().first, "done") << answer.body;
  return streamed.back().second;
}
};

const json kWeatherTool = {{"type", "function"},
                           {"function",
                            {{"name", "get_weather"},
                             {"description", "Current weather of a city"},
                             {"parameters",
                              {{"type", "object"},
                               {"properties", {{"city", {{"type", {"string", "null"}}, {"x-error-message", "city must be text"}}}}},
                               {"required", {"city"}},
                               {"additionalProperties", false}}}}}};

/// A conversation in which the model already called the tool once.
json conversation() {
  return json::array(
      {{{"role", "user"}, {"content", "Weather in Paris and Oslo?"}},
       {{"role", "assistant"},
        {"content", nullptr},
        {"tool_calls", {{{"id", "call_paris"}, {"type", "function"},
                         {"function", {{"name", "get_weather"}, {"arguments", "{\"city\":\"Paris\"}"}}}}}}},
       {{"role", "tool"}, {"tool_call_id", "call_paris"}, {"content", "{\"temperature\":21}"}}});
}

FakeLlmServer::Reply callsOslo() {
  FakeLlmServer::Reply reply;
  reply.text = "";
  reply.promptTokens = 50;
  reply.completionTokens = 12;
  reply.toolCalls = {{"call_oslo", "get_weather", {{"city", "Oslo"}, {"units", "metric"}}}};
  return reply;
}

const json kOsloCall = {{"id", "call_oslo"},
                        {"type", "function"},
                        {"function", {{"name", "get_weather"}, {"arguments", json({{"city", "Oslo"}, {"units", "metric"}}).dump()}}}};

TEST_P(AiToolCalls, OpenAiToolsGoOutAsFunctionsAndToolCallsComeBackStreamedOrNot) {
  for (bool stream : {false, true}) {
    openai_.clear();
    openai_.setDefaultReply(callsOslo());
    auto answer = routed(post("/api/v1/ai/route", {{"messages", conversation()}, {"tools", json::array({kWeatherTool})},
                                                          {"tool_choice", "auto"}, {"model", "oa-cheap"}, {"stream", stream}},
                                     alice_), stream);
    EXPECT_EQ(answer["tool_calls"], json::array({kOsloCall})) << stream;
    EXPECT_EQ(answer["finish_reason"], "tool_calls");
    EXPECT_EQ(answer["tokens"]["total"], 62);
    EXPECT_GT(answer["cost"].get<double>(), 0);
    auto sent = openai_.received().at(0).body;
    EXPECT_EQ(sent["tools"][0]["type"], "function");
    EXPECT_EQ(sent["tools"][0]["function"]["name"], "get_weather");
    // Step types' annotations stay home; the rest of the schema goes as it is.
    EXPECT_FALSE(sent["tools"][0]["function"]["parameters"]["properties"]["city"].contains("x-error-message"));
    EXPECT_EQ(sent["tools"][0]["function"]["parameters"]["additionalProperties"], false);
    EXPECT_EQ(sent["tool_choice"], "auto");
    EXPECT_EQ(sent["messages"][1]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Paris\"}");
    EXPECT_TRUE(sent["messages"][1]["content"].is_null());
    EXPECT_EQ(sent["messages"][2], json({{"role", "tool"}, {"tool_call_id", "call_paris"}, {"content", "{\"temperature\":21}"}}));
  }
}

TEST_P(AiToolCalls, AnthropicGetsToolUseAndToolResultBlocksAndItsToolUseComesBack) {
  for (bool stream : {false, true}) {
    anthropic_.clear();
    anthropic_.setDefaultReply(callsOslo());
    auto answer = routed(post("/api/v1/ai/route", {{"messages", conversation()}, {"tools", json::array({kWeatherTool})},
                                                          {"tool_choice", "required"}, {"model", "an-strong"}, {"stream", stream}},
                                     alice_), stream);
    EXPECT_EQ(answer["tool_calls"], json::array({kOsloCall})) << stream;
    EXPECT_EQ(answer["finish_reason"], "tool_use");
    auto sent = anthropic_.received().at(0).body;
    EXPECT_EQ(sent["tools"][0]["name"], "get_weather");
    EXPECT_EQ(sent["tools"][0]["input_schema"]["required"], json::array({"city"}));
    EXPECT_EQ(sent["tool_choice"], json({{"type", "any"}}));
    EXPECT_EQ(sent["messages"][1]["content"][0],
              json({{"type", "tool_use"}, {"id", "call_paris"}, {"name", "get_weather"}, {"input", {{"city", "Paris"}}}}));
    EXPECT_EQ(sent["messages"][2]["role"], "user");
    EXPECT_EQ(sent["messages"][2]["content"][0],
              json({{"type", "tool_result"}, {"tool_use_id", "call_paris"}, {"content", "{\"temperature\":21}"}}));
  }
}

TEST_P(AiToolCalls, GeminiGetsFunctionDeclarationsAndResponsesAndItsFunctionCallComesBackWithAnId) {
  for (bool stream : {false, true}) {
    google_.clear();
    google_.setDefaultReply(callsOslo());
    auto answer = routed(post("/api/v1/ai/route", {{"messages", conversation()}, {"tools", json::array({kWeatherTool})},
                                                          {"model", "go-middle"}, {"stream", stream}},
                                     alice_), stream);
    ASSERT_EQ(answer["tool_calls"].size(), 1u) << answer.dump();
    EXPECT_EQ(answer["tool_calls"][0]["id"], "call_0"); // Gemini names no call: its position does
    EXPECT_EQ(answer["tool_calls"][0]["function"], kOsloCall["function"]);
    auto sent = google_.received().at(0).body;
    const auto& declaration = sent["tools"][0]["functionDeclarations"][0];
    EXPECT_EQ(declaration["name"], "get_weather");
    // Gemini's schema subset: one type, no additionalProperties.
    EXPECT_EQ(declaration["parameters"]["properties"]["city"]["type"], "string");
    EXPECT_FALSE(declaration["parameters"].contains("additionalProperties"));
    EXPECT_EQ(sent["contents"][1]["role"], "model");
    EXPECT_EQ(sent["contents"][1]["parts"][0]["functionCall"], json({{"name", "get_weather"}, {"args", {{"city", "Paris"}}}}));
    EXPECT_EQ(sent["contents"][2]["parts"][0]["functionResponse"],
              json({{"name", "get_weather"}, {"response", {{"temperature", 21}}}}));
  }
}

TEST_P(AiToolCalls, AnAnswerWithoutCallsHasAnEmptyListAndEachTurnIsRecordedWithItsCost) {
  FakeLlmServer::Reply reply;
  reply.text = "Paris 21, Oslo 9.";
  openai_.setDefaultReply(reply);
  auto answer = post("/api/v1/ai/route", {{"messages", conversation()}, {"tools", json::array({kWeatherTool})}, {"model", "oa-cheap"}}, alice_);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["tool_calls"], json::array());
  EXPECT_EQ(answer.json()["response"], reply.text);
  openai_.setDefaultReply(callsOslo());
  post("/api/v1/ai/route", {{"messages", conversation()}, {"tools", json::array({kWeatherTool})}, {"model", "oa-cheap"}}, alice_);
  json calls;
  ASSERT_TRUE(eventually([&] {
    calls = get("/api/v1/ai/calls?model=oa-cheap", alice_).json()["calls"];
    return calls.size() == 2;
  })) << calls.dump();
  for (const auto& call : calls) EXPECT_GT(call["cost"].get<double>(), 0) << call.dump();
}

TEST_P(AiToolCalls, BadToolsAndToolMessagesAre422sNamingTheField) {
  auto route = [&](json body) {
    body["model"] = "oa-cheap";
    return post("/api/v1/ai/route", body, alice_);
  };
  expectInvalid(route({{"prompt", "x"}, {"tools", "get_weather"}}), "tools");
  expectInvalid(route({{"prompt", "x"}, {"tools", json::array({json{{"name", "has space"}}})}}), "tools[0].name");
  expectInvalid(route({{"prompt", "x"}, {"tools", json::array({kWeatherTool, kWeatherTool})}}), "tools[1].name");
  expectInvalid(route({{"prompt", "x"}, {"tools", json::array({json{{"name", "t"}, {"parameters", "object"}}})}}), "tools[0].parameters");
  expectInvalid(route({{"prompt", "x"}, {"tool_choice", "always"}}), "tool_choice");
  auto orphan = conversation();
  orphan[2]["tool_call_id"] = "call_nobody_made";
  expectInvalid(route({{"messages", orphan}}), "messages[2].tool_call_id");
  auto badArguments = conversation();
  badArguments[1]["tool_calls"][0]["function"]["arguments"] = "{not json";
  expectInvalid(route({{"messages", badArguments}}), "messages[1].tool_calls[0].function.arguments");
  auto noId = conversation();
  noId[1]["tool_calls"][0].erase("id");
  expectInvalid(route({{"messages", noId}}), "messages[1].tool_calls[0].id");
  EXPECT_EQ(providerCalls(), 0u);

  // A model that sends arguments that are not JSON: a malformed answer, not a crash.
  FakeLlmServer::Reply broken;
  broken.rawBody = R"({"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"get_weather","arguments":"{oops"}}]},"finish_reason":"tool_calls"}]})";
  openai_.setDefaultReply(broken);
  auto answer = route({{"messages", conversation()}, {"tools", json::array({kWeatherTool})}});
  EXPECT_EQ(answer.status, 502) << answer.body;
  EXPECT_EQ(answer.json()["error"]["details"]["attempts"][0]["error"], "malformed_response") << answer.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, AiToolCalls, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace ai_test
