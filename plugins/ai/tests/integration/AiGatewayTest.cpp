// POST ai/route, models/route and the catalog, end to end: a real host, real
// HTTP to local servers speaking each provider's protocol, SQLite and PostgreSQL.
#include "AiHost.h"

#include <algorithm>
#include <future>
#include <thread>

namespace ai_test {
namespace {

constexpr double kCheapIn = 1e-7, kCheapOut = 4e-7, kMiddleIn = 1e-6, kMiddleOut = 4e-6, kStrongIn = 1.5e-5,
                 kStrongOut = 7.5e-5;

FakeLlmServer::Reply replyWith(int status, const std::string& text = "provider trouble") {
  FakeLlmServer::Reply reply;
  reply.status = status;
  reply.text = text;
  return reply;
}

TEST_P(AiHost, TheCatalogShowsPricesHealthAndWhichProvidersAreConfigured) {
  for (const char* path : {"/api/v1/ai/models", "/api/models/available"}) {
    auto answer = get(path, alice_);
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto models = answer.json()["models"];
    ASSERT_EQ(models.size(), 4u);
    std::map<std::string, json> byId;
    for (const auto& m : models) byId[m["id"]] = m;
    EXPECT_EQ(byId["oa-cheap"]["provider"], "openai");
    EXPECT_DOUBLE_EQ(byId["oa-cheap"]["cost_per_token"].get<double>(), kCheapIn);
    EXPECT_DOUBLE_EQ(byId["oa-cheap"]["output_cost_per_token"].get<double>(), kCheapOut);
    EXPECT_EQ(byId["an-strong"]["context_window"], 200000);
    EXPECT_EQ(byId["an-strong"]["capabilities"], json({"text", "code", "reasoning"}));
    EXPECT_EQ(byId["go-middle"]["quality_score"], 0.86);
    EXPECT_EQ(byId["go-middle"]["avg_response_time"], 900);
    EXPECT_EQ(byId["go-middle"]["status"], "available");
    EXPECT_EQ(byId["go-middle"]["provider_configured"], true);
    EXPECT_EQ(byId["lo-free"]["provider_configured"], false);
  }
  EXPECT_EQ(get("/api/v1/ai/models?provider=google", alice_).json()["models"].size(), 1u);
  EXPECT_EQ(get("/api/v1/ai/models?configured=false", alice_).json()["models"][0]["id"], "lo-free");
  EXPECT_EQ(get("/api/v1/ai/models", {}).status, 401);
}

TEST_P(AiHost, ModelsRouteDecidesForEachPriorityWithoutCallingAnyProvider) {
  auto decide = [&](json body) {
    if (!body.contains("prompt")) body["prompt"] = "Analyze this customer feedback...";
    auto answer = post("/api/models/route", body, alice_);
    EXPECT_EQ(answer.status, 200) << answer.body;
    return answer.json();
  };
  auto cost = decide({{"priority", "cost"}, {"max_tokens", 1000}});
  EXPECT_EQ(cost["model"], "oa-cheap");
  EXPECT_EQ(cost["provider"], "openai");
  EXPECT_EQ(cost["routing_reason"], "cost_optimized");
  auto promptTokens = cost["estimated_prompt_tokens"].get<int>();
  EXPECT_GT(promptTokens, 0);
  EXPECT_EQ(cost["estimated_tokens"], promptTokens + 1000);
  EXPECT_NEAR(cost["estimated_cost"].get<double>(), promptTokens * kCheapIn + 1000 * kCheapOut, 1e-8);
  EXPECT_GT(cost["confidence_score"].get<double>(), 0.5);
  EXPECT_NE(cost["reason"].get<std::string>().find("lowest estimated cost"), std::string::npos);
  EXPECT_EQ(decide({{"priority", "performance"}})["model"], "an-strong");
  EXPECT_EQ(decide({{"priority", "balanced"}})["model"], "go-middle");
  // The task type needs a capability; the provider list narrows the field.
  EXPECT_EQ(decide({{"priority", "cost"}, {"task_type", "analysis"}})["model"], "an-strong");
  EXPECT_EQ(decide({{"priority", "cost"}, {"task_type", "code"}})["model"], "go-middle");
  EXPECT_EQ(decide({{"priority", "performance"}, {"providers", {"openai", "google"}}})["model"], "go-middle");
  // Context: a prompt larger than 16k tokens leaves the cheap model out.
  EXPECT_EQ(decide({{"priority", "cost"}, {"prompt", std::string(80000, 'x')}})["model"], "go-middle");
  EXPECT_EQ(providerCalls(), 0u);
}

TEST_P(AiHost, AiRouteAnswersThroughEachProtocolWithTheProvidersTokensAndCost) {
  FakeLlmServer::Reply reply;
  reply.text = "The customer feedback shows positive sentiment overall.";
  reply.promptTokens = 31;
  reply.completionTokens = 11;
  for (auto* server : {&openai_, &anthropic_, &google_}) server->setDefaultReply(reply);

  // Seed 000's body: cost optimization picks the cheap model.
  auto seed = post("/api/ai/route", {{"prompt", "Analyze this customer feedback for sentiment"},
                                     {"context", "customer_service"}, {"max_tokens", 200}, {"temperature", 0.7},
                                     {"routing_preferences", {{"cost_optimization", true}, {"quality_preference", "balanced"},
                                                              {"budget_limit", 0.5}}}},
                   alice_);
  ASSERT_EQ(seed.status, 200) << seed.body;
  auto body = seed.json();
  EXPECT_EQ(body["response"], reply.text);
  EXPECT_EQ(body["model_used"], "oa-cheap");
  EXPECT_EQ(body["provider"], "openai");
  EXPECT_EQ(body["routing_reason"], "cost_optimized");
  EXPECT_EQ(body["tokens_used"], 42);
  EXPECT_EQ(body["prompt_tokens"], 31);
  EXPECT_EQ(body["completion_tokens"], 11);
  EXPECT_EQ(body["tokens"], json({{"prompt", 31}, {"completion", 11}, {"total", 42}}));
  EXPECT_NEAR(body["cost"].get<double>(), 31 * kCheapIn + 11 * kCheapOut, 1e-9);
  EXPECT_EQ(body["usage_source"], "provider");
  EXPECT_EQ(body["quality_score"], 0.70);
  EXPECT_TRUE(body["response_time"].is_number());
  EXPECT_EQ(body["fallbacks"], json::array());
  // What went over the wire is OpenAI's format.
  auto sent = openai_.received().at(0);
  EXPECT_EQ(sent.path, "/v1/chat/completions");
  EXPECT_EQ(sent.headers["authorization"], "Bearer sk-openai-test");
  EXPECT_EQ(sent.body["model"], "oa-cheap");
  EXPECT_EQ(sent.body["max_tokens"], 200);
  EXPECT_EQ(sent.body["temperature"], 0.7);
  EXPECT_EQ(sent.body["messages"][0], json({{"role", "system"}, {"content", "Context: customer_service"}}));
  EXPECT_EQ(sent.body["messages"][1]["content"], "Analyze this customer feedback for sentiment");

  auto anthropic = post("/api/v1/ai/route", {{"prompt", "Hello"}, {"model", "an-strong"}, {"system", "Be brief"}}, alice_);
  ASSERT_EQ(anthropic.status, 200) << anthropic.body;
  EXPECT_EQ(anthropic.json()["routing_reason"], "explicit_model");
  EXPECT_NEAR(anthropic.json()["cost"].get<double>(), 31 * kStrongIn + 11 * kStrongOut, 1e-9);
  auto toAnthropic = anthropic_.received().at(0);
  EXPECT_EQ(toAnthropic.path, "/v1/messages");
  EXPECT_EQ(toAnthropic.headers["x-api-key"], "sk-ant-test");
  EXPECT_EQ(toAnthropic.headers["anthropic-version"], "2023-06-01");
  EXPECT_EQ(toAnthropic.body["system"], "Be brief");
  EXPECT_EQ(toAnthropic.body["max_tokens"], 1024);

  auto gemini = post("/api/v1/ai/route", {{"messages", {{{"role", "user"}, {"content", "Hi"}},
                                                         {{"role", "assistant"}, {"content", "Hello!"}},
                                                         {{"role", "user"}, {"content", "Tell me more"}}}},
                                          {"model", "go-middle"}, {"max_tokens", 300}},
                     alice_);
  ASSERT_EQ(gemini.status, 200) << gemini.body;
  EXPECT_EQ(gemini.json()["response"], reply.text);
  EXPECT_NEAR(gemini.json()["cost"].get<double>(), 31 * kMiddleIn + 11 * kMiddleOut, 1e-9);
  auto toGoogle = google_.received().at(0);
  EXPECT_EQ(toGoogle.path, "/v1beta/models/go-middle:generateContent");
  EXPECT_EQ(toGoogle.headers["x-goog-api-key"], "goog-test");
  EXPECT_EQ(toGoogle.body["contents"][1]["role"], "model");
  EXPECT_EQ(toGoogle.body["generationConfig"]["maxOutputTokens"], 300);
}

TEST_P(AiHost, AProviderErrorFallsBackToTheNextModelAndAllFailingIsA502ListingEachAttempt) {
  openai_.setDefaultReply(replyWith(500, "upstream exploded"));
  auto answer = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["model_used"], "go-middle");
  auto fallbacks = answer.json()["fallbacks"];
  ASSERT_EQ(fallbacks.size(), 1u);
  EXPECT_EQ(fallbacks[0]["model"], "oa-cheap");
  EXPECT_EQ(fallbacks[0]["error"], "provider_error");
  EXPECT_EQ(fallbacks[0]["http_status"], 500);
  EXPECT_NE(fallbacks[0]["message"].get<std::string>().find("upstream exploded"), std::string::npos);

