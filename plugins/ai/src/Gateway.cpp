#include "Gateway.h"
#include "TaskTypes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <map>
#include <set>
#include <thread>

namespace ai {
namespace {

using orch::HttpError;
using orch::json;
using Clock = std::chrono::steady_clock;

std::vector<std::string> stringList(const json& body, const char* field) {
  std::vector<std::string> list;
  if (!body.contains(field)) return list;
  const auto& value = body[field];
  if (!value.is_array()) throw HttpError::validation(field, "Must be an array of strings");
  for (const auto& item : value) {
    if (!item.is_string() || item.get<std::string>().empty())
      throw HttpError::validation(field, "Must be an array of non-empty strings");
    list.push_back(item.get<std::string>());
  }
  return list;
}

std::string optionalText(const json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return {};
  if (!body[field].is_string()) throw HttpError::validation(field, "Must be a string");
  return body[field].get<std::string>();
}

std::optional<double> optionalNumber(const json& body, const char* field, const std::string& name, double min, double max) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  const auto& value = body[field];
  if (!value.is_number() || value.get<double>() < min || value.get<double>() > max)
    throw HttpError::validation(name, "Must be a number from " + orch::json(min).dump() + " to " + orch::json(max).dump());
  return value.get<double>();
}

bool isBlank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); });
}

double round6(double usd) { return std::round(usd * 1e8) / 1e8; }

/// Exponential backoff with jitter for a 429 without Retry-After: 250 ms, 500 ms, 1 s, ... plus up to a quarter more.
std::chrono::milliseconds backoff(int retry) {
  thread_local std::mt19937 random{std::random_device{}()};
  auto base = 250 * (1 << std::min(retry, 6));
  return std::chrono::milliseconds(base + std::uniform_int_distribution<int>(0, base / 4)(random));
}

json attemptJson(const ModelInfo& model, const std::string& error, const std::string& message, int httpStatus, int tries) {
  json attempt = {{"model", model.id}, {"provider", model.provider}, {"error", error}, {"message", message}, {"tries", tries}};
  if (httpStatus) attempt["http_status"] = httpStatus;
  return attempt;
}

bool validToolName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
}

/// A tool call as OpenAI writes it ({id, type, function: {name, arguments}}),
/// or flat ({id, name, arguments}); arguments as JSON text or an object.
ToolCall parseToolCall(const json& call, const std::string& field) {
  if (!call.is_object()) throw HttpError::validation(field, "Must be an object {id, function: {name, arguments}}");
  const auto& function = call.contains("function") ? call["function"] : call;
  if (!function.is_object() || !function.contains("name") || !function["name"].is_string() ||
      !validToolName(function["name"].get<std::string>()))
    throw HttpError::validation(field + ".function.name", "Must be a tool name (letters, digits, _ and -, at most 64)");
  if (!call.contains("id") || !call["id"].is_string() || call["id"].get<std::string>().empty())
    throw HttpError::validation(field + ".id", "Must be a non-empty string");
  auto arguments = function.value("arguments", json::object());
  if (arguments.is_string()) arguments = json::parse(arguments.get<std::string>(), nullptr, false);
  if (!arguments.is_object()) throw HttpError::validation(field + ".function.arguments", "Must be a JSON object (or its text)");
  return {call["id"].get<std::string>(), function["name"].get<std::string>(), std::move(arguments)};
}

