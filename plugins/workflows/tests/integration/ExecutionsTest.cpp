// Executions end to end: a real host, its database (SQLite and PostgreSQL),
// and real HTTP servers on loopback for the steps to call.
#include "Executions.h"
#include "LocalHttpServer.h"
#include "StandardWebhooks.h"
#include "WorkflowsHost.h"

#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

namespace workflows_test {
namespace {

using orch::test::LocalHttpServer;

class Executions : public WorkflowsHost {
protected:
  std::string extraConfig() const override {
    return "workflows.engine.lease_ms = 1500\n"
           "workflows.engine.poll_ms = 50\n"
           "workflows.engine.release_after_ms = 300\n"
           "workflows.engine.retry_base_ms = 50\n" +
           extra_;
  }

  std::string createWorkflow(const json& steps, const std::string& name = "flow") {
    auto created = post("/api/v1/workflows", {{"name", name}, {"steps", steps}}, alice_);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.json().value("id", "");
  }

  HttpResult execute(const std::string& workflowId, const json& body) {
    return post("/api/v1/workflows/" + workflowId + "/execute", body, alice_);
  }

  /// Polls the execution until it ended (or `wanted` matches).
  json waitFor(const std::string& id, const std::function<bool(const json&)>& wanted = orch::test::executionEnded,
               std::chrono::seconds timeout = std::chrono::seconds(30)) {
    return orch::test::awaitExecution(host_->port(), id, alice_, wanted, timeout);
  }

  /// Waits until `count` executions of the workflow completed (or a minute
  /// passed); returns how many did.
  std::int64_t waitForCompleted(int port, const std::string& workflowId, std::int64_t count) {
    HttpClient client(port);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::int64_t completed = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      completed = client.get("/api/v1/executions?status=completed&workflow_id=" + workflowId + "&limit=1", alice_)
                      .json()
                      .value("total", std::int64_t(0));
      if (completed >= count) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return completed;
  }

  std::string extra_;
};

/// The time `seconds` from now, as RFC 3339 in UTC (whole seconds).
std::string rfc3339In(int seconds) {
  auto at = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + seconds;
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&at));
  return text;
}

json transform(const std::string& id, const json& mapping, const json& dependencies = json::array()) {
  return {{"id", id}, {"type", "transform"}, {"config", {{"mapping", mapping}}}, {"dependencies", dependencies}};
}

TEST_P(Executions, SyncRunFillsTemplatesFollowsTheTakenBranchAndSkipsTheOther) {
  auto workflow = createWorkflow(json::array(
      {transform("greet", {{"greeting", "Hello {{customer_name}}"}, {"score", "{{score}}"}}),
       {{"id", "check"}, {"type", "condition"}, {"config", {{"expression", "steps.greet.output.score > 5"},
                                                            {"true_step", "vip"}, {"false_step", "regular"}}},
        {"dependencies", {"greet"}}},
       transform("vip", {{"message", "{{steps.greet.output.greeting}}, welcome back"}}, {"check"}),
       transform("regular", {{"message", "{{steps.greet.output.greeting}}"}}, {"check"}),
       transform("after_regular", {{"done", true}}, {"regular"})}));
  auto result = execute(workflow, {{"input_data", {{"customer_name", "Ada"}, {"score", 9}}}, {"execution_mode", "sync"}});
  ASSERT_EQ(result.status, 200) << result.body;
  auto execution = result.json();
  EXPECT_EQ(execution["status"], "completed");
  EXPECT_EQ(execution["workflow_version"], "1.0.0");
  EXPECT_EQ(execution["results"]["greet"]["output"]["score"], 9) << "a whole-string placeholder keeps its type";
  EXPECT_EQ(execution["results"]["vip"]["output"]["message"], "Hello Ada, welcome back");
  EXPECT_EQ(execution["results"]["regular"]["status"], "skipped");
  EXPECT_EQ(execution["results"]["after_regular"]["status"], "skipped") << "what follows a skipped step is skipped too";
  EXPECT_EQ(execution["output_data"], json({{"message", "Hello Ada, welcome back"}}));
  EXPECT_EQ(execution["progress"]["completed_steps"], 3);
  EXPECT_EQ(execution["progress"]["total_steps"], 5);
  for (const char* field : {"steps", "logs", "input_data", "execution_data", "duration", "resource_usage", "correlation_id"})
    EXPECT_TRUE(execution.contains(field)) << field;
  EXPECT_EQ(execution["steps"].size(), 5u);
  EXPECT_FALSE(execution["logs"].empty());
  EXPECT_EQ(storedValue("SELECT status FROM wf_execution_steps WHERE step_id = 'regular' AND execution_id = ?",
                        execution["id"].get<std::string>()),
            "skipped");

  auto workflowView = get("/api/v1/workflows/" + workflow, alice_).json();
  EXPECT_EQ(workflowView["execution_count"], 1);
  EXPECT_EQ(workflowView["execution_stats"]["completed"], 1);
  auto byAlias = get("/api/v1/workflows/executions/" + execution["id"].get<std::string>(), alice_);
  EXPECT_EQ(byAlias.status, 200);
  EXPECT_EQ(get("/api/v1/executions/" + execution["id"].get<std::string>(), bob_).status, 404)
      << "another tenant's execution does not exist for bob";
}