  // The provider that answered 500 is unavailable for a while: ranked last.
  auto models = get("/api/v1/ai/models?provider=openai", alice_).json()["models"];
  EXPECT_EQ(models[0]["status"], "unavailable");

  google_.setDefaultReply(replyWith(503));
  anthropic_.setDefaultReply(replyWith(529, "Overloaded"));
  auto failed = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  EXPECT_EQ(failed.status, 502) << failed.body;
  EXPECT_EQ(failed.json()["error"]["code"], "AI_SERVICE_ERROR");
  auto attempts = failed.json()["error"]["details"]["attempts"];
  ASSERT_EQ(attempts.size(), 3u) << failed.body;
  EXPECT_EQ(attempts[0]["model"], "go-middle");
  EXPECT_EQ(attempts[1]["model"], "an-strong");
  EXPECT_EQ(attempts[1]["http_status"], 529);
  EXPECT_EQ(attempts[2]["model"], "oa-cheap");
  // Failures show in the catalog: two of three calls failed, then three in a row.
  models = get("/api/v1/ai/models?provider=openai", alice_).json()["models"];
  EXPECT_EQ(models[0]["recent_failures"], 2);
  EXPECT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "oa-cheap"}}, alice_).status, 502);
  models = get("/api/v1/ai/models?provider=openai", alice_).json()["models"];
  EXPECT_EQ(models[0]["status"], "unavailable");
  EXPECT_EQ(models[0]["recent_calls"], 3);
}