/// messages: user and assistant turns (an assistant's with the tool_calls it
/// made), each call's result as a "tool" turn naming its tool_call_id, and
/// system text gathered into the system prompt.
void parseMessages(const json& body, AiRequest& request) {
  if (!body.contains("messages")) return;
  if (!body["messages"].is_array()) throw HttpError::validation("messages", "Must be an array of {role, content}");
  std::map<std::string, std::string> callNames; // id -> name, of the calls made so far
  for (std::size_t i = 0; i < body["messages"].size(); ++i) {
    const auto& m = body["messages"][i];
    auto field = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw HttpError::validation(field, "Must be an object {role, content}");
    auto role = m.value("role", std::string("user"));
    Message message{role, ""};
    const auto& content = m.value("content", json());
    bool calls = role == "assistant" && m.contains("tool_calls") && m["tool_calls"].is_array() && !m["tool_calls"].empty();
    if (content.is_string()) message.content = content.get<std::string>();
    else if (role == "tool" && !content.is_null()) message.content = content.dump();
    else if (!(calls && content.is_null())) throw HttpError::validation(field + ".content", "Must be a string");
    if (role == "system") {
      request.system += (request.system.empty() ? "" : "\n") + message.content;
      continue;
    }
    if (role != "user" && role != "assistant" && role != "tool")
      throw HttpError::validation(field + ".role", "Must be system, user, assistant or tool");
    if (calls)
      for (std::size_t c = 0; c < m["tool_calls"].size(); ++c) {
        message.toolCalls.push_back(parseToolCall(m["tool_calls"][c], field + ".tool_calls[" + std::to_string(c) + "]"));
        callNames[message.toolCalls.back().id] = message.toolCalls.back().name;
      }
    if (role == "tool") {
      message.toolCallId = m.value("tool_call_id", std::string());
      auto named = callNames.find(message.toolCallId);
      if (named == callNames.end())
        throw HttpError::validation(field + ".tool_call_id", "Must name a tool call of an earlier assistant message");
      message.toolName = named->second;
    }
    request.messages.push_back(std::move(message));
  }
}

/// tools: OpenAI's [{type: "function", function: {name, description,
/// parameters}}] or flat [{name, description, parameters}]; tool_choice.
void parseTools(const json& body, AiRequest& request) {
  if (body.contains("tools") && !body["tools"].is_null()) {
    if (!body["tools"].is_array()) throw HttpError::validation("tools", "Must be an array of {name, description, parameters}");
    std::set<std::string> names;
    for (std::size_t i = 0; i < body["tools"].size(); ++i) {
      const auto& item = body["tools"][i];
      auto field = "tools[" + std::to_string(i) + "]";
      const auto& tool = item.is_object() && item.contains("function") ? item["function"] : item;
      if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string() ||
          !validToolName(tool["name"].get<std::string>()))
        throw HttpError::validation(field + ".name", "Must be a tool name (letters, digits, _ and -, at most 64)");
      auto name = tool["name"].get<std::string>();
      if (!names.insert(name).second) throw HttpError::validation(field + ".name", "Two tools are named '" + name + "'");
      auto parameters = tool.value("parameters", json{{"type", "object"}, {"properties", json::object()}});
      if (!parameters.is_object()) throw HttpError::validation(field + ".parameters", "Must be a JSON Schema object");
      request.tools.push_back({name, optionalText(tool, "description"), std::move(parameters)});
    }
  }
  request.toolChoice = optionalText(body, "tool_choice");
  if (!request.toolChoice.empty() && request.toolChoice != "auto" && request.toolChoice != "none" &&
      request.toolChoice != "required")
    throw HttpError::validation("tool_choice", "Must be auto, none or required");
}

json toolCallsJson(const std::vector<ToolCall>& calls) {
  json out = json::array();
  for (const auto& call : calls)
    out.push_back({{"id", call.id}, {"type", "function"},
                   {"function", {{"name", call.name}, {"arguments", call.arguments.dump()}}}});
  return out;
}

} // namespace

ModelHealth::View Gateway::healthOf(const ModelInfo& model) const {
  auto view = health_.view(model.id, static_cast<double>(model.typicalResponseMs));
  if (health_.providerDown(model.provider)) view.status = "unavailable";
  return view;
}

std::int64_t Gateway::maxTokensFor(const AiRequest& request, const ModelInfo& model) const {
  return request.maxTokens.value_or(std::min(settings_.defaultMaxTokens, model.maxOutputTokens));
}

