#include "WorkerRoutes.h"

#include <algorithm>

namespace workflows {
namespace {

/// The pool whose worker calls; 401 for anyone else. (The host serves these
/// routes on its Unix socket only: a token that leaked is no use from the network.)
std::string callerPool(const orch::Request& request, const WorkerPools& pools) {
  auto token = request.header("X-Worker-Token");
  auto pool = token ? pools.poolOf(*token) : std::nullopt;
  if (!pool) throw orch::HttpError::unauthorized("Unknown or revoked worker token");
  return *pool;
}

} // namespace

void registerWorkerRoutes(orch::Plugin& plugin, WorkerPools& pools, RemoteSteps& remote, std::vector<std::string> services) {
  // The worker's token is checked here, not by the authenticator; the link only.
  constexpr auto kPublic = ORCH_ROUTE_PUBLIC | ORCH_ROUTE_LINK;

  plugin.route("POST", "/workers/claim", [&pools, &remote](orch::Request& request, orch::Response& response) {
    auto pool = callerPool(request, pools);
    auto body = request.jsonObject();
    auto max = std::clamp<std::int64_t>(body.value("max", std::int64_t{1}), 0, 256);
    auto wait = std::clamp<std::int64_t>(body.value("wait_ms", std::int64_t{5000}), 0, 30000);
    std::vector<std::string> running;
    for (const auto& id : body.value("running", orch::json::array()))
      if (id.is_string()) running.push_back(id.get<std::string>());
    auto worker = body.value("worker", std::string());
    response.json({{"attempts", remote.claim(pool, worker, static_cast<std::size_t>(max), std::chrono::milliseconds(wait), running)}});
  }, {.summary = "A deployed agent's worker claims its steps (long poll; renews the leases of those it runs)", .flags = kPublic});

  plugin.route("POST", "/workers/attempts/{id}", [&pools, &remote](orch::Request& request, orch::Response& response) {
    auto pool = callerPool(request, pools);
    auto body = request.jsonObject();
    if (!body.contains("output") && !body.contains("error"))
      throw orch::HttpError::validation("body", "An answer has output or error");
    // Only what a step answers: anything else in the body is the engine's to say, not the worker's.
    orch::json answer = body.contains("error") ? orch::json{{"error", body["error"]}} : orch::json{{"output", body["output"]}};
    if (!remote.answer(pool, request.param("id"), answer))
      throw orch::HttpError::conflict("Nothing waits for this attempt any more (abandoned, or lost and claimed again)");
    response.json({{"accepted", true}});
  }, {.summary = "A worker's answer to a step it claimed: {output} or {error}", .flags = kPublic});

  plugin.route("POST", "/workers/services/{service}/{method}", [&plugin, &pools, &remote, services](orch::Request& request,
                                                                                                    orch::Response& response) {
    auto pool = callerPool(request, pools);
    auto body = request.jsonObject();
    auto name = request.param("service"), method = request.param("method");
    // A whole service, or one method of it: a worker's step may look an agent up (agents:find), not delete one.
    if (std::find(services.begin(), services.end(), name) == services.end() &&
        std::find(services.begin(), services.end(), name + ":" + method) == services.end())
      throw orch::HttpError::forbidden("A worker's steps may not call the service '" + name + "' method '" + method +
                                       "' (workflows.workers.services)");
    auto attempt = body.value("attempt_id", std::string());
    // Only on behalf of a step it holds now, and as that step's principal
    // whatever the request says: a worker calls what its steps may call, no more.
    auto step = remote.held(pool, attempt);
    if (!step) throw orch::HttpError::forbidden("A worker calls services only for a step it is running (attempt_id)");
    auto call = body.value("request", orch::json());
    if (!call.is_object()) throw orch::HttpError::validation("request", "A service's request is a JSON object");
    call["principal"] = step->value("principal", orch::json());
    for (const char* payer : {"user_id", "organization_id"}) call.erase(payer); // the principal pays, no one else
    auto text = call.dump();
    orch::detail::StringSink result, error;
    auto status = plugin.host().api().service_call(plugin.host().raw(), orch::detail::view(name), orch::detail::view(method),
                                                   orch::detail::view(text), result.get(), error.get());
    if (status == ORCH_OK) response.json({{"status", status}, {"result", orch::detail::parseOr(result.text, nullptr)}});
    else response.json({{"status", status}, {"error", error.text}});
  }, {.summary = "A service of the host, called by a step a worker runs", .flags = kPublic});
}

} // namespace workflows