TEST_P(Executions, AStepThatFailsWithOnErrorContinueGoesOnDownTheEdgesThatAskForIt) {
  auto mapping = [](const json& values) { return json{{"mapping", values}}; };
  json workflow = {{"name", "Careful"},
                   {"definition",
                    {{"nodes",
                      {{{"id", "start"}, {"type", "start"}},
                       {{"id", "fetch"}, {"type", "api_call"}, {"data", {{"url", "http://127.0.0.1:1/down"}, {"on_error", "continue"}}}},
                       {{"id", "ok"}, {"type", "transform"}, {"data", mapping({{"lane", "ok"}})}},
                       {{"id", "handled"}, {"type", "transform"},
                        {"data", mapping({{"lane", "handled"}, {"problem", "{{steps.fetch.output.error}}"}})}},
                       {{"id", "either"}, {"type", "transform"}, {"data", mapping({{"reached", true}})}}}},
                     {"edges",
                      {{{"source", "start"}, {"target", "fetch"}},
                       {{"source", "fetch"}, {"target", "ok"}, {"condition", {{"on", "success"}}}},
                       {{"source", "fetch"}, {"target", "handled"}, {"condition", {{"on", "error"}}}},
                       // Both of its outcomes lead here: reached either way.
                       {{"id", "either_ok"}, {"source", "fetch"}, {"target", "either"}, {"condition", {{"on", "success"}}}},
                       {{"id", "either_failed"}, {"source", "fetch"}, {"target", "either"}, {"condition", {{"on", "error"}}}}}}}}};
  auto created = post("/api/v1/workflows", workflow, alice_);
  ASSERT_EQ(created.status, 201) << created.body;
  auto started = execute(created.json()["id"].get<std::string>(), json::object());
  ASSERT_EQ(started.status, 202) << started.body;
  auto execution = waitFor(started.json()["execution_id"].get<std::string>());
  ASSERT_EQ(execution["status"], "completed") << execution.dump();
  EXPECT_EQ(execution["results"]["fetch"]["output"]["failed"], true) << execution.dump();
  EXPECT_EQ(execution["results"]["ok"]["status"], "skipped");
  EXPECT_EQ(execution["results"]["handled"]["output"]["lane"], "handled");
  EXPECT_FALSE(execution["results"]["handled"]["output"]["problem"].get<std::string>().empty());
  EXPECT_EQ(execution["results"]["either"]["output"]["reached"], true) << execution.dump();
}