AiRequest Gateway::parse(const json& body, const json& principal) const {
  AiRequest request;
  auto models = catalog_.models();

  request.system = optionalText(body, "system");
  auto context = optionalText(body, "context");
  if (request.system.empty() && !context.empty()) request.system = "Context: " + context;
  parseMessages(body, request);
  parseTools(body, request);
  auto prompt = optionalText(body, "prompt");
  if (!prompt.empty()) request.messages.push_back({"user", prompt});
  bool anyUserText = std::any_of(request.messages.begin(), request.messages.end(),
                                 [](const Message& m) { return m.role == "user" && !isBlank(m.content); });
  if (!anyUserText) throw HttpError::validation("prompt", "Prompt cannot be empty");
  request.promptTokens = estimateTokens(request.system);
  for (const auto& m : request.messages) {
    request.promptTokens += estimateTokens(m.content) + 4;
    for (const auto& call : m.toolCalls) request.promptTokens += estimateTokens(call.name + call.arguments.dump()) + 4;
  }
  for (const auto& tool : request.tools)
    request.promptTokens += estimateTokens(tool.name + tool.description + tool.parameters.dump()) + 4;
  if (!request.tools.empty()) request.needs.capabilities.push_back("function_calling");
  request.needs.promptTokens = request.promptTokens;

  std::int64_t largestOutput = 1;
  for (const auto& model : *models) largestOutput = std::max(largestOutput, model.maxOutputTokens);
  if (body.contains("max_tokens") && !body["max_tokens"].is_null()) {
    const auto& value = body["max_tokens"];
    if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > largestOutput)
      throw HttpError::validation("max_tokens", "Must be a whole number from 1 to " + std::to_string(largestOutput) +
                                                    " (the most any model in the catalog writes)");
    request.maxTokens = value.get<std::int64_t>();
  }
  request.temperature = optionalNumber(body, "temperature", "temperature", 0, 2);
  request.stream = body.value("stream", false) == true;

  auto taskType = optionalText(body, "task_type");
  if (!taskType.empty()) {
    auto capabilities = capabilitiesFor(taskType);
    if (!capabilities)
      throw HttpError::validation("task_type", "Unknown task type '" + taskType + "'; known: " + knownTaskTypes());
    request.needs.capabilities = *capabilities;
  }
  for (const auto& capability : stringList(body, "capabilities")) request.needs.capabilities.push_back(capability);

  request.needs.providers = stringList(body, "providers");
  for (const auto& provider : request.needs.providers)
    if (!providers_.known(provider))
      throw HttpError::validation("providers", "Unknown provider '" + provider + "'; ai.providers lists the known ones");

  // routing_preferences {cost_optimization, quality_preference}, or models/route's priority.
  request.needs.priority = Priority::Balanced;
  const auto& preferences = body.value("routing_preferences", json::object());
  if (!preferences.is_object()) throw HttpError::validation("routing_preferences", "Must be an object");
  auto quality = optionalText(preferences, "quality_preference");
  if (preferences.value("cost_optimization", false) == true) request.needs.priority = Priority::Cost;
  if (quality == "high" || quality == "quality" || quality == "performance") request.needs.priority = Priority::Performance;
  else if (quality == "low" || quality == "cost") request.needs.priority = Priority::Cost;
  else if (!quality.empty() && quality != "balanced" && quality != "medium")
    throw HttpError::validation("routing_preferences.quality_preference", "Must be low, balanced or high");
  auto priority = optionalText(body, "priority");
  if (!priority.empty()) {
    auto parsed = parsePriority(priority);
    if (!parsed) throw HttpError::validation("priority", "Must be cost, performance or balanced");
    request.needs.priority = *parsed;
  }
  request.needs.budgetLimit = optionalNumber(preferences, "budget_limit", "routing_preferences.budget_limit", 0, 1e6);
  if (auto limit = optionalNumber(body, "budget_limit", "budget_limit", 0, 1e6)) request.needs.budgetLimit = limit;

  request.model = optionalText(body, "model");
  request.fallbackModels = stringList(body, "fallback_models");
  auto checkModel = [&](const std::string& id, const std::string& field) {
    const auto* model = findModel(*models, id);
    if (!model) throw HttpError::validation(field, "Unknown model '" + id + "'; GET ai/models lists them");
    if (!providers_.configured(model->provider))
      throw HttpError::validation(field, "The provider '" + model->provider + "' of model '" + id + "' is not configured");
    if (request.maxTokens && *request.maxTokens > model->maxOutputTokens)
      throw HttpError::validation("max_tokens", "Model '" + id + "' writes at most " + std::to_string(model->maxOutputTokens) + " tokens");
  };
  if (!request.model.empty()) checkModel(request.model, "model");
  for (const auto& id : request.fallbackModels) checkModel(id, "fallback_models");
  request.needs.maxTokens = request.maxTokens.value_or(settings_.defaultMaxTokens);

  request.payer.userId = principal.is_object() ? principal.value("id", std::string()) : std::string();
  auto organizations = principal.is_object() ? principal.value("organization_ids", json::array()) : json::array();
  auto organization = optionalText(body, "organization_id");
  if (!organization.empty()) {
    if (std::find(organizations.begin(), organizations.end(), organization) == organizations.end())
      throw HttpError::validation("organization_id", "You are not a member of that organization");
    request.payer.organizationId = organization;
  } else if (organizations.size() == 1 && organizations[0].is_string()) {
    request.payer.organizationId = organizations[0].get<std::string>();
  }
  request.executionId = optionalText(body, "execution_id");
  request.stepId = optionalText(body, "step_id");
  return request;
}

