// A real host that deploys agents (auth, workflows, agents, containers,
// realtime and the worker_probe fixture's step types), and helpers: shared by
// the process runtime's tests and Docker's.
#pragma once

#include "Eventually.h"
#include "Executions.h"
#include "WorkflowsHost.h"

#include <orchestrator/time.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <csignal>
#include <filesystem>
#include <sstream>

namespace agents_test {

using namespace workflows_test;

/// start -> the given steps, one after another; the last one's output is the execution's.
inline json chain(const std::vector<json>& steps) {
  json nodes = {{{"id", "start"}, {"type", "start"}}}, edges = json::array();
  std::string previous = "start";
  for (const auto& step : steps) {
    nodes.push_back(step);
    edges.push_back({{"id", previous + "-" + step["id"].get<std::string>()}, {"source", previous}, {"target", step["id"]}});
    previous = step["id"].get<std::string>();
  }
  return {{"nodes", nodes}, {"edges", edges}};
}

inline json where(const std::string& id = "where") { return {{"id", id}, {"type", "whereami"}}; }

class DeploymentsHost : public WorkflowsHost {
protected:
  std::string pluginsDir() const override {
    static const std::string folder = orch::test::linkedPluginFolder(
        "deployments", {ORCH_PLUGIN_DIR "/auth.so", ORCH_PLUGIN_DIR "/workflows.so", ORCH_PLUGIN_DIR "/agents.so",
                        ORCH_PLUGIN_DIR "/containers.so", ORCH_PLUGIN_DIR "/realtime.so",
                        ORCH_FIXTURE_PLUGIN_DIR "/workers/worker_probe.so"});
    return folder;
  }
  std::string extraConfig() const override {
    return "workflows.engine.retry_base_ms = 20\nworkflows.engine.lease_ms = 1500\nworkflows.engine.poll_ms = 50\n"
           "agents.health_interval_ms = 100\nagents.health_timeout_ms = 1000\n" + suiteConfig();
  }
  virtual std::string suiteConfig() const { return ""; }

  /// A native agent of alice's running `graph`, with `limits`.
  json agent(const json& graph, const json& limits = json::object()) {
    auto created = post("/api/v1/agents", {{"name", "Probe"}, {"framework", "native"}, {"definition", graph},
                                          {"resource_limits", limits}}, alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json();
  }
  HttpResult deploy(const json& agent, const json& body = json::object()) {
    return post("/api/v1/agents/" + agent["id"].get<std::string>() + "/deploy", body, alice_);
  }
  json container(const json& agent) { return get("/api/v1/agents/" + agent["id"].get<std::string>() + "/container", alice_).json(); }
  /// Runs the agent's workflow to its end.
  json run(const json& agent, const json& input = json::object()) {
    auto started = post("/api/v1/workflows/" + agent["workflow_id"].get<std::string>() + "/execute", {{"input_data", input}}, alice_);
    EXPECT_EQ(started.status, 202) << started.body;
    return orch::test::awaitExecution(host_->port(), started.json().value("execution_id", ""), alice_,
                                      orch::test::executionEnded, std::chrono::seconds(60));
  }
  static json stepOutput(const json& execution, const std::string& id) {
    for (const auto& step : execution["steps"])
      if (step["step_id"] == id) return step["output"];
    return json();
  }
  /// The pid of the agent's worker, once its container runs one.
  long workerPid(const json& agent) {
    long pid = 0;
    EXPECT_TRUE(orch::test::eventually([&] {
      auto seen = container(agent);
      pid = seen.value("limits", json::object()).value("pid", 0L);
      return seen.value("status", "") == "running" && pid > 0;
    }));
    return pid;
  }
  /// A request over a Unix socket (the host's link, Docker's engine): its status and JSON body.
  static std::pair<int, json> onSocket(const std::string& socketPath, const std::string& method, const std::string& path,
                                       const std::map<std::string, std::string>& headers = {},
                                       const std::string& body = "") {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, socketPath));
    Poco::Net::HTTPClientSession session(socket);
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setHost("localhost");
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty()) request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::ostringstream answer;
    Poco::StreamCopier::copyStream(session.receiveResponse(response), answer);
    return {static_cast<int>(response.getStatus()), json::parse(answer.str(), nullptr, false)};
  }
  static bool alive(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0; }
  static std::string ownNetns() { return std::filesystem::read_symlink("/proc/self/ns/net").string(); }
};

} // namespace agents_test