TEST_P(AiHost, AnOutageOfTheProviderOfTheCheapestModelsFallsBackToAnotherProvider) {
  // The three cheapest models are all OpenAI's, as many real catalogs have it.
  auto catalog = testCatalog();
  catalog["models"].push_back(model("oa-mini", "openai", 2e-7, 8e-7, 16000, 4096, {"text"}, 0.72, 500));
  catalog["models"].push_back(model("oa-small", "openai", 3e-7, 9e-7, 16000, 4096, {"text"}, 0.74, 500));
  writeCatalog(catalog);
  ASSERT_TRUE(eventually([&] { return get("/api/v1/ai/models", alice_).json()["models"].size() == 6; }));
  openai_.setDefaultReply(replyWith(500, "region down"));
  openai_.clear();

  auto answer = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["model_used"], "go-middle") << "the next provider answers, within ai.max_attempts = 3";
  ASSERT_EQ(answer.json()["fallbacks"].size(), 1u) << answer.body;
  EXPECT_EQ(answer.json()["fallbacks"][0]["model"], "oa-cheap");
  EXPECT_EQ(openai_.requestCount(), 1u) << "the failing provider's other models are not tried in this request";

  // For a while every model of that provider is unavailable, ranked last:
  // the next request goes to the other provider first.
  auto down = get("/api/v1/ai/models?provider=openai", alice_).json()["models"];
  ASSERT_EQ(down.size(), 3u) << down.dump();
  for (const auto& entry : down) EXPECT_EQ(entry["status"], "unavailable") << entry.dump();
  auto next = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(next.json()["model_used"], "go-middle");
  EXPECT_TRUE(next.json()["fallbacks"].empty()) << next.body;
  EXPECT_EQ(openai_.requestCount(), 1u);

  // An answer from the provider makes it healthy again at once.
  openai_.setDefaultReply(FakeLlmServer::Reply{});
  ASSERT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "oa-mini"}}, alice_).status, 200);
  auto recovered = get("/api/v1/ai/models?provider=openai", alice_).json()["models"];
  auto small = std::find_if(recovered.begin(), recovered.end(), [](const auto& entry) { return entry["id"] == "oa-small"; });
  ASSERT_NE(small, recovered.end()) << recovered.dump();
  EXPECT_EQ((*small)["status"], "available") << small->dump();
}