Gateway::Plan Gateway::plan(const AiRequest& request) const {
  Plan plan;
  plan.models = catalog_.models();
  if (!request.model.empty()) {
    std::vector<std::string> ids{request.model};
    ids.insert(ids.end(), request.fallbackModels.begin(), request.fallbackModels.end());
    for (const auto& id : ids) {
      const auto* model = findModel(*plan.models, id);
      if (!model) throw HttpError::validation("model", "Unknown model '" + id + "'; GET ai/models lists them");
      auto cost = model->cost(request.promptTokens, maxTokensFor(request, *model));
      plan.candidates.push_back({model, cost, model->qualityScore, healthOf(*model)});
    }
    const auto& first = plan.candidates.front();
    if (request.needs.budgetLimit && first.estimatedCost > *request.needs.budgetLimit)
      throw HttpError(402, "BUDGET_EXCEEDED", "Budget exceeded: the estimated cost passes the request's budget_limit",
                      {{"budget_limit", *request.needs.budgetLimit}, {"estimated_cost", round6(first.estimatedCost)},
                       {"model", first.model->id}});
    plan.reason = "explicit_model";
    plan.explanation = "the request named " + request.model;
    plan.confidence = 1.0;
    return plan;
  }
  auto ranking = rank(*plan.models, request.needs, [this](const ModelInfo& m) { return healthOf(m); },
                      [this](const std::string& provider) { return providers_.configured(provider); });
  if (ranking.candidates.empty()) {
    if (ranking.emptyField == "budget_limit")
      throw HttpError(402, "BUDGET_EXCEEDED", "Budget exceeded: " + ranking.emptyReason,
                      {{"budget_limit", *request.needs.budgetLimit}, {"field", "routing_preferences.budget_limit"}});
    throw HttpError::validation(ranking.emptyField, ranking.emptyReason, "No model can serve this request");
  }
  plan.confidence = confidence(ranking);
  plan.reason = routingReason(request.needs.priority);
  plan.explanation = explain(ranking, request.needs);
  plan.candidates = std::move(ranking.candidates);
  return plan;
}

json Gateway::decide(const AiRequest& request) const {
  auto decision = plan(request);
  const auto& best = decision.candidates.front();
  auto maxTokens = maxTokensFor(request, *best.model);
  json alternatives = json::array();
  for (std::size_t i = 1; i < decision.candidates.size() && i < 4; ++i) {
    const auto& c = decision.candidates[i];
    alternatives.push_back({{"model", c.model->id}, {"provider", c.model->provider},
                            {"estimated_cost", round6(c.estimatedCost)}, {"score", std::round(c.score * 1000) / 1000}});
  }
  return {{"model", best.model->id},
          {"provider", best.model->provider},
          {"estimated_cost", round6(best.estimatedCost)},
          {"estimated_tokens", request.promptTokens + maxTokens},
          {"estimated_prompt_tokens", request.promptTokens},
          {"max_tokens", maxTokens},
          {"confidence_score", decision.confidence},
          {"confidence", decision.confidence},
          {"routing_reason", decision.reason},
          {"reason", decision.explanation},
          {"quality_score", best.model->qualityScore},
          {"avg_response_time", std::lround(best.health.avgResponseMs)},
          {"status", best.health.status},
          {"alternatives", std::move(alternatives)}};
}

