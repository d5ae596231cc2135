// Steps that run more than once, end to end: a graph's cycle (each pass its
// own row, bounded by recursion_limit, state with reducers) and tool_loop, a
// model that calls tools (api_call against a local server, a third-party
// plugin's step type) through the ai plugin and a local OpenAI stand-in,
// every turn committed, so that a kill -9 mid-loop repeats no model turn.
#include "Eventually.h"
#include "Executions.h"
#include "FakeLlmServer.h"
#include "LocalHttpServer.h"
#include "WorkflowsHost.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace workflows_test {
namespace {

using orch::test::FakeLlmServer;
using orch::test::LocalHttpServer;

class Loops : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "wf-loops", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/ai.so",
                     ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so"});
    return folder;
  }
  std::string extraConfig() const override {
    return "steps.api_call.allow_private_networks = true\n"
           "workflows.engine.retry_base_ms = 20\n"
           "workflows.engine.lease_ms = 1500\n"
           "workflows.engine.poll_ms = 50\n" + llm_.hostConfig();
  }

  std::string create(const json& workflow) {
    auto created = post("/api/v1/workflows", workflow, alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", "");
  }
  std::string start(const std::string& workflowId, const json& input = json::object()) {
    auto started = post("/api/v1/workflows/" + workflowId + "/execute", {{"input_data", input}}, alice_);
    EXPECT_EQ(started.status, 202) << started.body;
    return started.json().value("execution_id", "");
  }
  json runToEnd(const json& workflow, const json& input = json::object()) {
    return orch::test::awaitExecution(host_->port(), start(create(workflow), input), alice_);
  }
  static json stepOf(const json& execution, const std::string& id) {
    for (const auto& step : execution["steps"])
      if (step["step_id"] == id) return step;
    return json();
  }

  FakeLlmServer llm_;
};

/// start -> tick -> log; log -> tick again while `again` holds (three
/// ticks), else done. tick counts in the state's `result` (replaced), log
/// appends each count to `ticks`; done reads the whole state.
json countingLoop(int recursionLimit, const std::string& again = "state.result < 3") {
  return {{"name", "Counting loop"},
          {"definition",
           {{"recursion_limit", recursionLimit},
            {"state", {{"ticks", "append"}, {"result", {{"reducer", "replace"}}}}},
            {"nodes",
             {{{"id", "start"}, {"type", "start"}},
              {{"id", "tick"}, {"type", "transform"}, {"data", {{"expression", "state.result + 1"}}}},
              {{"id", "log"}, {"type", "transform"}, {"data", {{"mapping", {{"ticks", "{{steps.tick.output.result}}"}}}}}},
              {{"id", "done"}, {"type", "transform"},
               {"data", {{"mapping", {{"ticks", "{{state.ticks}}"}, {"count", "{{state.result}}"}}}}}}}},
            {"edges",
             {{{"source", "start"}, {"target", "tick"}},
              {{"source", "tick"}, {"target", "log"}},
              {{"source", "log"}, {"target", "tick"}, {"condition", {{"expression", again}}}},
              {{"source", "log"}, {"target", "done"}, {"condition", {{"expression", "not (" + again + ")"}}}}}}}}};
}

TEST_P(Loops, ACycleRunsEachPassAsItsOwnStepAndItsStateAccumulatesThroughReducers) {
  auto execution = runToEnd(countingLoop(10), {{"result", 0}, {"ticks", json::array({0})}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  // The input seeds the state; each pass replaced the count and appended to the list.
  EXPECT_EQ(execution["output_data"], json({{"ticks", {0, 1, 2, 3}}, {"count", 3}})) << execution.dump();
  auto tick = stepOf(execution, "tick");
  EXPECT_EQ(tick["iteration"], 3);
  ASSERT_EQ(tick["iterations"].size(), 3u) << tick.dump();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(tick["iterations"][i]["iteration"], i + 1);
    EXPECT_EQ(tick["iterations"][i]["pass"], i + 1);
    EXPECT_EQ(tick["iterations"][i]["status"], "completed");
    EXPECT_EQ(tick["iterations"][i]["output"]["result"], i + 1);
  }
  // done was skipped in the first two passes and ran in the third.
  auto done = stepOf(execution, "done");
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["iteration"], 3);
  EXPECT_EQ(done["iterations"][0]["status"], "skipped");
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_execution_steps WHERE execution_id = ? AND step_id = 'log'",
                        execution["id"].get<std::string>()),
            "3");
}