TEST_P(Executions, AsyncRunAnswers202AndIsListedWithFilters) {
  auto workflow = createWorkflow(json::array({transform("a", {{"v", 1}}), transform("b", {{"w", 2}}, {"a"})}));
  auto accepted = execute(workflow, {{"input", {{"x", 1}}}, {"metadata", {{"source", "api_trigger"}}}, {"priority", "HIGH"}});
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  auto id = accepted.json()["execution_id"].get<std::string>();
  EXPECT_EQ(accepted.json()["progress"]["total_steps"], 2);
  EXPECT_EQ(waitFor(id)["status"], "completed");
  auto list = get("/api/v1/executions?workflow_id=" + workflow + "&status=COMPLETED", alice_).json();
  ASSERT_EQ(list["total"], 1) << list.dump();
  EXPECT_EQ(list["executions"][0]["id"], id);
  EXPECT_EQ(list["executions"][0]["priority"], "high");
  EXPECT_EQ(get("/api/v1/executions?status=failed", alice_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/executions?end_date=2000-01-01", alice_).json()["total"], 0);
  EXPECT_EQ(get("/api/v1/executions?start_date=soon", alice_).status, 422);
  EXPECT_EQ(get("/api/v1/executions", bob_).json()["total"], 0);
}

TEST_P(Executions, BadRequestsAreRefusedAndAnUnknownVariableFailsTheStepByName) {
  auto workflow = createWorkflow(json::array({transform("a", {{"v", "{{missing_value}}"}})}));
  expectInvalid(execute(workflow, {{"priority", "urgent"}}), "priority");
  expectInvalid(execute(workflow, {{"scheduled_at", "tomorrow"}}), "scheduled_at");
  expectInvalid(execute(workflow, {{"execution_mode", "later"}}), "execution_mode");
  expectInvalid(execute(workflow, {{"webhook_url", "ftp://x"}}), "webhook_url");
  expectInvalid(execute(workflow, {{"input_data", "text"}}), "input_data");
  expectInvalid(execute(workflow, {{"execution_options", {{"retry_count", 99}}}}), "execution_options.retry_count");
  EXPECT_EQ(post("/api/v1/workflows/nope/execute", json::object(), alice_).status, 404);
  EXPECT_EQ(get("/api/v1/executions?status=sleeping", alice_).status, 422);

  auto failed = execute(workflow, {{"execution_mode", "sync"}}).json();
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["failed_step"], "a");
  EXPECT_NE(failed["error"].get<std::string>().find("missing_value"), std::string::npos) << failed["error"];

  put("/api/v1/workflows/" + workflow, {{"status", "inactive"}}, alice_);
  auto refused = execute(workflow, json::object());
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "WORKFLOW_ERROR");
}

TEST_P(Executions, AStepOfAnotherPluginRunsThroughTheAbiAndItsFailureIsRetriedThenFailsTheExecution) {
  auto workflow = createWorkflow(json::array({{{"id", "hello"}, {"type", "greet"}, {"config", {{"name", "{{who}}"}}}}}));
  auto greeted = execute(workflow, {{"input_data", {{"who", "Ada"}}}, {"execution_mode", "sync"}}).json();
  EXPECT_EQ(greeted["results"]["hello"]["output"]["message"], "Hello, Ada!") << greeted.dump();

  // An empty name makes the example's step throw: the step fails, the host lives on.
  auto failed = execute(workflow, {{"input_data", {{"who", ""}}}, {"execution_mode", "sync"},
                                   {"execution_options", {{"retry_count", 2}}}}).json();
  EXPECT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_EQ(failed["steps"][0]["attempts"], 3) << "two retries after the first attempt";
  EXPECT_NE(failed["error"].get<std::string>().find("Name cannot be empty"), std::string::npos);
  EXPECT_EQ(get("/api/v1/health", {}).status, 200);
}