json Gateway::complete(const AiRequest& request, const DeltaSink* onDelta, std::chrono::microseconds* providerTime) {
  auto decision = plan(request);
  std::chrono::microseconds waited{0};
  struct Report { // also on the way out through an exception
    std::chrono::microseconds& waited;
    std::chrono::microseconds* into;
    ~Report() { if (into) *into = waited; }
  } report{waited, providerTime};
  auto deadline = Clock::now() + settings_.requestTimeout;
  json failures = json::array();
  std::optional<HttpError> budgetRefusal;
  bool streamedAny = false;
  DeltaSink forward;
  if (onDelta)
    forward = [&](std::string_view text) {
      streamedAny = true;
      return (*onDelta)(text);
    };
  int tried = 0;
  // A provider that answered 5xx or could not be reached is not asked again
  // in this request: its other models would most likely fail alike and use up
  // the attempts another provider could answer with.
  std::set<std::string> downProviders;
  for (const auto& candidate : decision.candidates) {
    if (tried >= settings_.maxAttempts || Clock::now() >= deadline) break;
    const auto& model = *candidate.model;
    auto* client = providers_.client(model.provider);
    if (!client || downProviders.count(model.provider)) continue;
    SpendLedger::Reservation reservation;
    try {
      reservation = ledger_.reserve(request.payer, candidate.estimatedCost);
    } catch (const HttpError& refusal) {
      // A cheaper model further down may still fit the budget.
      if (!budgetRefusal) budgetRefusal = refusal;
      failures.push_back(attemptJson(model, "budget_exceeded", refusal.what(), 0, 0));
      continue;
    }
    ++tried;
    ProviderCall call;
    call.model = model.id;
    call.system = request.system;
    call.messages = request.messages;
    call.tools = request.tools;
    call.toolChoice = request.toolChoice;
    call.maxTokens = maxTokensFor(request, model);
    call.temperature = request.temperature;
    call.timeout = settings_.requestTimeout;
    CallRecord record{orch::newId(), request.payer.userId, request.payer.organizationId, model.id, model.provider};
    record.streamed = onDelta != nullptr;
    record.executionId = request.executionId;
    record.stepId = request.stepId;
    record.requestId = request.requestId;
    record.createdMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    auto billed = [&](const std::string& text, const Usage& usage) {
      // A provider that reports nothing is billed for what was counted: the
      // estimated prompt and the text that arrived. Never zero.
      record.usageEstimated = !usage.reported;
      record.promptTokens = usage.reported ? usage.promptTokens : request.promptTokens;
      record.completionTokens = usage.reported ? usage.completionTokens : (text.empty() ? 0 : estimateTokens(text));
      record.costUsd = model.cost(record.promptTokens, record.completionTokens);
    };

    auto started = Clock::now();
    for (int retry = 0;; ++retry) {
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      call.timeout = std::min(providers_.settings(model.provider)->timeout, std::max(remaining, std::chrono::milliseconds(1)));
      auto calling = Clock::now();
      auto addWait = [&] { waited += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - calling); };
      try {
        auto reply = client->complete(call, onDelta ? &forward : nullptr);
        addWait();
        auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        billed(reply.text + (reply.toolCalls.empty() ? "" : toolCallsJson(reply.toolCalls).dump()), reply.usage);
        record.latencyMs = std::llround(elapsed);
        record.status = "completed";
        ledger_.settle(reservation, record);
        health_.recordSuccess(model.id, elapsed);
        health_.recordProviderAnswer(model.provider);
        auto total = record.promptTokens + record.completionTokens;
        return {{"response", reply.text},
                {"model_used", model.id},
                {"provider", model.provider},
                {"cost", round6(record.costUsd)},
                {"tokens_used", total},
                {"prompt_tokens", record.promptTokens},
                {"completion_tokens", record.completionTokens},
                {"tokens", {{"prompt", record.promptTokens}, {"completion", record.completionTokens}, {"total", total}}},
                {"usage_source", record.usageEstimated ? "estimated" : "provider"},
                {"routing_reason", decision.reason},
                {"routing_explanation", decision.explanation},
                {"confidence_score", decision.confidence},
                {"response_time", record.latencyMs},
                {"quality_score", model.qualityScore},
                {"finish_reason", reply.finishReason},
                {"tool_calls", toolCallsJson(reply.toolCalls)},
                {"fallbacks", failures},
                {"call_id", record.id},
                {"estimated_cost", round6(candidate.estimatedCost)}};
      } catch (const ProviderError& error) {
        addWait();
        auto wait = error.retryAfter.value_or(backoff(retry));
        bool retryable = error.kind == ProviderError::Kind::RateLimited && retry < settings_.retries && !streamedAny &&
                         wait <= settings_.maxRetryWait && Clock::now() + wait < deadline;
        if (retryable) {
          std::this_thread::sleep_for(wait);
          continue;
        }
        record.latencyMs = std::llround(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        record.error = error.what();
        if (streamedAny) {
          // Part of the answer reached the client: it cannot be taken back or
          // continued by another model, and what was generated is billed.
          billed(error.partialText, error.usage);
          record.status = error.kind == ProviderError::Kind::ClientGone ? "client_disconnected" : "interrupted";
        } else {
          record.status = "failed";
          record.costUsd = 0;
        }
        ledger_.settle(reservation, record);
        if (error.kind != ProviderError::Kind::ClientGone) health_.recordFailure(model.id);
        if (error.kind == ProviderError::Kind::ServerError || error.kind == ProviderError::Kind::Connection) {
          downProviders.insert(model.provider);
          health_.recordProviderOutage(model.provider);
        }
        failures.push_back(attemptJson(model, error.kindName(), error.what(), error.httpStatus, retry + 1));
        if (streamedAny)
          throw HttpError(502, "AI_SERVICE_ERROR", "The answer broke off: " + std::string(error.what()),
                          {{"attempts", failures}, {"cost", round6(record.costUsd)},
                           {"tokens", {{"prompt", record.promptTokens}, {"completion", record.completionTokens}}}});
        break;
      }
    }
  }
  if (budgetRefusal && tried == 0) throw *budgetRefusal;
  throw HttpError(502, "AI_SERVICE_ERROR", "AI service error: every model tried failed", {{"attempts", failures}});
}