TEST_P(Loops, ACycleThatNeverEndsFailsClearlyAtItsRecursionLimit) {
  auto execution = runToEnd(countingLoop(4, "true"));
  ASSERT_EQ(execution["status"], "failed") << execution.dump();
  EXPECT_EQ(execution["failed_step"], "tick");
  EXPECT_EQ(execution["error"], "Recursion limit of 4 reached: step 'tick' would run a pass more (through the edge from 'log')");
  EXPECT_EQ(stepOf(execution, "tick")["iterations"].size(), 4u);
}

TEST_P(Loops, ABadLoopDefinitionIsA422NamingTheField) {
  auto loop = countingLoop(10);
  loop["definition"]["recursion_limit"] = 0;
  expectInvalid(post("/api/v1/workflows", loop, alice_), "definition.recursion_limit");
  loop = countingLoop(10);
  loop["definition"]["state"]["ticks"] = "sum";
  expectInvalid(post("/api/v1/workflows", loop, alice_), "definition.state.ticks");
  loop = countingLoop(10);
  loop["definition"].erase("recursion_limit");
  expectInvalid(post("/api/v1/workflows", loop, alice_), "definition.nodes[2]",
                "Cycle through step 'log' (a graph with cycles needs recursion_limit to bound them)");
  json badTools = {{"name", "Bad tools"},
                   {"steps", {{{"id", "agent"}, {"type", "tool_loop"}, {"config", {{"prompt", "hi"}, {"tools", "api_call"}}}}}}};
  expectInvalid(post("/api/v1/workflows", badTools, alice_), "steps[0].config.tools");
}

/// A weather service the model's api_call tool reaches.
LocalHttpServer::Reply weather(const LocalHttpServer::Request& request) {
  return {200, json({{"city", request.path.substr(request.path.find('=') + 1)}, {"temperature", 21}}).dump()};
}

FakeLlmServer::Reply calling(const std::string& id, const std::string& name, json arguments) {
  FakeLlmServer::Reply reply;
  reply.text = "";
  reply.promptTokens = 100;
  reply.completionTokens = 20;
  reply.toolCalls = {{id, name, std::move(arguments)}};
  return reply;
}

FakeLlmServer::Reply answering(const std::string& text) {
  FakeLlmServer::Reply reply;
  reply.text = text;
  reply.promptTokens = 150;
  reply.completionTokens = 10;
  return reply;
}

json agentWorkflow() {
  return {{"name", "Weather agent"},
          {"steps",
           {{{"id", "agent"},
             {"type", "tool_loop"},
             {"config",
              {{"prompt", "{{question}}"},
               {"instructions", "You answer weather questions with the tools."},
               {"model", "gpt-4o-mini"},
               {"max_iterations", 5},
               {"tools",
                {{{"type", "api_call"}, {"name", "get_weather"}, {"description", "GET the weather service"},
                  {"config", {{"method", "GET"}}}},
                 "greet"}}}}}}}};
}

TEST_P(Loops, AToolLoopCallsEachToolAsAStepFeedsTheResultsBackAndAnswers) {
  LocalHttpServer service(weather);
  llm_.queueReply(calling("call_w", "get_weather", {{"url", service.url("/weather?city=Paris")}}));
  llm_.queueReply(calling("call_g", "greet", {{"name", "Ada"}}));
  llm_.queueReply(answering("Paris is 21 degrees. Hello, Ada!"));
  auto execution = runToEnd(agentWorkflow(), {{"question", "Weather in Paris? And greet Ada."}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["response"], "Paris is 21 degrees. Hello, Ada!");
  EXPECT_EQ(execution["output_data"]["model_turns"], 3);
  EXPECT_EQ(execution["output_data"]["tool_calls"], 2);

  // The tool ran as a step, with the model's arguments and the author's fixed method.
  auto calls = service.requests();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].method, "GET");
  EXPECT_EQ(calls[0].path, "/weather?city=Paris");

  // What the model saw: the tools with their schemas, then each result as a tool turn.
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 3u);
  const auto& tools = sent[0].body["tools"];
  ASSERT_EQ(tools.size(), 2u) << tools.dump();
  EXPECT_EQ(tools[0]["function"]["name"], "get_weather");
  EXPECT_TRUE(tools[0]["function"]["parameters"]["properties"].contains("url"));
  EXPECT_FALSE(tools[0]["function"]["parameters"]["properties"].contains("method")) << "fixed by the author";
  EXPECT_FALSE(tools[0]["function"]["parameters"]["properties"].contains("allow_private_network")) << "never the model's";
  EXPECT_EQ(tools[1]["function"]["name"], "greet");
  EXPECT_EQ(sent[0].body["messages"][0], json({{"role", "system"}, {"content", "You answer weather questions with the tools."}}));
  EXPECT_EQ(sent[0].body["messages"][1]["content"], "Weather in Paris? And greet Ada.");
  auto toolTurn = sent[1].body["messages"].back();
  EXPECT_EQ(toolTurn["role"], "tool");
  EXPECT_EQ(toolTurn["tool_call_id"], "call_w");
  EXPECT_EQ(json::parse(toolTurn["content"].get<std::string>())["body"]["temperature"], 21) << toolTurn.dump();
  auto greetTurn = sent[2].body["messages"].back();
  EXPECT_EQ(json::parse(greetTurn["content"].get<std::string>())["message"], "Hello, Ada!") << greetTurn.dump();

  // Five committed turns: model, tool, model, tool, model; cost from every model turn.
  auto agent = stepOf(execution, "agent");
  ASSERT_EQ(agent["iterations"].size(), 5u) << agent.dump();
  EXPECT_EQ(agent["iterations"][1]["output"]["tool_call"]["type"], "api_call");
  EXPECT_EQ(agent["iterations"][3]["output"]["tool_call"]["type"], "greet");
  EXPECT_EQ(execution["results"]["agent"]["tokens_used"], 120 + 120 + 160);
  EXPECT_GT(execution["cost"].get<double>(), 0);
}