TEST_P(AiHost, A429IsRetriedAfterRetryAfterAndATooLongWaitMovesOn) {
  auto limited = replyWith(429, "slow down");
  limited.headers = {{"Retry-After", "1"}};
  openai_.queueReply(limited);
  auto answer = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["model_used"], "oa-cheap");
  EXPECT_EQ(answer.json()["fallbacks"], json::array());
  EXPECT_EQ(openai_.requestCount(), 2u);

  limited.headers = {{"Retry-After", "60"}}; // more than ai.max_retry_wait_ms
  openai_.queueReply(limited);
  auto movedOn = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  ASSERT_EQ(movedOn.status, 200) << movedOn.body;
  EXPECT_EQ(movedOn.json()["model_used"], "go-middle");
  EXPECT_EQ(movedOn.json()["fallbacks"][0]["error"], "rate_limited");
  EXPECT_EQ(openai_.requestCount(), 3u);
}

TEST_P(AiHost, AHangingProviderTimesOutAndAMalformedAnswerIsNotTakenForOne) {
  auto hang = FakeLlmServer::Reply();
  hang.delay = std::chrono::seconds(30);
  openai_.queueReply(hang);
  auto answer = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.json()["model_used"], "go-middle");
  EXPECT_EQ(answer.json()["fallbacks"][0]["error"], "timeout");

  for (const char* raw : {"{not json", R"({"choices": []})", R"({"choices": [{"message": {"content": 42}}]})"}) {
    auto broken = FakeLlmServer::Reply();
    broken.rawBody = raw;
    openai_.queueReply(broken);
    auto next = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "oa-cheap"}, {"fallback_models", {"go-middle"}}}, alice_);
    ASSERT_EQ(next.status, 200) << next.body;
    EXPECT_EQ(next.json()["model_used"], "go-middle") << raw;
    EXPECT_EQ(next.json()["fallbacks"][0]["error"], "malformed_response") << raw;
  }
}