json Gateway::models(const json& filters) const {
  auto models = catalog_.models();
  json list = json::array();
  auto wanted = [&](const char* filter, const std::string& value) {
    return !filters.contains(filter) || filters[filter].get<std::string>() == value;
  };
  for (const auto& model : *models) {
    auto configured = providers_.configured(model.provider);
    if (!wanted("provider", model.provider) || (filters.contains("capability") && !model.has(filters["capability"].get<std::string>())))
      continue;
    if (filters.contains("configured") && (filters["configured"] == "true") != configured) continue;
    auto health = healthOf(model);
    list.push_back({{"id", model.id},
                    {"provider", model.provider},
                    {"name", model.name},
                    {"cost_per_token", model.inputCostPerToken},
                    {"input_cost_per_token", model.inputCostPerToken},
                    {"output_cost_per_token", model.outputCostPerToken},
                    {"context_window", model.contextWindow},
                    {"max_tokens", model.maxOutputTokens},
                    {"max_output_tokens", model.maxOutputTokens},
                    {"capabilities", model.capabilities},
                    {"quality_score", model.qualityScore},
                    {"avg_response_time", std::lround(health.avgResponseMs)},
                    {"response_time_measured", health.measured},
                    {"status", health.status},
                    {"recent_calls", health.calls},
                    {"recent_failures", health.failures},
                    {"provider_configured", configured}});
  }
  auto total = list.size();
  return {{"models", std::move(list)}, {"total", total}};
}

} // namespace ai