TEST_P(Executions, AStepThatCrashesFailsItsStepAndTheHostLivesOn) {
  auto crashing = createWorkflow(json::array({{{"id", "native"}, {"type", "crash"}, {"config", {{"how", "{{how}}"}}}}}));
  auto greeting = createWorkflow(json::array({{{"id", "hello"}, {"type", "greet"}, {"config", {{"name", "Ada"}}}}}));
  auto run = [&](const std::string& workflow, const std::string& how) {
    return execute(workflow, {{"input_data", {{"how", how}}}, {"execution_mode", "sync"}}).json();
  };
  EXPECT_EQ(run(crashing, "none")["results"]["native"]["output"]["survived"], "none");

  auto crashed = run(crashing, "segfault");
  EXPECT_EQ(crashed["status"], "failed") << crashed.dump();
  EXPECT_NE(crashed["error"].get<std::string>().find("crashed (SIGSEGV)"), std::string::npos) << crashed["error"];
  EXPECT_EQ(get("/api/v1/health", {}).status, 200);
  EXPECT_TRUE(host_->waitForLog("plugin crashing_steps crashed: SIGSEGV in step type 'crash'")) << host_->logs();

  // Its state may be broken now: the plugin's steps are refused until a restart,
  // another plugin's steps run on.
  auto refused = run(crashing, "none");
  EXPECT_EQ(refused["status"], "failed") << refused.dump();
  EXPECT_NE(refused["error"].get<std::string>().find("off until the host restarts"), std::string::npos) << refused["error"];
  EXPECT_EQ(run(greeting, "")["results"]["hello"]["output"]["message"], "Hello, Ada!");

  // Operators see which plugin crashed, and how.
  auto admin = adminToken();
  auto plugins = get("/api/v1/plugins", admin);
  ASSERT_EQ(plugins.status, 200) << plugins.body;
  auto crashedPlugin = json::object(), list = plugins.json();
  for (const auto& plugin : list["plugins"])
    if (plugin.value("name", "") == "crashing_steps") crashedPlugin = plugin;
  EXPECT_NE(crashedPlugin.value("crashed", "").find("SIGSEGV"), std::string::npos) << plugins.body;
  auto health = get("/api/v1/health/detailed", admin);
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_EQ(health.json()["components"]["plugins"]["status"], "unhealthy") << health.body;
  EXPECT_TRUE(health.json()["components"]["plugins"]["crashed"].contains("crashing_steps")) << health.body;
  auto metrics = get("/api/v1/system/metrics/prometheus", admin);
  EXPECT_NE(metrics.body.find("orch_plugins_crashed 1"), std::string::npos) << metrics.body;

  // A restart brings the plugin back.
  auto previous = std::move(host_);
  startHost(previous->dataDir());
  alice_ = userToken("alice@example.com");
  EXPECT_EQ(run(crashing, "none")["status"], "completed");
}

TEST_P(Executions, RetryResumesFromTheFailedStepAndReusesCompletedOutputs) {
  std::atomic<int> calls{0};
  LocalHttpServer api([&](const LocalHttpServer::Request&) {
    return ++calls == 1 ? LocalHttpServer::Reply{503, R"({"error":"down"})"} : LocalHttpServer::Reply{200, R"({"ok":true})"};
  });
  extra_ = "steps.api_call.allow_private_networks = true\n";
  startHost();
  alice_ = userToken("alice@example.com");
  auto workflow = createWorkflow(json::array(
      {transform("first", {{"n", "{{n}}"}}),
       {{"id", "call"}, {"type", "api_call"}, {"config", {{"url", api.url("/things")}, {"method", "POST"},
                                                          {"body", {{"n", "{{steps.first.output.n}}"}}}}},
        {"dependencies", {"first"}}}}));
  auto failed = execute(workflow, {{"input_data", {{"n", 7}}}, {"execution_mode", "sync"}}).json();
  ASSERT_EQ(failed["status"], "failed") << failed.dump();
  EXPECT_NE(failed["error"].get<std::string>().find("503"), std::string::npos);
  auto id = failed["id"].get<std::string>();
  auto firstCompletedAt = failed["results"]["first"].dump();

  auto retried = post("/api/v1/executions/" + id + "/retry", json::object(), alice_);
  ASSERT_EQ(retried.status, 202) << retried.body;
  auto done = waitFor(id);
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ(done["attempt"], 2);
  EXPECT_EQ(done["results"]["call"]["output"]["body"]["ok"], true);
  EXPECT_EQ(done["results"]["call"]["output"]["status_code"], 200);
  EXPECT_EQ(done["steps"][0]["completed_at"], failed["steps"][0]["completed_at"]) << "the first step did not run again";
  EXPECT_EQ(json::parse(api.requests().back().body)["n"], 7);
  EXPECT_EQ(post("/api/v1/executions/" + id + "/retry", json::object(), alice_).status, 409);
}