TEST_P(AiHost, StreamedAnswersArriveAsEventsAndAreBilledFromTheStreamsUsage) {
  FakeLlmServer::Reply reply;
  reply.text = "one two three four";
  reply.promptTokens = 40;
  reply.completionTokens = 9;
  for (auto* server : {&openai_, &anthropic_, &google_}) server->setDefaultReply(reply);
  std::map<std::string, std::pair<double, double>> prices = {
      {"oa-cheap", {kCheapIn, kCheapOut}}, {"an-strong", {kStrongIn, kStrongOut}}, {"go-middle", {kMiddleIn, kMiddleOut}}};
  for (const auto& [model, price] : prices) {
    auto answer = post("/api/v1/ai/route", {{"prompt", "Count to four"}, {"model", model}, {"stream", true}}, alice_);
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.header("content-type"), "text/event-stream");
    auto stream = events(answer.body);
    ASSERT_GE(stream.size(), 2u) << answer.body;
    std::string text;
    for (std::size_t i = 0; i + 1 < stream.size(); ++i) {
      EXPECT_EQ(stream[i].first, "delta");
      text += stream[i].second["text"].get<std::string>();
    }
    EXPECT_GE(stream.size(), 5u) << model << " sent the answer in pieces";
    EXPECT_EQ(text, reply.text) << model;
    auto done = stream.back();
    ASSERT_EQ(done.first, "done") << answer.body;
    EXPECT_EQ(done.second["response"], reply.text);
    EXPECT_EQ(done.second["tokens"], json({{"prompt", 40}, {"completion", 9}, {"total", 49}})) << model;
    EXPECT_EQ(done.second["usage_source"], "provider");
    EXPECT_NEAR(done.second["cost"].get<double>(), 40 * price.first + 9 * price.second, 1e-9) << model;
  }
  EXPECT_EQ(openai_.received().at(0).body["stream_options"]["include_usage"], true);
  EXPECT_EQ(google_.received().at(0).path, "/v1beta/models/go-middle:streamGenerateContent?alt=sse");

  // A provider that reports no usage: billed for the counted tokens, never zero.
  reply.includeUsage = false;
  openai_.setDefaultReply(reply);
  auto counted = post("/api/v1/ai/route", {{"prompt", "Count to four"}, {"model", "oa-cheap"}, {"stream", true}}, alice_);
  auto done = events(counted.body).back().second;
  EXPECT_EQ(done["usage_source"], "estimated");
  EXPECT_GT(done["tokens"]["prompt"].get<int>(), 0);
  EXPECT_EQ(done["tokens"]["completion"], 5); // 18 bytes of text, about four bytes a token
  EXPECT_GT(done["cost"].get<double>(), 0);

  // The record agrees with what the client was told.
  auto calls = get("/api/v1/ai/calls?model=oa-cheap", alice_).json()["calls"];
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0]["usage_estimated"], true);
  EXPECT_EQ(calls[0]["streamed"], true);
  EXPECT_NEAR(calls[0]["cost"].get<double>(), done["cost"].get<double>(), 1e-9);
}

TEST_P(AiHost, AStreamThatBreaksOffEndsWithAnErrorEventAndIsBilledForWhatArrived) {
  FakeLlmServer::Reply broken;
  broken.text = "alpha beta gamma delta epsilon";
  broken.dropAfterChunks = 2;
  broken.includeUsage = false;
  anthropic_.setDefaultReply(broken);
  auto answer = post("/api/v1/ai/route", {{"prompt", "Greek letters"}, {"model", "an-strong"}, {"stream", true}}, alice_);
  ASSERT_EQ(answer.status, 200) << answer.body;
  auto stream = events(answer.body);
  ASSERT_EQ(stream.size(), 3u) << answer.body;
  EXPECT_EQ(stream[0].first, "delta");
  EXPECT_EQ(stream[2].first, "error");
  EXPECT_EQ(stream[2].second["error"]["code"], "AI_SERVICE_ERROR");
  auto calls = get("/api/v1/ai/calls", alice_).json()["calls"];
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0]["status"], "interrupted");
  EXPECT_GT(calls[0]["cost"].get<double>(), 0);
  EXPECT_GT(calls[0]["completion_tokens"].get<int>(), 0);

  // Before the first byte a broken stream is just a failed attempt: the next model answers.
  broken.dropAfterChunks = 0;
  anthropic_.setDefaultReply(broken);
  auto fellBack = post("/api/v1/ai/route", {{"prompt", "Greek"}, {"model", "an-strong"}, {"fallback_models", {"go-middle"}},
                                            {"stream", true}}, alice_);
  auto done = events(fellBack.body).back();
  EXPECT_EQ(done.first, "done") << fellBack.body;
  EXPECT_EQ(done.second["model_used"], "go-middle");
  EXPECT_EQ(done.second["fallbacks"][0]["error"], "stream_interrupted");
}