TEST_P(Loops, AToolsFailureGoesBackToTheModelAndTooManyTurnsFailTheStep) {
  llm_.queueReply(calling("call_1", "get_weather", {{"url", "http://127.0.0.1:9/down"}}));
  llm_.queueReply(calling("call_2", "no_such_tool", json::object()));
  llm_.queueReply(answering("The service is down."));
  auto execution = runToEnd(agentWorkflow(), {{"question", "Weather?"}});
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 3u);
  auto failed = json::parse(sent[1].body["messages"].back()["content"].get<std::string>());
  EXPECT_TRUE(failed.contains("error")) << failed.dump();
  auto unknown = json::parse(sent[2].body["messages"].back()["content"].get<std::string>());
  EXPECT_EQ(unknown["error"], "There is no tool named 'no_such_tool'");

  // A model that never stops calling tools ends at max_iterations.
  llm_.clear();
  llm_.setDefaultReply(calling("call_x", "greet", {{"name", "again"}}));
  auto endless = runToEnd(agentWorkflow(), {{"question", "Loop"}});
  ASSERT_EQ(endless["status"], "failed") << endless.dump();
  EXPECT_NE(endless["error"].get<std::string>().find("did not answer within max_iterations (5 turns)"), std::string::npos)
      << endless.dump();
  EXPECT_EQ(llm_.requestCount(), 5u);
}

TEST_P(Loops, AKill9InTheMiddleOfAToolLoopRepeatsNoModelTurnAndTheAnswerArrives) {
  // The tool hangs long enough for the kill to come while it runs.
  std::atomic<int> toolCalls{0};
  LocalHttpServer slow([&](const LocalHttpServer::Request& request) {
    if (++toolCalls == 1) std::this_thread::sleep_for(std::chrono::seconds(3));
    return weather(request);
  });
  llm_.queueReply(calling("call_w", "get_weather", {{"url", slow.url("/weather?city=Oslo")}}));
  llm_.queueReply(answering("Oslo is 21 degrees."));
  auto id = start(create(agentWorkflow()), {{"question", "Weather in Oslo?"}});
  ASSERT_TRUE(orch::test::eventually([&] { return toolCalls.load() == 1; }, std::chrono::seconds(20)));
  ASSERT_EQ(llm_.requestCount(), 1u);
  killAndRestart();

  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["response"], "Oslo is 21 degrees.");
  // The model's first turn was committed before the kill: it was not asked again.
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].body["messages"].back()["tool_call_id"], "call_w");
  // The tool call had not committed: it ran again (tools run at least once).
  EXPECT_EQ(toolCalls.load(), 2);
  EXPECT_EQ(stepOf(execution, "agent")["iterations"].size(), 3u);
}