TEST_P(Executions, IndependentBranchesRunInParallel) {
  LocalHttpServer api([](const LocalHttpServer::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    return LocalHttpServer::Reply{};
  });
  extra_ = "steps.api_call.allow_private_networks = true\n";
  startHost();
  alice_ = userToken("alice@example.com");
  auto call = [&](const std::string& id) {
    return json{{"id", id}, {"type", "api_call"}, {"config", {{"url", api.url("/" + id)}}}, {"dependencies", {"start"}}};
  };
  auto workflow = createWorkflow(json::array({{{"id", "start"}, {"type", "start"}}, call("left"), call("middle"),
                                              call("right"), transform("join", {{"all", true}}, {"left", "middle", "right"})}));
  auto done = execute(workflow, {{"execution_mode", "sync"}}).json();
  EXPECT_EQ(done["status"], "completed") << done.dump();
  EXPECT_EQ(api.requests().size(), 3u);
  EXPECT_EQ(api.maxConcurrent(), 3) << "the three branches were in flight together";
}

TEST_P(Executions, TheNetworkGuardRefusesLoopbackUnlessTheOperatorAllowsIt) {
  LocalHttpServer api;
  for (const auto& url : {api.url("/x"), "http://localhost:" + std::to_string(api.port()) + "/x",
                          std::string("http://169.254.169.254/latest/meta-data/"), std::string("http://[::1]:9/")}) {
    auto workflow = createWorkflow(json::array({{{"id", "call"}, {"type", "api_call"}, {"config", {{"url", url}}}}}));
    auto failed = execute(workflow, {{"execution_mode", "sync"}}).json();
    EXPECT_EQ(failed["status"], "failed") << url;
    EXPECT_NE(failed["error"].get<std::string>().find("Refused to call"), std::string::npos) << failed["error"];
  }
  EXPECT_TRUE(api.requests().empty()) << "nothing reached the loopback server";
}

TEST_P(Executions, DelaysAreDurableAndScheduledRunsWaitForTheirTime) {
  auto workflow = createWorkflow(json::array({{{"id", "wait"}, {"type", "delay"}, {"config", {{"seconds", 1}}}},
                                              transform("after", {{"woke", true}}, {"wait"})}));
  auto id = execute(workflow, json::object()).json()["execution_id"].get<std::string>();
  auto waiting = waitFor(id, [](const json& e) { return e["results"]["wait"]["status"] == "waiting"; });
  EXPECT_EQ(waiting["status"], "running");
  EXPECT_EQ(storedValue("SELECT status FROM wf_execution_steps WHERE step_id = 'wait' AND execution_id = ?", id),
            "waiting")
      << "the wait is a row, not a sleeping thread";
  auto done = waitFor(id);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_TRUE(done["results"]["wait"]["output"].contains("resumed_at"));

  auto later = rfc3339In(2);
  auto scheduled = execute(workflow, {{"scheduled_at", later}}).json();
  EXPECT_EQ(scheduled["status"], "scheduled");
  EXPECT_EQ(get("/api/v1/executions/" + scheduled["execution_id"].get<std::string>(), alice_).json()["status"], "scheduled");
  auto ran = waitFor(scheduled["execution_id"].get<std::string>());
  EXPECT_EQ(ran["status"], "completed");
  EXPECT_GE(ran["started_at"].get<std::string>(), later.substr(0, 19));
}

