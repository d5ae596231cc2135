#include "AiRoutes.h"

#include <cstdio>

namespace ai {
namespace {

using orch::HttpError;
using orch::json;

bool isAdmin(const json& principal) {
  auto permissions = principal.value("permissions", std::vector<std::string>{});
  return orch::grants(permissions, "ai:admin");
}

std::string scopeParameter(const orch::Request& request) {
  auto scope = request.param("scope");
  if (scope != "user" && scope != "organization") throw HttpError::validation("scope", "Must be user or organization");
  return scope;
}

/// One Server-Sent Event: `event: <name>` and the JSON on one data line.
std::string serverSentEvent(std::string_view name, const json& data) {
  return "event: " + std::string(name) + "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

/// POST ai/route with "stream": true: `delta` events as the provider writes,
/// then one `done` event with the whole answer (tokens, cost), or an `error`
/// event when the answer breaks off after it began. A failure before the
/// first byte is an ordinary JSON error, so fallbacks stay invisible.
void streamCompletion(Gateway& gateway, const AiRequest& request, orch::Response& response) {
  bool started = false;
  auto send = [&](std::string_view name, const json& data) {
    if (!started) {
      response.header("Content-Type", "text/event-stream").header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
      started = true;
    }
    return response.stream(serverSentEvent(name, data));
  };
  DeltaSink onDelta = [&](std::string_view text) { return send("delta", {{"text", text}}); };
  try {
    send("done", gateway.complete(request, &onDelta));
  } catch (const HttpError& error) {
    if (!started) throw;
    send("error", {{"error", {{"code", error.code()}, {"message", error.what()}, {"details", error.details()}}}});
  }
}

} // namespace

void registerRoutes(orch::Plugin& plugin, Gateway& gateway, SpendLedger& ledger) {
  auto listModels = [&gateway](orch::Request& request, orch::Response& response) {
    json filters = json::object();
    for (const char* name : {"provider", "capability", "configured"})
      if (auto value = request.query(name)) filters[name] = *value;
    response.json(gateway.models(filters));
  };
  plugin.route("GET", "/ai/models", listModels, {.summary = "The model catalog with prices, measured latency and status"});
  plugin.route("GET", "/models/available", listModels, {.summary = "The model catalog (seed 000's RelayCore router)"});

  plugin.route("POST", "/models/route", [&gateway](orch::Request& request, orch::Response& response) {
    response.json(gateway.decide(gateway.parse(request.jsonObject(), request.principal())));
  }, {.permission = "ai:route", .summary = "Choose a model for a request without calling it"});

  plugin.route("POST", "/ai/route", [&gateway](orch::Request& request, orch::Response& response) {
    auto call = gateway.parse(request.jsonObject(), request.principal());
    call.requestId = std::string(request.requestId());
    if (call.stream) return streamCompletion(gateway, call, response);
    auto started = std::chrono::steady_clock::now();
    std::chrono::microseconds providerTime{0};
    auto answer = gateway.complete(call, nullptr, &providerTime);
    // What the gateway itself added, apart from the provider's time: the
    // figure users of a gateway ask for first (Server-Timing, in ms).
    auto total = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    char timing[96];
    std::snprintf(timing, sizeof timing, "gateway;dur=%.3f, provider;dur=%.3f", (total - providerTime).count() / 1000.0,
                  providerTime.count() / 1000.0);
    response.header("Server-Timing", timing).json(answer);
  }, {.permission = "ai:route", .category = "ai", .summary = "Route a prompt to the best model and answer it"});

  plugin.route("GET", "/ai/usage", [&ledger](orch::Request& request, orch::Response& response) {
    const auto& principal = request.principal();
    Payer payer{principal.value("id", std::string()), request.query("organization_id").value_or("")};
    auto organizations = principal.value("organization_ids", json::array());
    if (!payer.organizationId.empty() && !isAdmin(principal) &&
        std::find(organizations.begin(), organizations.end(), payer.organizationId) == organizations.end())
      throw HttpError::notFound("No such organization");
    if (payer.organizationId.empty() && organizations.size() == 1) payer.organizationId = organizations[0];
    response.json(ledger.usage(payer));
  }, {.summary = "This month's AI spend and budgets"});

  plugin.route("GET", "/ai/calls", [&ledger](orch::Request& request, orch::Response& response) {
    auto page = orch::Page::of(request);
    std::string where = "1 = 1";
    json params = json::array();
    auto filter = [&](const char* column, const std::optional<std::string>& value) {
      if (!value) return;
      where += std::string(" AND ") + column + " = ?";
      params.push_back(*value);
    };
    const auto& principal = request.principal();
    if (isAdmin(principal)) filter("user_id", request.query("user_id"));
    else filter("user_id", principal.value("id", std::string()));
    for (const char* column : {"execution_id", "model", "provider", "status"}) filter(column, request.query(column));
    auto found = ledger.calls(where, params, page.limit, page.offset);
    response.json(page.envelope("calls", std::move(found["calls"]), found["total"].get<std::int64_t>()));
  }, {.summary = "Recorded AI calls: tokens, cost, latency, status"});

  plugin.route("GET", "/ai/budgets", [&ledger](orch::Request&, orch::Response& response) {
    response.json({{"budgets", ledger.listBudgets()}});
  }, {.permission = "ai:admin", .summary = "Monthly AI budgets"});

  plugin.route("PUT", "/ai/budgets/{scope}/{id}", [&ledger](orch::Request& request, orch::Response& response) {
    auto scope = scopeParameter(request);
    auto body = request.jsonObject();
    const auto& limit = body.value("monthly_limit_usd", json());
    if (!limit.is_number() || limit.get<double>() < 0)
      throw HttpError::validation("monthly_limit_usd", "Must be a number of US dollars, 0 or more");
    ledger.setBudget(scope, request.param("id"), limit.get<double>(), request.principal().value("id", std::string()));
    response.json({{"scope_type", scope}, {"scope_id", request.param("id")}, {"monthly_limit_usd", limit}});
  }, {.permission = "ai:admin", .summary = "Set a user's or organization's monthly AI budget"});

  plugin.route("DELETE", "/ai/budgets/{scope}/{id}", [&ledger](orch::Request& request, orch::Response& response) {
    if (!ledger.removeBudget(scopeParameter(request), request.param("id"))) throw HttpError::notFound("No such budget");
    response.status(204);
  }, {.permission = "ai:admin", .summary = "Remove a monthly AI budget"});
}

} // namespace ai