TEST_P(Loops, AToolLoopCalledAsAToolTakesTurnsAndCallsItsOwnToolsAndAKill9RepeatsNoneOfThem) {
  std::atomic<int> toolCalls{0};
  LocalHttpServer slow([&](const LocalHttpServer::Request& request) {
    if (++toolCalls == 1) std::this_thread::sleep_for(std::chrono::seconds(3));
    return weather(request);
  });
  json researcher = {{"type", "tool_loop"}, {"name", "researcher"}, {"description", "Finds out; give it the question as prompt"},
                     {"config", {{"model", "gpt-4o-mini"}, {"instructions", "You research."},
                                 {"tools", {{{"type", "api_call"}, {"name", "get_weather"}, {"config", {{"method", "GET"}}}}}}}}};
  json workflow = {{"name", "Lead and researcher"},
                   {"definition",
                    {{"nodes",
                      {{{"id", "start"}, {"type", "start"}},
                       {{"id", "lead"}, {"type", "tool_loop"},
                        {"data", {{"model", "gpt-4o-mini"}, {"instructions", "You lead."}, {"prompt", "{{input.question}}"},
                                  {"tools", {researcher}}}}}}},
                     {"edges", {{{"source", "start"}, {"target", "lead"}}}}}}};
  llm_.queueReply(calling("call_r", "researcher", {{"prompt", "Weather in Oslo?"}}));
  llm_.queueReply(calling("call_w", "get_weather", {{"url", slow.url("/weather?city=Oslo")}}));
  llm_.queueReply(answering("Oslo is 21 degrees."));
  llm_.queueReply(answering("The researcher says Oslo is 21 degrees."));
  auto id = start(create(workflow), {{"question", "How warm is Oslo?"}});
  ASSERT_TRUE(orch::test::eventually([&] { return toolCalls.load() == 1; }, std::chrono::seconds(20)));
  ASSERT_EQ(llm_.requestCount(), 2u) << "the lead's turn and the researcher's first";
  killAndRestart();

  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["response"], "The researcher says Oslo is 21 degrees.");
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 4u) << "no model turn asked twice";
  EXPECT_EQ(sent[1].body["messages"][0]["content"], "You research.");
  EXPECT_EQ(sent[1].body["messages"][1]["content"], "Weather in Oslo?") << "the lead's words are the researcher's prompt";
  EXPECT_EQ(sent[2].body["messages"][0]["content"], "You research.");
  EXPECT_EQ(sent[2].body["messages"].back()["tool_call_id"], "call_w");
  EXPECT_EQ(sent[3].body["messages"][0]["content"], "You lead.");
  auto answered = sent[3].body["messages"].back();
  EXPECT_EQ(answered["tool_call_id"], "call_r");
  EXPECT_EQ(json::parse(answered["content"].get<std::string>())["response"], "Oslo is 21 degrees.") << answered.dump();
  EXPECT_EQ(toolCalls.load(), 2) << "the weather call had not committed: it ran again";
  // lead's call, researcher's call, the weather, researcher's answer, lead's answer.
  EXPECT_EQ(stepOf(execution, "lead")["iterations"].size(), 5u);
  EXPECT_EQ(execution["results"]["lead"]["tokens_used"], 120 + 120 + 160 + 160);
}

TEST_P(Loops, AModelTurnWaitingForItsRetryKeepsTheConversationAcrossAKill9) {
  LocalHttpServer service(weather);
  auto workflow = agentWorkflow();
  workflow["steps"][0]["config"]["retry_count"] = 1;
  workflow["steps"][0]["config"]["retry_delay"] = 3; // seconds: the kill comes while it waits
  FakeLlmServer::Reply down;
  down.status = 500;
  down.text = "overloaded";
  llm_.queueReply(calling("call_w", "get_weather", {{"url", service.url("/weather?city=Paris")}}));
  llm_.queueReply(down);
  llm_.queueReply(answering("Paris is 21 degrees."));
  auto id = start(create(workflow), {{"question", "Weather in Paris?"}});
  ASSERT_TRUE(orch::test::eventually(
      [&] { return storedValue("SELECT status FROM wf_execution_steps WHERE execution_id = ? AND status = 'retrying'", id) == "retrying"; },
      std::chrono::seconds(20)));
  killAndRestart();

  auto execution = orch::test::awaitExecution(host_->port(), id, alice_);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["output_data"]["response"], "Paris is 21 degrees.");
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].body["messages"], sent[1].body["messages"]) << "the retry asks what the failed turn asked";
  EXPECT_EQ(sent[2].body["messages"].back()["tool_call_id"], "call_w") << "with the tool's result, not a new conversation";
  EXPECT_EQ(service.requests().size(), 1u) << "the committed tool call is not run again";
}

TEST_P(Loops, AToolCallMissingWhatItNeedsIsAnErrorTheModelReadsAndTheHostLivesOn) {
  json workflow = {{"name", "Calls a workflow"},
                   {"steps", {{{"id", "agent"}, {"type", "tool_loop"},
                               {"config", {{"prompt", "Run it"}, {"model", "gpt-4o-mini"}, {"tools", {"workflow"}}}}}}}};
  llm_.queueReply(calling("call_1", "workflow", json::object()));
  llm_.queueReply(answering("It needs a workflow id."));
  auto execution = runToEnd(workflow);
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  auto sent = llm_.received();
  ASSERT_EQ(sent.size(), 2u);
  auto failed = json::parse(sent[1].body["messages"].back()["content"].get<std::string>());
  EXPECT_EQ(failed["error"], "workflow_id must name a workflow") << failed.dump();
  EXPECT_EQ(get("/health", alice_).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, Loops, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace workflows_test