TEST_P(Executions, CancelStopsARunningExecutionOnceAndTimeoutsFailIt) {
  auto workflow = createWorkflow(json::array({{{"id", "wait"}, {"type", "delay"}, {"config", {{"seconds", 30}}}},
                                              transform("never", {{"x", 1}}, {"wait"})}));
  auto id = execute(workflow, json::object()).json()["execution_id"].get<std::string>();
  waitFor(id, [](const json& e) { return e["results"]["wait"]["status"] == "waiting"; });
  auto cancelled = post("/api/v1/executions/" + id + "/cancel", json::object(), alice_);
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.json()["status"], "cancelled");
  EXPECT_EQ(post("/api/v1/executions/" + id + "/cancel", json::object(), alice_).status, 409);
  auto view = get("/api/v1/executions/" + id, alice_).json();
  EXPECT_EQ(view["results"]["never"]["status"], "cancelled");
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_jobs WHERE execution_id = ?", id), "0");

  auto timed = execute(workflow, {{"execution_options", {{"timeout", 500}}}}).json()["execution_id"].get<std::string>();
  auto failed = waitFor(timed);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_NE(failed["error"].get<std::string>().find("timed out"), std::string::npos) << failed["error"];
}

TEST_P(Executions, TheEndedExecutionIsPostedToItsWebhookSignedTheStandardWebhooksWay) {
  std::atomic<int> calls{0};
  LocalHttpServer receiver([&](const LocalHttpServer::Request&) {
    return ++calls == 1 ? LocalHttpServer::Reply{500, "{}"} : LocalHttpServer::Reply{204, ""};
  });
  extra_ = "steps.api_call.allow_private_networks = true\n";
  startHost();
  alice_ = userToken("alice@example.com");
  auto workflow = createWorkflow(json::array({transform("a", {{"v", "{{v}}"}})}));
  auto id = execute(workflow, {{"input_data", {{"v", 5}}}, {"webhook_url", receiver.url("/hook")}})
                .json()["execution_id"].get<std::string>();
  waitFor(id);
  for (int i = 0; i < 100 && receiver.requests().size() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u) << "a failed delivery is tried again";
  const auto& delivery = requests.back();
  EXPECT_EQ(delivery.headers.at("webhook-id"), requests.front().headers.at("webhook-id"));
  auto payload = json::parse(delivery.body);
  EXPECT_EQ(payload["type"], "workflow.completed");
  EXPECT_EQ(payload["data"]["execution_id"], id);
  EXPECT_EQ(payload["data"]["output_data"]["v"], 5);

  auto secret = get("/api/v1/workflows/webhook-secret", adminToken()).json()["secret"].get<std::string>();
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  EXPECT_EQ(delivery.headers.at("webhook-signature"),
            orch::test::standardWebhookSignature(secret, delivery.headers.at("webhook-id"),
                                                 delivery.headers.at("webhook-timestamp"), delivery.body));
  EXPECT_EQ(get("/api/v1/workflows/webhook-secret", alice_).status, 403);
}

TEST_P(Executions, AKilledHostResumesEveryExecutionAndEndsEachExactlyOnce) {
  constexpr int kExecutions = 1000;
  auto workflow = createWorkflow(json::array({transform("a", {{"n", "{{n}}"}}),
                                              {{"id", "pause"}, {"type", "delay"}, {"config", {{"seconds", 0.3}}}, {"dependencies", {"a"}}},
                                              transform("b", {{"n", "{{steps.a.output.n}}"}}, {"pause"})}));
  std::vector<std::string> ids;
  {
    std::vector<std::thread> senders;
    std::mutex mutex;
    for (int t = 0; t < 4; ++t)
      senders.emplace_back([&, t] {
        HttpClient client(host_->port());
        for (int i = t; i < kExecutions; i += 4) {
          auto accepted = client.post("/api/v1/workflows/" + workflow + "/execute", {{"input_data", {{"n", i}}}}, alice_);
          if (accepted.status != 202) continue;
          std::lock_guard lock(mutex);
          ids.push_back(accepted.json()["execution_id"].get<std::string>());
        }
      });
    for (auto& sender : senders) sender.join();
  }
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kExecutions));
  host_->stop(SIGKILL); // mid-batch: most executions are waiting out their delay
  auto previous = std::move(host_);
  startHost(previous->dataDir());

  EXPECT_EQ(waitForCompleted(host_->port(), workflow, kExecutions), kExecutions);
  HttpClient client(host_->port());
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_jobs WHERE execution_id <> ?", ""), "0");
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_execution_steps WHERE status = 'completed' AND output IS NOT NULL "
                        "AND step_id <> ?", "none"),
            std::to_string(3 * kExecutions))
      << "every step of every execution committed its output";
  for (int i = 0; i < kExecutions; i += 97) {
    auto execution = client.get("/api/v1/executions/" + ids[i], alice_).json();
    EXPECT_EQ(execution["results"]["b"]["output"]["n"], execution["input_data"]["n"]);
  }
}

