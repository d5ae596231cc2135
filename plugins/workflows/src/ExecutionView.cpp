#include "ExecutionView.h"

#include <map>

namespace workflows {
namespace {

orch::json parsed(const orch::json& text) {
  return text.is_string() ? orch::json::parse(text.get<std::string>()) : orch::json();
}

const char* priorityName(std::int64_t priority) { return priority >= 2 ? "high" : priority <= 0 ? "low" : "normal"; }

orch::json seconds(const orch::json& millis) {
  return millis.is_number() ? orch::json(millis.get<double>() / 1000.0) : orch::json();
}

/// A step's status as clients read it: an unfinished step of an ended
/// execution did not run because the execution ended first.
std::string stepStatus(const std::string& stored, const std::string& executionStatus) {
  if (!stored.empty()) {
    if (stored == "retrying" || stored == "waiting")
      return executionStatus == "running" || executionStatus == "queued" ? stored : "cancelled";
    return stored;
  }
  if (executionStatus == "cancelled" || executionStatus == "failed") return "cancelled";
  return "pending";
}

} // namespace

orch::json executionSummary(const orch::json& row) {
  // A row fresh from submit lacks the columns nothing has written yet.
  auto field = [](const orch::json& from, const char* name) { return from.value(name, orch::json()); };
  auto status = row.at("status").get<std::string>();
  // An agent's run (plugin agents) names the agent in the metadata it starts with.
  auto metadata = parsed(field(row, "metadata"));
  orch::json summary = {{"id", field(row, "id")},
                        {"execution_id", field(row, "id")},
                        {"workflow_id", field(row, "workflow_id")},
                        {"workflow_version", field(row, "workflow_version")},
                        {"agent_id", field(row, "agent_id")},
                        {"agent_name", metadata.is_object() ? metadata.value("agent_name", orch::json()) : orch::json()},
                        {"user_id", field(row, "owner_id")},
                        {"organization_id", field(row, "organization_id")},
                        {"status", status},
                        {"priority", priorityName(row.at("priority").get<std::int64_t>())},
                        {"execution_mode", field(row, "execution_mode")},
                        {"created_at", field(row, "created_at")},
                        {"scheduled_at", field(row, "scheduled_at")},
                        {"started_at", field(row, "started_at")},
                        {"completed_at", field(row, "completed_at")},
                        {"start_time", field(row, "started_at")},
                        {"end_time", field(row, "completed_at")},
                        {"duration", seconds(field(row, "duration_ms"))},
                        {"duration_ms", field(row, "duration_ms")},
                        {"error", field(row, "error")},
                        {"error_message", field(row, "error")},
                        {"failed_step", field(row, "failed_step")},
                        {"attempt", field(row, "attempt")},
                        {"correlation_id", field(row, "correlation_id")},
                        {"parent_execution_id", field(row, "parent_execution_id")},
                        {"webhook_url", field(row, "webhook_url")},
                        {"input_data", parsed(field(row, "input"))},
                        {"output_data", parsed(field(row, "output"))},
                        {"metadata", metadata},
                        {"execution_options", {{"timeout", field(row, "timeout_ms")}, {"retry_count", field(row, "retry_count")}}}};
  return summary;
}

orch::json executionView(const orch::json& row, const orch::json& stepRows, const Plan* plan) {
  auto view = executionSummary(row);
  auto status = row.at("status").get<std::string>();
  // A step that ran more than once (a cycle's passes, a tool loop's turns)
  // has a row per run: the latest is the step's, the others its history.
  std::map<std::string, orch::json> stored;
  std::map<std::string, orch::json> turns;
  for (const auto& stepRow : stepRows) {
    auto id = stepRow["step_id"].get<std::string>();
    stored[id] = stepRow;
    auto& list = turns[id];
    if (list.is_null()) list = orch::json::array();
    list.push_back({{"iteration", stepRow.value("iteration", orch::json(1))},
                    {"pass", stepRow.value("pass", orch::json(1))},
                    {"status", stepRow["status"]},
                    {"output", parsed(stepRow.value("output", orch::json()))},
                    {"error", stepRow.value("error", orch::json())},
                    {"tokens_used", stepRow.value("tokens_used", orch::json())},
                    {"cost", stepRow.value("cost", orch::json())},
                    {"started_at", stepRow.value("started_at", orch::json())},
                    {"completed_at", stepRow.value("completed_at", orch::json())}});
  }

  // Steps in the plan's order; rows of steps the plan does not know follow.
  std::vector<std::tuple<std::string, std::string, std::string>> order; // id, name, type
  if (plan)
    for (const auto& step : plan->steps()) order.emplace_back(step.id, step.name, step.type);
  for (const auto& [id, stepRow] : stored)
    if (!plan || plan->indexOf(id) >= plan->size()) order.emplace_back(id, id, "");

  orch::json steps = orch::json::array(), results = orch::json::object(), logs = orch::json::array();
  std::size_t completed = 0;
  std::int64_t tokens = 0;
  double cost = 0;
  orch::json current;
  auto log = [&logs](const orch::json& at, const std::string& level, const std::string& message, const orch::json& stepId) {
    if (at.is_null()) return;
    logs.push_back({{"timestamp", at}, {"level", level}, {"message", message}, {"step_id", stepId}});
  };
  log(row["created_at"], "info", "Execution queued", nullptr);
  log(row["started_at"], "info", "Workflow execution started", nullptr);
  for (const auto& [id, name, type] : order) {
    auto found = stored.find(id);
    const orch::json empty = orch::json::object();
    const auto& stepRow = found == stored.end() ? empty : found->second;
    auto stepState = stepStatus(stepRow.value("status", std::string()), status);
    auto output = parsed(stepRow.value("output", orch::json()));
    orch::json step = {{"step_id", id},
                       {"id", id},
                       {"name", name},
                       {"type", type},
                       {"status", stepState},
                       {"attempts", stepRow.value("attempts", 0)},
                       {"started_at", stepRow.value("started_at", orch::json())},
                       {"completed_at", stepRow.value("completed_at", orch::json())},
                       {"output", output},
                       {"error", stepRow.value("error", orch::json())},
                       {"iteration", stepRow.value("iteration", orch::json(1))}};
    auto history = turns.find(id);
    if (history != turns.end() && history->second.size() > 1) step["iterations"] = history->second;
    if (stepState == "waiting" || stepState == "retrying")
      step["resume_at_ms"] = stepRow.value("wake_ms", orch::json());
    steps.push_back(step);
    orch::json result = {{"status", stepState}, {"output", output}};
    // What every run of the step used, each model turn of a tool loop included.
    if (history != turns.end()) {
      std::int64_t stepTokens = 0;
      double stepCost = 0;
      bool anyTokens = false, anyCost = false;
      for (const auto& turn : history->second) {
        if (turn["tokens_used"].is_number()) stepTokens += turn["tokens_used"].get<std::int64_t>(), anyTokens = true;
        if (turn["cost"].is_number()) stepCost += turn["cost"].get<double>(), anyCost = true;
      }
      if (anyTokens) result["tokens_used"] = stepTokens, tokens += stepTokens;
      if (anyCost) result["cost"] = stepCost, cost += stepCost;
    }
    if (!step["error"].is_null()) result["error"] = step["error"];
    if (type == "email" && output.is_object() && output.contains("recipients")) result["recipients"] = output["recipients"];
    results[id] = result;
    if (stepState == "completed") ++completed;
    if (current.is_null() && (stepState == "pending" || stepState == "waiting" || stepState == "retrying") &&
        status == "running")
      current = name;
    if (stepState == "completed") log(step["completed_at"], "info", "Step '" + name + "' completed", id);
    if (stepState == "failed") log(step["completed_at"], "error", "Step '" + name + "' failed: " + step["error"].get<std::string>(), id);
    if (stepState == "retrying")
      log(step["started_at"], "warning", "Step '" + name + "' failed (attempt " + std::to_string(step["attempts"].get<int>()) +
                                             "), retrying: " + step["error"].get<std::string>(), id);
    if (stepState == "waiting") log(step["started_at"], "info", "Step '" + name + "' is waiting", id);
    if (stepState == "skipped") log(row["started_at"], "info", "Step '" + name + "' skipped: its branch was not taken", id);
  }
  if (status == "completed") log(row["completed_at"], "info", "Workflow execution completed", nullptr);
  if (status == "failed") log(row["completed_at"], "error", "Workflow execution failed: " + view["error"].get<std::string>(), nullptr);
  if (status == "cancelled") log(row["completed_at"], "warning", "Workflow execution cancelled", nullptr);
  std::stable_sort(logs.begin(), logs.end(), [](const orch::json& a, const orch::json& b) {
    return a["timestamp"].get<std::string>() < b["timestamp"].get<std::string>();
  });

  auto total = order.size();
  view["progress"] = {{"completed_steps", completed},
                      {"total_steps", total},
                      {"current_step", current},
                      {"percentage", total ? static_cast<double>(completed) * 100.0 / static_cast<double>(total) : 0.0}};
  view["results"] = results;
  view["steps"] = steps;
  view["logs"] = logs;
  view["tokens_used"] = tokens;
  view["cost"] = cost;
  view["execution_data"] = {{"input", view["input_data"]}, {"output", view["output_data"]}, {"steps", steps}};
  auto cpu = row.value("cpu_us", orch::json());
  auto peak = row.value("peak_bytes", orch::json());
  auto wall = row.value("wall_us", orch::json()), inSteps = row.value("step_us", orch::json());
  view["resource_usage"] = {
      {"cpu_time", cpu.is_number() ? orch::json(cpu.get<double>() / 1e6) : orch::json()},
      // The most data one step handed back, in KiB: what the engine had to hold for this execution.
      {"memory_peak", peak.is_number() ? orch::json(peak.get<double>() / 1024.0) : orch::json()},
      {"execution_time", view["duration"]},
      // Seconds in the steps' own work (models, tools), and the rest of the
      // time this host ran it: the engine's (its commits, hand-offs, scheduling).
      {"step_time", inSteps.is_number() ? orch::json(inSteps.get<double>() / 1e6) : orch::json()},
      {"engine_time", wall.is_number() && inSteps.is_number() ? orch::json((wall.get<double>() - inSteps.get<double>()) / 1e6)
                                                              : orch::json()}};
  return view;
}

} // namespace workflows
