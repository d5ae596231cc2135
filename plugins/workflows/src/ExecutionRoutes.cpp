#include "ExecutionRoutes.h"

#include "ExecutionView.h"
#include <orchestrator/time.hpp>

#include <algorithm>

namespace workflows {
namespace {

orch::HttpError workflowError(const std::string& message, orch::json details = nullptr) {
  return {400, "WORKFLOW_ERROR", message, std::move(details)};
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool httpUrl(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  auto name = lower(url.substr(0, scheme));
  auto rest = url.substr(scheme + 3);
  return (name == "http" || name == "https") && !rest.empty() && rest[0] != '/' &&
         url.find_first_of(" \t\r\n") == std::string::npos;
}

/// Reads and checks the body of POST workflows/{id}/execute.
ExecutionRequest readRequest(const orch::Request& request, const orch::json& workflow, const orch::Tenant& tenant,
                             const EngineSettings& settings) {
  auto body = request.jsonObject();
  ExecutionRequest run;
  run.workflowId = workflow["id"].get<std::string>();
  run.workflowVersion = workflow["version"].get<std::string>();
  run.agentId = workflow["agent_id"];
  run.ownerId = tenant.userId;
  run.organizationId = workflow["organization_id"];
  run.principal = request.principal();
  run.input = body.contains("input_data") ? orch::optionalObject(body, "input_data") : orch::optionalObject(body, "input");
  run.metadata = orch::optionalObject(body, "metadata");
  if (auto priority = orch::optionalString(body, "priority", 20)) {
    auto name = lower(*priority);
    if (name == "low") run.priority = 0;
    else if (name == "normal") run.priority = 1;
    else if (name == "high") run.priority = 2;
    else throw orch::HttpError::validation("priority", "Must be low, normal or high");
  }
  if (auto at = orch::optionalString(body, "scheduled_at", 64)) {
    run.scheduledAtMs = orch::parseRfc3339(*at);
    if (!run.scheduledAtMs)
      throw orch::HttpError::validation("scheduled_at", "Must be an RFC 3339 date-time such as 2025-08-25T16:00:00Z");
  }
  if (auto mode = orch::optionalString(body, "execution_mode", 20)) {
    run.executionMode = lower(*mode);
    if (run.executionMode != "async" && run.executionMode != "sync")
      throw orch::HttpError::validation("execution_mode", "Must be async or sync");
  }
  if (auto url = orch::optionalString(body, "webhook_url", 2048)) {
    if (!httpUrl(*url)) throw orch::HttpError::validation("webhook_url", "Must be an http:// or https:// URL");
    run.webhookUrl = *url;
  }
  auto options = orch::optionalObject(body, "execution_options");
  if (options.contains("timeout") && !options["timeout"].is_null()) {
    const auto& timeout = options["timeout"];
    // Milliseconds (30000), up to a week.
    if (!timeout.is_number() || timeout.get<double>() < 1 || timeout.get<double>() > 7 * 24 * 3600e3)
      throw orch::HttpError::validation("execution_options.timeout", "Must be a number of milliseconds from 1 to 604800000");
    run.timeoutMs = static_cast<std::int64_t>(timeout.get<double>());
  }
  if (options.contains("retry_count") && !options["retry_count"].is_null()) {
    const auto& retries = options["retry_count"];
    if (!retries.is_number_integer() || retries.get<int>() < 0 || retries.get<int>() > 10)
      throw orch::HttpError::validation("execution_options.retry_count", "Must be a whole number from 0 to 10");
    run.retryCount = retries.get<int>();
  }
  if (run.executionMode == "sync" && run.scheduledAtMs && *run.scheduledAtMs > orch::nowMs() + settings.syncWaitMs)
    throw orch::HttpError::validation("execution_mode", "A sync execution cannot be scheduled later than it can wait");
  auto correlation = request.header("X-Correlation-ID");
  run.correlationId = correlation && !correlation->empty() && correlation->size() <= 128 ? *correlation : orch::newId();
  return run;
}

/// The execution row when the tenant may see it; 404 otherwise.
orch::json visibleExecution(const Engine& engine, const std::string& id, const orch::Tenant& tenant) {
  auto row = engine.store().execution(id);
  if (!row || !tenant.canSee((*row)["owner_id"].get<std::string>(), (*row)["organization_id"]))
    throw orch::HttpError::notFound("Execution not found");
  return *row;
}

orch::json fullView(Engine& engine, const orch::json& row) {
  std::shared_ptr<const Plan> plan;
  try {
    plan = engine.plan(row["workflow_id"].get<std::string>(), row["workflow_version"].get<std::string>());
  } catch (const std::exception&) {
    // The version is gone; the step rows still tell the story.
  }
  return executionView(row, engine.store().steps(row["id"].get<std::string>()), plan.get());
}

/// A date filter: a day ("2025-01-31") or an RFC 3339 date-time, as the
/// stored text compares; `endOfDay` makes a day include all of itself.
std::optional<std::string> dateFilter(const orch::Request& request, const std::string& name, bool endOfDay) {
  auto text = request.query(name);
  if (!text) return std::nullopt;
  if (text->size() == 10) {
    if (auto ms = orch::parseRfc3339(*text + "T00:00:00Z"))
      return orch::rfc3339Millis(*ms + (endOfDay ? 86399999 : 0));
  } else if (auto ms = orch::parseRfc3339(*text)) {
    return orch::rfc3339Millis(*ms);
  }
  throw orch::HttpError::validation(name, "Must be a date (2025-01-31) or an RFC 3339 date-time");
}

void getExecution(orch::Request& request, orch::Response& response, Engine& engine) {
  auto row = visibleExecution(engine, request.param("id"), orch::Tenant::of(request));
  response.json(fullView(engine, row));
}

} // namespace

std::shared_ptr<const Plan> runnablePlan(Engine& engine, const orch::json& workflow, const ExecutionRequest& run) {
  auto status = workflow["status"].get<std::string>();
  if (status != "active")
    throw workflowError("Workflow is " + status + "; only an active workflow can run", {{"field", "status"}, {"issue", "Workflow is " + status}});
  auto plan = engine.plan(run.workflowId, run.workflowVersion);
  if (plan->size() == 0) throw workflowError("Workflow has no steps");
  if (!plan->unknownTypes().empty())
    throw workflowError("No loaded plugin provides step type '" + plan->unknownTypes().front() + "'",
                        {{"field", "steps"}, {"issue", "Unknown step type " + plan->unknownTypes().front()}});
  return plan;
}

std::pair<orch::json, std::shared_ptr<const Plan>> startExecution(Engine& engine, const orch::json& workflow,
                                                                   const ExecutionRequest& run) {
  auto plan = runnablePlan(engine, workflow, run);
  return {engine.submit(run, plan), plan};
}

void registerExecutionRoutes(orch::Plugin& plugin, WorkflowStore& workflows, Engine& engine) {
  plugin.route("POST", "/workflows/{id}/execute", [&workflows, &engine](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto workflow = workflows.find(request.param("id"), tenant);
    if (!workflow) throw orch::HttpError::notFound("Workflow not found");
    auto run = readRequest(request, *workflow, tenant, engine.settings());
    auto [row, plan] = startExecution(engine, *workflow, run);
    auto id = row["id"].get<std::string>();
    response.header("Location", "/api/v1/executions/" + id);
    if (run.executionMode == "sync") {
      // An HTTP worker waits here: never longer than sync_wait_ms, whatever the run's own timeout.
      auto waitMs = std::min(run.timeoutMs.value_or(engine.settings().syncWaitMs), engine.settings().syncWaitMs);
      row = engine.waitForEnd(id, waitMs + 1000);
      bool ended = !Engine::active(row["status"].get<std::string>());
      response.status(ended ? 200 : 202).json(fullView(engine, row));
      return;
    }
    auto summary = executionSummary(row);
    summary["progress"] = {{"completed_steps", 0},
                           {"total_steps", plan->size()},
                           {"current_step", plan->steps().front().name}};
    summary["message"] = row["status"] == "scheduled" ? "Workflow execution scheduled" : "Workflow execution started";
    response.status(202).json(summary);
  }, {.permission = "workflow:execute", .category = "execute",
      .summary = "Run a workflow: async (202) or sync (200 with the finished execution)"});

  plugin.route("GET", "/executions/{id}", [&engine](orch::Request& request, orch::Response& response) {
    getExecution(request, response, engine);
  }, {.permission = "execution:read", .summary = "An execution with its progress, step results and logs"});
  plugin.route("GET", "/workflows/executions/{id}", [&engine](orch::Request& request, orch::Response& response) {
    getExecution(request, response, engine);
  }, {.permission = "execution:read", .summary = "An execution (seed 001's path)"});

  plugin.route("GET", "/executions", [&engine](orch::Request& request, orch::Response& response) {
    auto tenant = orch::Tenant::of(request);
    auto page = orch::Page::of(request);
    ExecutionStore::Filter filter;
    filter.workflowId = request.query("workflow_id");
    filter.agentId = request.query("agent_id");
    if (auto status = request.query("status")) {
      auto name = lower(*status);
      if (name == "pending") name = "queued";
      if (name == "success") name = "completed";
      if (name == "error") name = "failed";
      if (name == "canceled") name = "cancelled";
      static const std::vector<std::string> known = {"queued", "scheduled", "running", "completed", "failed", "cancelled"};
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw orch::HttpError::validation("status", "Must be one of queued, scheduled, running, completed, failed, cancelled");
      filter.status = name;
    }
    filter.startDate = dateFilter(request, "start_date", false);
    filter.endDate = dateFilter(request, "end_date", true);
    auto [rows, total] = engine.store().list(tenant, filter, page);
    orch::json items = orch::json::array();
    for (const auto& row : rows) items.push_back(executionSummary(row));
    // Seed 003, the one client of GET /api/executions, reads a bare array.
    if (request.apiPrefix() == "/api") return response.json(items), void();
    response.json(page.envelope("executions", std::move(items), total));
  }, {.permission = "execution:read", .summary = "Executions, filtered by workflow, agent, status and dates"});

  plugin.route("POST", "/executions/{id}/cancel", [&engine](orch::Request& request, orch::Response& response) {
    auto row = visibleExecution(engine, request.param("id"), orch::Tenant::of(request));
    auto id = row["id"].get<std::string>();
    if (!engine.cancel(id)) {
      auto now = engine.store().execution(id);
      throw orch::HttpError::conflict("Execution already " + (*now)["status"].get<std::string>() + "; nothing to cancel");
    }
    auto view = executionSummary(*engine.store().execution(id));
    view["message"] = "Execution cancelled";
    response.json(view);
  }, {.permission = "execution:cancel", .summary = "Cancel a queued, scheduled or running execution"});

  plugin.route("POST", "/executions/{id}/resume", [&engine](orch::Request& request, orch::Response& response) {
    auto row = visibleExecution(engine, request.param("id"), orch::Tenant::of(request));
    auto body = request.json();
    if (!body.is_object()) throw orch::HttpError::validation("body", "Must be a JSON object {decision, comment, data}");
    auto decision = body.value("decision", body.value("approved", orch::json()));
    std::string verdict;
    if (decision == "approve" || decision == "approved" || decision == true) verdict = "approved";
    else if (decision == "reject" || decision == "rejected" || decision == false) verdict = "rejected";
    else throw orch::HttpError::validation("decision", "Must be approve or reject");
    orch::json outcome = {{"decision", verdict}, {"decided_by", request.principal().value("id", orch::json())}};
    if (auto comment = orch::optionalString(body, "comment", 5000)) outcome["comment"] = *comment;
    if (body.contains("data")) outcome["data"] = body["data"];
    auto id = row["id"].get<std::string>();
    if (!engine.resume(id, outcome))
      throw orch::HttpError::conflict("Execution is " + row["status"].get<std::string>() + " and no step of it waits for a decision");
    auto view = executionSummary(*engine.store().execution(id));
    view["message"] = "Decision recorded: " + verdict;
    view["decision"] = verdict;
    response.status(202).json(view);
  }, {.permission = "execution:resume", .summary = "Decide a step that waits for a person's approval"});

  plugin.route("POST", "/executions/{id}/retry", [&engine](orch::Request& request, orch::Response& response) {
    auto row = visibleExecution(engine, request.param("id"), orch::Tenant::of(request));
    auto id = row["id"].get<std::string>();
    if (!engine.retry(id))
      throw orch::HttpError::conflict("Execution is " + row["status"].get<std::string>() +
                                      "; only a failed or cancelled execution can be retried");
    auto view = executionSummary(*engine.store().execution(id));
    view["message"] = "Execution resumed from the steps that did not complete";
    response.status(202).json(view);
  }, {.permission = "execution:retry", .summary = "Run a failed or cancelled execution again from where it stopped"});
}

} // namespace workflows