TEST_P(Executions, TwoHostsOnOnePostgresShareTheQueueAndRunEachStepOnce) {
  if (GetParam() != Backend::Postgres) GTEST_SKIP() << "SQLite is one host's own file";
  constexpr int kPerHost = 40;
  std::mutex mutex;
  std::map<std::string, int> calls; // execution id -> api_call requests
  LocalHttpServer api([&](const LocalHttpServer::Request& request) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::lock_guard lock(mutex);
    ++calls[json::parse(request.body).value("execution", "")];
    return LocalHttpServer::Reply{};
  });
  auto expectOneCallEach = [&](const std::vector<std::string>& ids) {
    std::lock_guard lock(mutex);
    for (const auto& id : ids) EXPECT_EQ(calls[id], 1) << "execution " << id << " called the API " << calls[id] << " times";
  };
  // Hosts behind one load balancer share the token key, as well as the database.
  extra_ = "steps.api_call.allow_private_networks = true\nauth.jwt_secret = shared-secret-of-both-hosts-0123456789\n";
  startHost();
  alice_ = userToken("alice@example.com");
  HostProcess second({.pluginsDir = pluginsDir(), .config = "ratelimit.enabled = false\n" + extraConfig(), .env = env_});
  auto workflow = createWorkflow(json::array(
      {transform("a", {{"n", "{{n}}"}}),
       // Long enough for both hosts to take every submission first, even on a loaded CI machine.
       {{"id", "pause"}, {"type", "delay"}, {"config", {{"seconds", 10}}}, {"dependencies", {"a"}}},
       {{"id", "call"}, {"type", "api_call"}, {"dependencies", {"pause"}},
        {"config", {{"url", api.url("/record")}, {"method", "POST"}, {"body", {{"execution", "{{execution.id}}"}}}}}},
       transform("b", {{"status", "{{steps.call.output.status_code}}"}}, {"call"})}));
  ASSERT_FALSE(workflow.empty());
  auto submit = [&](int port, const json& extra) {
    std::vector<std::string> ids;
    HttpClient client(port);
    for (int i = 0; i < kPerHost; ++i) {
      json body = {{"input_data", {{"n", i}}}};
      body.update(extra);
      auto accepted = client.post("/api/v1/workflows/" + workflow + "/execute", body, alice_);
      EXPECT_EQ(accepted.status, 202) << accepted.body;
      ids.push_back(accepted.json().value("execution_id", ""));
    }
    return ids;
  };
  auto ids = submit(host_->port(), json::object());
  auto onSecond = submit(second.port(), json::object());
  ids.insert(ids.end(), onSecond.begin(), onSecond.end());
  // The first host dies while all its executions wait out their delay: the
  // second must take them over once their leases lapse.
  ASSERT_TRUE(api.requests().empty()) << "no call may be in flight at the kill";
  host_->stop(SIGKILL);
  EXPECT_EQ(waitForCompleted(second.port(), workflow, 2 * kPerHost), 2 * kPerHost);
  expectOneCallEach(ids);
  EXPECT_EQ(storedValue("SELECT COUNT(*) FROM wf_jobs WHERE execution_id <> ?", ""), "0");

  // Two live hosts: scheduled runs belong to no host until one of the two
  // polls claims them; still each runs once.
  startHost();
  auto scheduled = submit(second.port(), {{"scheduled_at", rfc3339In(1)}});
  EXPECT_EQ(waitForCompleted(second.port(), workflow, 3 * kPerHost), 3 * kPerHost);
  expectOneCallEach(scheduled);
}

INSTANTIATE_TEST_SUITE_P(Backends, Executions, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
} // namespace workflows_test
