// Analytics end to end: real hosts (auth, workflows, agents, ai against the
// local LLM stand-in, analytics) on SQLite and PostgreSQL. A known set of
// executions and AI calls, then every figure of every route checked against
// the raw rows the host's database holds; the series' buckets, empty ones
// too; tenant scoping; a retry replacing its earlier outcome; the rollups
// after a kill -9 in the middle of a stream of executions; every bad query.
#include "AnalyticsHost.h"
#include "LocalHttpServer.h"

#include <orchestrator/time.hpp>

#include <atomic>
#include <cmath>
#include <iostream>

namespace {

using namespace analytics_test;
using orch::test::LocalHttpServer;

TEST_P(Analytics, EveryFigureOfAKnownSetOfExecutionsAndCallsAgreesWithTheRawRows) {
  std::atomic<int> calls{0};
  LocalHttpServer api([&](const LocalHttpServer::Request&) {
    return ++calls == 1 ? LocalHttpServer::Reply{503, R"({"error":"down"})"} : LocalHttpServer::Reply{200, R"({"ok":true})"};
  });
  auto alice = userId(alice_), bob = userId(bob_);

  auto fast = workflow("Fast", {transform("t", {{"n", 1}})}, alice_);
  auto ai = workflow("AI", {{{"id", "p"}, {"type", "ai_prompt"}, {"config", {{"prompt", "Say hello to {{who}}"}}}},
                            transform("t", {{"said", "{{steps.p.output.response}}"}}, {"p"})}, alice_);
  auto failing = workflow("Failing", {transform("t", {{"v", "{{missing_value}}"}})}, alice_);
  auto retried = workflow("Retried", {transform("first", {{"n", 7}}),
                                      {{"id", "call"}, {"type", "api_call"}, {"config", {{"url", api.url("/things")}, {"method", "POST"}}},
                                       {"dependencies", {"first"}}}}, alice_);
  auto agent = greeterAgent(alice_);
  ASSERT_EQ(agent.status, 201) << agent.body;
  auto agentWorkflow = agent.json()["workflow_id"].get<std::string>();
  auto bobs = workflow("Bob's", {transform("t", {{"n", 2}})}, bob_);

  std::vector<std::string> aliceRuns, aiRuns;
  for (int i = 0; i < 3; ++i) aliceRuns.push_back(run(fast, alice_)["id"].get<std::string>());
  for (int i = 0; i < 2; ++i) {
    auto done = run(ai, alice_, {{"who", "Ada"}});
    EXPECT_EQ(done["status"], "completed") << done.dump();
    aiRuns.push_back(done["id"].get<std::string>());
    aliceRuns.push_back(done["id"].get<std::string>());
  }
  for (int i = 0; i < 2; ++i) {
    auto done = run(failing, alice_);
    EXPECT_EQ(done["status"], "failed");
    aliceRuns.push_back(done["id"].get<std::string>());
  }
  auto first = run(retried, alice_);
  ASSERT_EQ(first["status"], "failed") << first.dump();
  auto retriedId = first["id"].get<std::string>();
  aliceRuns.push_back(retriedId);
  aliceRuns.push_back(run(agentWorkflow, alice_)["id"].get<std::string>());
  run(bobs, bob_);

  // The failed attempt is counted first; the retry's outcome replaces it.
  once("/api/v1/analytics/dashboard", alice_, [](const json& d) { return d["total_executions"] == 9 && d["overview"]["total_executions_today"] == 9; });
  ASSERT_EQ(post("/api/v1/executions/" + retriedId + "/retry", json::object(), alice_).status, 202);
  EXPECT_EQ(orch::test::awaitExecution(host_->port(), retriedId, alice_)["status"], "completed");

  const std::string mine = "SELECT %s FROM wf_executions WHERE owner_id = ? AND completed_at IS NOT NULL";
  auto ofMine = [&](const std::string& what) {
    auto sql = mine;
    return sql.replace(sql.find("%s"), 2, what);
  };
  // The ai plugin writes its call records in batches, a moment after the calls.
  std::int64_t rawCalls = 0;
  ASSERT_TRUE(eventually([&] { return (rawCalls = rawInt("SELECT COUNT(*) FROM ai_calls WHERE user_id = ?", {alice})) == 2; }));
  auto dashboard = once("/api/v1/analytics/dashboard", alice_, [&](const json& d) {
    return d["total_executions"] == 9 && d["success_rate"] == 7.0 / 9 && d["usage_stats"]["ai_requests_today"] == rawCalls;
  });
  auto count = rawInt(ofMine("COUNT(*)"), {alice});
  ASSERT_EQ(count, 9);
  auto durationSum = raw(ofMine("SUM(duration_ms)"), {alice});
  auto durations = raw(ofMine("COUNT(duration_ms)"), {alice});
  auto stepsCompleted = rawInt("SELECT COUNT(*) FROM wf_execution_steps s JOIN wf_executions e ON e.id = s.execution_id "
                               "WHERE e.owner_id = ? AND s.status = 'completed'", {alice});
  auto costNanos = raw("SELECT SUM(cost_nanos) FROM ai_calls WHERE user_id = ?", {alice});
  auto tokens = rawInt("SELECT SUM(prompt_tokens + completion_tokens) FROM ai_calls WHERE user_id = ?", {alice});
  auto latency = raw("SELECT SUM(latency_ms) FROM ai_calls WHERE user_id = ?", {alice});
  auto model = onDatabase("SELECT model FROM ai_calls WHERE user_id = ? GROUP BY model ORDER BY COUNT(*) DESC, model", {alice});

  const auto& overview = dashboard["overview"];
  EXPECT_EQ(overview["total_workflows"], 5) << "four workflows and the agent's";
  EXPECT_EQ(overview["active_executions"], 0);
  EXPECT_EQ(overview["total_executions_today"], 9);
  EXPECT_DOUBLE_EQ(overview["success_rate"].get<double>(), std::round(7.0 / 9 * 10000) / 100);
  EXPECT_DOUBLE_EQ(overview["avg_execution_time"].get<double>(), durationSum / durations / 1000);
  const auto& usage = dashboard["usage_stats"];
  EXPECT_EQ(usage["ai_requests_today"], 2);
  EXPECT_DOUBLE_EQ(usage["total_cost_today"].get<double>(), costNanos / 1e9);
  EXPECT_GT(usage["total_cost_today"].get<double>(), 0);
  EXPECT_EQ(usage["tokens_consumed"], tokens);
  EXPECT_EQ(usage["most_used_model"], model);
  const auto& performance = dashboard["performance_metrics"];
  EXPECT_DOUBLE_EQ(performance["avg_response_time"].get<double>(), latency / 2);
  EXPECT_DOUBLE_EQ(performance["error_rate"].get<double>(), 2.0 / 9);
  EXPECT_EQ(performance["uptime"], 100.0);
  EXPECT_DOUBLE_EQ(dashboard["avg_latency"].get<double>(), durationSum / durations);
  EXPECT_EQ(dashboard["savings_rule"]["steps_completed"], stepsCompleted);
  EXPECT_DOUBLE_EQ(dashboard["savings_estimate"].get<double>(), 5.0 * static_cast<double>(stepsCompleted));

  // Bob sees his own only.
  auto bobs_ = once("/api/v1/analytics/dashboard", bob_, [](const json& d) { return d["total_executions"] == 1; });
  EXPECT_EQ(bobs_["overview"]["total_workflows"], 1);
  EXPECT_EQ(bobs_["usage_stats"]["ai_requests_today"], 0);
  EXPECT_EQ(bobs_["usage_stats"]["most_used_model"], nullptr);
  EXPECT_EQ(bobs_["success_rate"], 1.0);

  // One workflow: by status, percentiles from the raw durations' bins, steps, tokens and cost.
  auto metrics = get("/api/v1/analytics/workflows/" + ai + "/metrics", alice_).json();
  EXPECT_EQ(metrics["name"], "AI");
  EXPECT_EQ(metrics["executions"]["total"], 2);
  EXPECT_EQ(metrics["executions"]["completed"], 2);
  EXPECT_EQ(metrics["success_rate"], 1.0);
  auto bins = rawBins(aiRuns);
  EXPECT_EQ(metrics["duration_ms"]["p50"], orNull(analytics::percentile(bins, 0.5)));
  EXPECT_EQ(metrics["duration_ms"]["p95"], orNull(analytics::percentile(bins, 0.95)));
  EXPECT_EQ(metrics["duration_ms"]["p99"], orNull(analytics::percentile(bins, 0.99)));
  auto stepTokens = rawInt("SELECT SUM(s.tokens_used) FROM wf_execution_steps s JOIN wf_executions e ON e.id = s.execution_id "
                           "WHERE e.workflow_id = ?", {ai});
  EXPECT_GT(stepTokens, 0);
  EXPECT_EQ(metrics["tokens"], stepTokens);
  ASSERT_EQ(metrics["steps"].size(), 2u) << metrics.dump();
  EXPECT_EQ(metrics["steps"][0]["step_id"], "p");
  EXPECT_EQ(metrics["steps"][0]["runs"], 2);
  EXPECT_EQ(metrics["steps"][0]["failures"], 0);
  EXPECT_EQ(metrics["steps"][0]["tokens"], stepTokens);
  ASSERT_EQ(metrics["daily"].size(), 30u);
  EXPECT_EQ(metrics["daily"].back()["date"], orch::nowRfc3339().substr(0, 10));
  EXPECT_EQ(metrics["daily"].back()["executions"], 2);
  EXPECT_EQ(metrics["daily"][0]["executions"], 0) << "empty days are there";

  // The retried execution counts once, completed; its step that failed once shows the failure.
  auto again = get("/api/v1/analytics/workflows/" + retried + "/metrics", alice_).json();
  EXPECT_EQ(again["executions"]["total"], 1) << again.dump();
  EXPECT_EQ(again["executions"]["completed"], 1);
  EXPECT_EQ(again["executions"]["failed"], 0);
  for (const auto& step : again["steps"]) {
    if (step["step_id"] == "call") {
      EXPECT_EQ(step["runs"], 2);
      EXPECT_EQ(step["failures"], 1);
    } else {
      EXPECT_EQ(step["runs"], 1);
    }
  }
  EXPECT_EQ(get("/api/v1/analytics/workflows/" + ai + "/metrics", bob_).status, 404) << "another tenant's workflow";
  EXPECT_EQ(get("/api/v1/analytics/workflows/no-such-workflow/metrics", alice_).status, 404);
  expectInvalid(get("/api/v1/analytics/workflows/" + ai + "/metrics?days=0", alice_), "days");

  // Costs: this month's spend against a budget, projected from the days so far.
  auto admin = adminToken();
  ASSERT_EQ(put("/api/v1/ai/budgets/user/" + alice, {{"monthly_limit_usd", 10}}, admin).status, 200);
  auto costs = get("/api/v1/analytics/costs", alice_).json();
  auto spent = costNanos / 1e9;
  auto now = orch::nowMs();
  auto month = analytics::monthStart(now);
  auto daysInMonth = (analytics::nextMonthStart(now) - month) / analytics::kDayMs;
  const auto& current = costs["current_month"];
  EXPECT_DOUBLE_EQ(current["total_spent"].get<double>(), spent);
  EXPECT_EQ(current["budget_limit"], 10.0);
  EXPECT_DOUBLE_EQ(current["budget_used_percentage"].get<double>(), std::round(spent / 10 * 100 * 100) / 100);
  // Days so far to the hour, as the answer says; within the hour that elapsed while asking.
  auto daysSoFar = current["days_elapsed"].get<double>();
  auto elapsed = double(now - month) / double(analytics::kDayMs);
  EXPECT_NEAR(daysSoFar, std::max(elapsed, 1.0 / 24), 0.01);
  EXPECT_EQ(current["days_in_month"], daysInMonth);
  EXPECT_DOUBLE_EQ(current["projected_monthly_cost"].get<double>(),
                   std::round(spent / daysSoFar * static_cast<double>(daysInMonth) * 100) / 100);
  EXPECT_DOUBLE_EQ(costs["cost_breakdown"][model].get<double>(), spent);
  ASSERT_EQ(costs["daily_usage"].size(),
            static_cast<std::size_t>((analytics::bucketStart(analytics::Interval::Day, now) - month) / analytics::kDayMs + 1));
  EXPECT_EQ(costs["daily_usage"].back()["requests"], 2);
  EXPECT_EQ(get("/api/v1/analytics/costs", bob_).json()["current_month"]["total_spent"], 0.0);

  // Series: every bucket, empty ones too, each from the raw rows' times.
  std::map<std::int64_t, std::pair<int, int>> perHour; // bucket -> (finished, failed)
  for (const auto& id : aliceRuns) {
    auto completedAt = *orch::parseRfc3339(onDatabase("SELECT completed_at FROM wf_executions WHERE id = ?", {id}));
    auto& figures = perHour[analytics::bucketStart(analytics::Interval::Hour, completedAt)];
    ++figures.first;
    figures.second += onDatabase("SELECT status FROM wf_executions WHERE id = ?", {id}) == "failed";
  }
  auto series = get("/api/v1/analytics/metrics?type=execution_count&interval=1h", alice_).json();
  ASSERT_EQ(series["data"].size(), 25u) << series.dump();
  auto errors = get("/api/v1/analytics/metrics?type=error_rate&interval=1h", alice_).json();
  ASSERT_EQ(errors["data"].size(), 25u);
  for (std::size_t i = 0; i < 25; ++i) {
    auto bucket = *orch::parseRfc3339(series["data"][i]["timestamp"].get<std::string>());
    auto found = perHour.find(bucket);
    EXPECT_EQ(series["data"][i]["value"], found == perHour.end() ? 0 : found->second.first) << series["data"][i];
    if (found == perHour.end()) {
      EXPECT_EQ(errors["data"][i]["value"], nullptr);
    } else {
      EXPECT_DOUBLE_EQ(errors["data"][i]["value"].get<double>(), double(found->second.second) / found->second.first);
    }
  }
  auto from = orch::rfc3339(now / 1000 - 2 * 86400);
  auto days = get("/api/v1/analytics/metrics?type=latency_p95&interval=1d&from=" + from, alice_).json();
  ASSERT_EQ(days["data"].size(), 3u) << days.dump();
  EXPECT_EQ(days["data"][0]["value"], nullptr);
  EXPECT_EQ(days["data"][2]["value"], orNull(analytics::percentile(rawBins(aliceRuns), 0.95)));
  EXPECT_EQ(days["unit"], "ms");
  auto requests = get("/api/v1/analytics/metrics?type=ai_requests&interval=1d&from=" + from, alice_).json();
  EXPECT_EQ(requests["data"][2]["value"], 2);
  EXPECT_EQ(requests["data"][1]["value"], 0);
  EXPECT_EQ(get("/api/v1/analytics/metrics?type=tokens&interval=1d&from=" + from, alice_).json()["data"][2]["value"], tokens);
  EXPECT_DOUBLE_EQ(get("/api/v1/analytics/metrics?type=cost&interval=1d&from=" + from, alice_).json()["data"][2]["value"].get<double>(), spent);
  auto agents = get("/api/v1/analytics/metrics?type=agent_runs&interval=1d&from=" + from, alice_).json();
  EXPECT_EQ(agents["data"][2]["value"], 1) << agents.dump();
  auto threeWeeksAgo = now - 15 * analytics::kDayMs;
  auto weeks = get("/api/v1/analytics/metrics?type=execution_count&interval=1w&from=" + orch::rfc3339(threeWeeksAgo / 1000), alice_).json();
  auto weekCount = (analytics::bucketStart(analytics::Interval::Week, now) -
                    analytics::bucketStart(analytics::Interval::Week, threeWeeksAgo)) / analytics::kWeekMs + 1;
  ASSERT_EQ(weeks["data"].size(), static_cast<std::size_t>(weekCount)) << weeks.dump();
  EXPECT_EQ(weeks["data"].back()["value"], 9);
  for (const auto& point : weeks["data"]) {
    auto start = *orch::parseRfc3339(point["timestamp"].get<std::string>());
    EXPECT_EQ(analytics::bucketStart(analytics::Interval::Week, start), start) << "weeks start on Monday";
  }
  auto onlyAi = get("/api/v1/analytics/metrics?type=execution_count&interval=1d&from=" + from + "&workflow_id=" + ai, alice_).json();
  EXPECT_EQ(onlyAi["data"][2]["value"], 2);

  // Bad queries name what is wrong.
  expectInvalid(get("/api/v1/analytics/metrics?type=throughput", alice_), "type");
  expectInvalid(get("/api/v1/analytics/metrics?interval=5m", alice_), "interval");
  expectInvalid(get("/api/v1/analytics/metrics?from=yesterday", alice_), "from");
  expectInvalid(get("/api/v1/analytics/metrics?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", alice_), "from");
  expectInvalid(get("/api/v1/analytics/metrics?interval=1h&from=2020-01-01T00:00:00Z", alice_), "from");
  expectInvalid(get("/api/v1/analytics/dashboard?organization_id=not-mine", alice_), "organization_id");
  EXPECT_EQ(get("/api/v1/analytics/dashboard", {}).status, 401);

  // The export: one row per day and workflow, one per day and model.
  auto exported = get("/api/v1/analytics/export?format=json", alice_).json();
  int executionRows = 0, callRows = 0;
  for (const auto& row : exported["rows"]) {
    executionRows += row["kind"] == "executions";
    callRows += row["kind"] == "ai_calls";
  }
  EXPECT_EQ(executionRows, 5) << exported.dump();
  EXPECT_EQ(callRows, 1);
  auto csv = get("/api/v1/analytics/export?format=csv", alice_);
  EXPECT_EQ(csv.status, 200);
  EXPECT_EQ(csv.body.substr(0, csv.body.find("\r\n")),
            "kind,date,workflow_id,model,executions,completed,failed,cancelled,average_duration_ms,requests,tokens,cost");
  EXPECT_NE(csv.body.find("executions," + orch::nowRfc3339().substr(0, 10) + "," + ai + ",,2,2,0,0,"), std::string::npos) << csv.body;
  expectInvalid(get("/api/v1/analytics/export?format=xml", alice_), "format");
}

TEST_P(Analytics, AnOrganizationsDashboardCountsItsWorkOnly) {
  auto team = post("/api/v1/organizations", {{"name", "Team"}, {"slug", "team"}}, alice_).json()["id"].get<std::string>();
  alice_ = userToken("alice@example.com"); // the new login carries the membership
  auto shared = post("/api/v1/workflows", {{"name", "Shared"}, {"organization_id", team}, {"steps", json::array({transform("t", {{"n", 1}})})}}, alice_);
  ASSERT_EQ(shared.status, 201) << shared.body;
  auto own = workflow("Own", {transform("t", {{"n", 1}})}, alice_);
  run(shared.json()["id"].get<std::string>(), alice_);
  run(own, alice_);
  run(own, alice_);
  once("/api/v1/analytics/dashboard", alice_, [](const json& d) { return d["total_executions"] == 3; });
  auto teamView = once("/api/v1/analytics/dashboard?organization_id=" + team, alice_,
                       [](const json& d) { return d["total_executions"] == 1; });
  EXPECT_EQ(teamView["overview"]["total_workflows"], 1);
  EXPECT_EQ(teamView["organization_id"], team);
  expectInvalid(get("/api/v1/analytics/dashboard?organization_id=" + team, bob_), "organization_id");
}

TEST_P(Analytics, AfterAKillInTheMiddleOfAStreamOfExecutionsTheRollupsAgreeWithTheRawRows) {
  // A short delay keeps executions finishing while the host is killed.
  auto paced = workflow("Paced", {transform("a", {{"n", 1}}), {{"id", "wait"}, {"type", "delay"}, {"config", {{"seconds", 0.05}}},
                                                               {"dependencies", {"a"}}},
                                  transform("b", {{"m", 2}}, {"wait"})}, alice_);
  constexpr int kRuns = 200;
  for (int i = 0; i < kRuns; ++i)
    ASSERT_EQ(post("/api/v1/workflows/" + paced + "/execute", {{"input_data", json::object()}}, alice_).status, 202);
  ASSERT_TRUE(eventually([&] { return rawInt("SELECT COUNT(*) FROM an_counted WHERE source = 'executions'", {}) >= 20; }));
  auto finishedAtKill = rawInt("SELECT COUNT(*) FROM wf_executions WHERE completed_at IS NOT NULL", {});
  killAndRestart();
  std::cout << "killed with " << finishedAtKill << " of " << kRuns << " executions finished\n";
  alice_ = userToken("alice@example.com");
  ASSERT_TRUE(eventually([&] {
    return rawInt("SELECT COUNT(*) FROM wf_executions WHERE completed_at IS NOT NULL", {}) == kRuns;
  }, std::chrono::seconds(60)));
  for (const char* grain : {"h", "d", "m"}) {
    auto sums = [&](const std::string& what) { return rawInt("SELECT SUM(" + what + ") FROM an_executions WHERE grain = ?", {grain}); };
    EXPECT_TRUE(eventually([&] { return sums("executions") == kRuns; }, std::chrono::seconds(30))) << grain;
    EXPECT_EQ(sums("completed"), rawInt("SELECT COUNT(*) FROM wf_executions WHERE status = 'completed'", {}));
    EXPECT_EQ(sums("failed"), rawInt("SELECT COUNT(*) FROM wf_executions WHERE status = 'failed'", {}));
    EXPECT_EQ(sums("duration_sum_ms"), rawInt("SELECT SUM(duration_ms) FROM wf_executions", {}));
    EXPECT_EQ(sums("durations"), rawInt("SELECT COUNT(duration_ms) FROM wf_executions", {}));
    EXPECT_EQ(sums("steps_completed"), rawInt("SELECT COUNT(*) FROM wf_execution_steps WHERE status = 'completed'", {}));
    EXPECT_EQ(rawInt("SELECT SUM(n) FROM an_durations WHERE grain = ?", {grain}), kRuns);
  }
  EXPECT_EQ(rawInt("SELECT SUM(runs) FROM an_steps WHERE step_id = 'wait'", {}), kRuns);
  EXPECT_EQ(rawInt("SELECT COUNT(*) FROM an_counted WHERE source = 'executions'", {}), kRuns);
  EXPECT_EQ(get("/api/v1/analytics/dashboard", alice_).json()["total_executions"], kRuns);
}

class AnalyticsExport : public Analytics {
protected:
  std::string extraConfig() const override { return Analytics::extraConfig() + "ratelimit.enabled = true\n"; }
};

TEST_P(AnalyticsExport, IsLimitedToTenAMinute) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(get("/api/v1/analytics/export?format=csv", alice_).status, 200) << i;
  auto limited = get("/api/v1/analytics/export?format=csv", alice_);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.json()["error"]["code"], "RATE_LIMITED");
  EXPECT_EQ(get("/api/v1/analytics/dashboard", alice_).status, 200) << "other analytics routes have the default limit";
}

INSTANTIATE_TEST_SUITE_P(Backends, Analytics, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });
INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsExport, ::testing::Values(Backend::Sqlite),
                         [](const auto& info) { return info.param == Backend::Sqlite ? "Sqlite" : "Postgres"; });

} // namespace
