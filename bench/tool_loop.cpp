// tool_loop's cost: a 3-turn ReAct loop (the model calls `transform`, then
// the third-party `greet` through the ABI, then answers) against a local
// OpenAI stand-in, on a real host with SQLite. Prints:
//  - runs/s with `concurrency` executions in flight (each run is 5 committed
//    turns: 3 model turns, 2 tool calls);
//  - the engine's added latency per turn: one run at a time, the time the host
//    ran the execution less its steps' own work (the model calls through the
//    ai gateway, the tools), as the execution reports it (engine_time), / 5;
//  - the host's added latency per turn: the run's wall time at the client less
//    3 model round trips measured straight against the stand-in, / 5 (the
//    engine, the ai gateway, the HTTP request and the two tools).
// Asserts nothing.
//
//   tool_loop_bench [runs=2000] [concurrency=32] [sequential_runs=300]
#include "FakeLlmServer.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "Percentile.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
using orch::test::FakeLlmServer;
using orch::test::HostProcess;
using orch::test::HttpClient;
using json = nlohmann::json;
using bench::percentile;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

/// The conversation's turn decides: no tool result yet -> transform, one -> greet, two -> the answer.
std::optional<FakeLlmServer::Reply> reactTurn(const FakeLlmServer::Received& request) {
  int results = 0;
  for (const auto& message : request.body.value("messages", json::array())) results += message.value("role", "") == "tool";
  FakeLlmServer::Reply reply;
  if (request.body["messages"].back().value("content", "") == "Answer now.") {
    reply.text = "Done.";
    return reply;
  }
  reply.promptTokens = 200;
  reply.completionTokens = 20;
  if (results == 0) {
    reply.text = "";
    reply.toolCalls = {{"call_t", "transform", {{"mapping", {{"order", 42}}}}}};
  } else if (results == 1) {
    reply.text = "";
    reply.toolCalls = {{"call_g", "greet", {{"name", "Ada"}}}};
  } else {
    reply.text = "Order 42 is ready. Hello, Ada!";
  }
  return reply;
}

} // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  int concurrency = argc > 2 ? std::atoi(argv[2]) : 32;
  int sequential = argc > 3 ? std::atoi(argv[3]) : 300;

  FakeLlmServer llm;
  llm.setReplier(reactTurn);
  auto plugins = orch::test::linkedPluginFolder(
      "tool-loop-bench", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/ai.so",
                          ORCH_FIXTURE_PLUGIN_DIR "/hello_steps.so"});
  HostProcess host({.pluginsDir = plugins,
                    .config = "ratelimit.enabled = false\n"
                              + llm.hostConfig() +
                              "workflows.engine.step_timeout_ms = 60000\n",
                    .env = {{"ORCH_ADMIN_EMAIL", "bench@example.com"}, {"ORCH_ADMIN_PASSWORD", "bench-password-42"}}});
  HttpClient client(host.port());
  auto login = client.post("/api/v1/auth/login", {{"email", "bench@example.com"}, {"password", "bench-password-42"}});
  std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + login.json().value("access_token", "")}};
  json workflow = {{"name", "ReAct bench"},
                   {"steps",
                    {{{"id", "agent"},
                      {"type", "tool_loop"},
                      {"config", {{"prompt", "Get order 42 ready and greet Ada."}, {"model", "gpt-4o-mini"},
                                  {"tools", {"transform", "greet"}}}}}}}};
  auto created = client.post("/api/v1/workflows", workflow, auth);
  auto workflowId = created.json().value("id", "");
  if (workflowId.empty()) {
    std::fprintf(stderr, "could not create the workflow: %s\n", created.body.c_str());
    return 1;
  }
  auto execute = "/api/v1/workflows/" + workflowId + "/execute";
  // The same loop answered at once (one model turn, no tool), and a one-step
  // workflow of `transform`: what separates a model turn from any step.
  json oneTurn = workflow;
  oneTurn["name"] = "One turn";
  oneTurn["steps"][0]["config"]["prompt"] = "Answer now.";
  auto oneTurnRun = "/api/v1/workflows/" + client.post("/api/v1/workflows", oneTurn, auth).json().value("id", "") + "/execute";
  json plain = {{"name", "One step"}, {"steps", {{{"id", "s"}, {"type", "transform"}, {"config", {{"mapping", {{"x", 1}}}}}}}}};
  auto plainRun = "/api/v1/workflows/" + client.post("/api/v1/workflows", plain, auth).json().value("id", "") + "/execute";
  auto medianOf = [&](const std::string& path) {
    std::vector<double> times;
    for (int i = 0; i < sequential; ++i) {
      auto started = Clock::now();
      client.post(path, {{"input_data", json::object()}, {"execution_mode", "sync"}}, auth);
      times.push_back(micros(Clock::now() - started));
    }
    return percentile(times, 0.5);
  };
  auto oneTurnUs = medianOf(oneTurnRun), plainUs = medianOf(plainRun);

  // One at a time: the latency of a run, and of a model round trip alone.
  std::vector<double> runUs, modelUs, engineUs;
  json direct = {{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  HttpClient toModel(llm.port());
  for (int i = 0; i < sequential; ++i) {
    auto started = Clock::now();
    auto answer = client.post(execute, {{"input_data", json::object()}, {"execution_mode", "sync"}}, auth);
    runUs.push_back(micros(Clock::now() - started));
    auto ended = answer.json();
    if (ended.value("status", "") != "completed") {
      std::fprintf(stderr, "a run did not complete: %s\n", answer.body.substr(0, 400).c_str());
      return 1;
    }
    // The host's own account: the time it ran the execution less its steps' own work.
    engineUs.push_back(ended["resource_usage"].value("engine_time", 0.0) * 1e6);
    started = Clock::now();
    toModel.post("/v1/chat/completions", direct, {{"Authorization", "Bearer sk-test"}});
    modelUs.push_back(micros(Clock::now() - started));
  }
  llm.clear();

  // Many in flight: runs per second, from the first start to the last end.
  std::atomic<int> next{0}, failed{0};
  auto started = Clock::now();
  std::vector<std::thread> senders;
  for (int c = 0; c < concurrency; ++c)
    senders.emplace_back([&] {
      HttpClient mine(host.port());
      while (next++ < runs) {
        auto answer = mine.post(execute, {{"input_data", json::object()}, {"execution_mode", "sync"}}, auth);
        if (answer.json().value("status", "") != "completed") ++failed;
      }
    });
  for (auto& sender : senders) sender.join();
  auto seconds = std::chrono::duration<double>(Clock::now() - started).count();

  auto medianRun = percentile(runUs, 0.5), medianModel = percentile(modelUs, 0.5);
  std::printf("tool_loop benchmark (%u cores): 3 model turns + 2 tool calls per run, SQLite\n",
              std::thread::hardware_concurrency());
  std::printf("  runs/s with %d in flight: %.0f (%d runs in %.2f s, %d not completed; %.0f turns/s)\n", concurrency,
              runs / seconds, runs, seconds, failed.load(), runs * 5 / seconds);
  std::printf("  one at a time: run p50 %.0f µs, p99 %.0f µs; a model round trip alone p50 %.0f µs\n", medianRun,
              percentile(runUs, 0.99), medianModel);
  std::printf("  the engine's added latency per turn (p50 of the host's engine_time, its run less its steps' own work, / 5 turns): %.0f µs\n",
              percentile(engineUs, 0.5) / 5);
  std::printf("  the host's added latency per turn, the ai gateway and HTTP included (p50 run - 3 model round trips, / 5 turns): %.0f µs\n",
              (medianRun - 3 * medianModel) / 5);
  // The run's own fixed cost (the HTTP request, its rows, its end, the view
  // answered) is what a one-step workflow costs: the other four turns add the rest.
  std::printf("  each turn after the first (p50 run - a one-step workflow - 3 model round trips, / 4): %.0f µs\n",
              (medianRun - plainUs - 3 * medianModel) / 4);
  std::printf("  a one-step workflow p50 %.0f µs; the loop answered in one model turn p50 %.0f µs: a model turn costs the host "
              "%.0f µs beyond its round trip\n",
              plainUs, oneTurnUs, oneTurnUs - plainUs - medianModel);
  return failed.load() ? 1 : 0;
}