TEST_P(AiHost, BadRequestsAreClear4xxErrors) {
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "   "}}, alice_), "prompt");
  expectInvalid(post("/api/v1/ai/route", json::object(), alice_), "prompt");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"max_tokens", 1000000000}}, alice_), "max_tokens");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"max_tokens", 0}}, alice_), "max_tokens");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "oa-cheap"}, {"max_tokens", 5000}}, alice_), "max_tokens");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "gpt-17"}}, alice_), "model");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "lo-free"}}, alice_), "model");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"providers", {"nobody"}}}, alice_), "providers");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"providers", {"local"}}}, alice_), "providers");
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"temperature", 5}}, alice_), "temperature");
  expectInvalid(post("/api/v1/models/route", {{"prompt", "Hi"}, {"task_type", "telepathy"}}, alice_), "task_type");
  expectInvalid(post("/api/v1/models/route", {{"prompt", "Hi"}, {"priority", "cheapest"}}, alice_), "priority");
  expectInvalid(post("/api/v1/models/route", {{"prompt", "Hi"}, {"task_type", "vision"}}, alice_), "task_type");
  expectInvalid(post("/api/v1/ai/route", {{"messages", {{{"role", "robot"}, {"content", "x"}}}}}, alice_), "messages[0].role");
  auto malformed = HttpClient(host_->port()).request("POST", "/api/v1/ai/route", "{\"prompt\":", alice_);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}}, {}).status, 401);
  EXPECT_EQ(providerCalls(), 0u);
}

TEST_P(AiHost, ABudgetRefusesACallWith402BeforeAnyProviderIsCalled) {
  auto alice = userId(alice_);
  // A per-request limit below every estimate.
  auto tooCheap = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"routing_preferences", {{"budget_limit", 1e-9}}}}, alice_);
  EXPECT_EQ(tooCheap.status, 402) << tooCheap.body;
  EXPECT_EQ(tooCheap.json()["error"]["code"], "BUDGET_EXCEEDED");
  auto explicitModel = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "an-strong"}, {"budget_limit", 0.001}}, alice_);
  EXPECT_EQ(explicitModel.status, 402) << explicitModel.body;

  // A monthly budget set by the admin; only admins may.
  EXPECT_EQ(put("/api/v1/ai/budgets/user/" + alice, {{"monthly_limit_usd", 1}}, alice_).status, 403);
  auto set = put("/api/v1/ai/budgets/user/" + alice, {{"monthly_limit_usd", 0.00001}}, admin_);
  ASSERT_EQ(set.status, 200) << set.body;
  expectInvalid(put("/api/v1/ai/budgets/team/" + alice, {{"monthly_limit_usd", 1}}, admin_), "scope");
  expectInvalid(put("/api/v1/ai/budgets/user/" + alice, {{"monthly_limit_usd", -1}}, admin_), "monthly_limit_usd");
  auto refused = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "an-strong"}}, alice_);
  EXPECT_EQ(refused.status, 402) << refused.body;
  auto details = refused.json()["error"]["details"];
  EXPECT_EQ(details["scope"], "user");
  EXPECT_DOUBLE_EQ(details["budget_limit"].get<double>(), 0.00001);
  EXPECT_EQ(providerCalls(), 0u);
  // The cheap model's estimate fits the same budget.
  auto fits = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}, {"max_tokens", 10}}, alice_);
  EXPECT_EQ(fits.status, 200) << fits.body;
  auto usage = get("/api/v1/ai/usage", alice_).json();
  EXPECT_DOUBLE_EQ(usage["user"]["budget_usd"].get<double>(), 0.00001);
  EXPECT_NEAR(usage["user"]["spent_usd"].get<double>(), fits.json()["cost"].get<double>(), 1e-9);
  EXPECT_EQ(usage["user"]["reserved_usd"], 0);
  EXPECT_EQ(get("/api/v1/ai/budgets", admin_).json()["budgets"].size(), 1u);
  EXPECT_EQ(HttpClient(host_->port()).request("DELETE", "/api/v1/ai/budgets/user/" + alice, "", admin_).status, 204);
  EXPECT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "an-strong"}}, alice_).status, 200);
}

TEST_P(AiHost, AnOrganizationsBudgetCoversItsMembersCalls) {
  auto created = post("/api/v1/organizations", {{"name", "Acme Research"}}, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto organization = created.json()["id"].get<std::string>();
  ASSERT_EQ(put("/api/v1/ai/budgets/organization/" + organization, {{"monthly_limit_usd", 0.00001}}, admin_).status, 200);
  // Alice's only organization pays by default; naming it is the same.
  for (const json& body : {json{{"prompt", "Hi"}, {"model", "an-strong"}},
                           json{{"prompt", "Hi"}, {"model", "an-strong"}, {"organization_id", organization}}}) {
    auto refused = post("/api/v1/ai/route", body, alice_);
    EXPECT_EQ(refused.status, 402) << refused.body;
    EXPECT_EQ(refused.json()["error"]["details"]["scope"], "organization") << refused.body;
  }
  expectInvalid(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"organization_id", "someone-elses"}}, alice_), "organization_id");
  auto served = post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}, {"max_tokens", 10}}, alice_);
  ASSERT_EQ(served.status, 200) << served.body;
  auto usage = get("/api/v1/ai/usage", alice_).json();
  EXPECT_EQ(usage["organization"]["id"], organization);
  EXPECT_NEAR(usage["organization"]["spent_usd"].get<double>(), served.json()["cost"].get<double>(), 1e-9);
  EXPECT_NEAR(usage["organization"]["remaining_usd"].get<double>(), 0.00001 - served.json()["cost"].get<double>(), 1e-9);
  EXPECT_EQ(providerCalls(), 1u);
}

TEST_P(AiHost, ConcurrentCallsNeverPassABudgetTogether) {
  auto alice = userId(alice_);
  auto estimate = post("/api/v1/models/route", {{"prompt", "Hi"}, {"priority", "cost"}, {"max_tokens", 1000}}, alice_)
                      .json()["estimated_cost"].get<double>();
  // Room for three estimates, not four; the slow provider keeps all of them in flight at once.
  ASSERT_EQ(put("/api/v1/ai/budgets/user/" + alice, {{"monthly_limit_usd", estimate * 3.5}}, admin_).status, 200);
  FakeLlmServer::Reply slow;
  slow.delay = std::chrono::milliseconds(400);
  openai_.setDefaultReply(slow);
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 10; ++i)
    calls.push_back(std::async(std::launch::async, [&] {
      return post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "oa-cheap"}, {"max_tokens", 1000}}, alice_).status;
    }));
  int served = 0, refused = 0;
  for (auto& call : calls) {
    auto status = call.get();
    served += status == 200;
    refused += status == 402;
  }
  EXPECT_EQ(served, 3);
  EXPECT_EQ(refused, 7);
  EXPECT_EQ(openai_.requestCount(), 3u);
  auto usage = get("/api/v1/ai/usage", alice_).json()["user"];
  EXPECT_NEAR(usage["spent_usd"].get<double>(), 3 * (12 * kCheapIn + 7 * kCheapOut), 1e-9);
  EXPECT_EQ(usage["reserved_usd"], 0);
}

TEST_P(AiHost, TheCatalogIsReloadedWhenItsFileChangesAndABadFileChangesNothing) {
  auto catalog = testCatalog();
  catalog["models"].push_back(model("go-new", "google", 2e-7, 8e-7, 32000, 8192, {"text"}, 0.8, 400));
  writeCatalog(catalog);
  ASSERT_TRUE(eventually([&] { return get("/api/v1/ai/models", alice_).json()["models"].size() == 5; }));
  EXPECT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"model", "go-new"}}, alice_).status, 200);

  std::ofstream(catalogPath_, std::ios::trunc) << "{\"models\": [ {\"id\": \"half";
  EXPECT_TRUE(host_->waitForLog("model catalog not reloaded")) << host_->logs();
  EXPECT_EQ(get("/api/v1/ai/models", alice_).json()["models"].size(), 5u);
}

TEST_P(AiHost, EveryCallIsRecordedAndOtherPluginsCallTheSameGatewayAsAService) {
  auto alice = userId(alice_);
  ASSERT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_).status, 200);
  openai_.queueReply(replyWith(500));
  ASSERT_EQ(post("/api/v1/ai/route", {{"prompt", "Hi"}, {"priority", "cost"}}, alice_).status, 200);
  // A workflow step's call: routed, recorded with its execution and step.
  auto service = post("/api/v1/kit/call/ai.router/complete",
                      {{"prompt", "Summarize"}, {"priority", "cost"}, {"user_id", alice},
                       {"execution_id", "exec-1"}, {"step_id", "step-2"}}, {});
  ASSERT_EQ(service.status, 200) << service.body;
  // OpenAI answered 500 just before: it is ranked last for a while.
  EXPECT_EQ(service.json()["model_used"], "go-middle");
  EXPECT_GT(service.json()["cost"].get<double>(), 0);
  auto refused = post("/api/v1/kit/call/ai.router/complete", {{"prompt", ""}, {"user_id", alice}}, {});
  EXPECT_EQ(refused.status, 422);
  EXPECT_NE(refused.json()["error"]["message"].get<std::string>().find("prompt"), std::string::npos) << refused.body;

  auto calls = get("/api/v1/ai/calls", alice_).json();
  ASSERT_EQ(calls["total"], 4) << calls.dump();
  // Calls within one millisecond share their created_ms: the step's call is found by its execution.
  auto ofExecution = get("/api/v1/ai/calls?execution_id=exec-1", alice_).json();
  ASSERT_EQ(ofExecution["total"], 1) << ofExecution.dump();
  auto newest = ofExecution["calls"][0];
  EXPECT_EQ(newest["execution_id"], "exec-1");
  EXPECT_EQ(newest["step_id"], "step-2");
  EXPECT_EQ(newest["user_id"], alice);
  EXPECT_EQ(newest["status"], "completed");
  EXPECT_EQ(newest["prompt_tokens"], 12);
  EXPECT_EQ(newest["completion_tokens"], 7);
  EXPECT_TRUE(newest["latency_ms"].is_number());
  EXPECT_EQ(get("/api/v1/ai/calls?status=failed", alice_).json()["calls"][0]["error"].get<std::string>().substr(0, 8), "HTTP 500");
  // Another user sees none of them.
  auto bob = login("bob@example.com", true);
  EXPECT_EQ(get("/api/v1/ai/calls", bob).json()["total"], 0);
  // Spend: one answer from the cheap model, two from the middle one (after the 500).
  auto usage = get("/api/v1/ai/usage", alice_).json()["user"];
  EXPECT_NEAR(usage["spent_usd"].get<double>(), 12 * kCheapIn + 7 * kCheapOut + 2 * (12 * kMiddleIn + 7 * kMiddleOut), 1e-9);
  EXPECT_EQ(usage["calls"], 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, AiHost, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace ai_test
