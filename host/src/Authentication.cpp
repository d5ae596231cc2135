#include "orchestrator/host/Authentication.h"

#include "orchestrator/host/HostContext.h"

#include <orchestrator/plugin.hpp>

#include <Poco/Logger.h>

namespace orch::host {

std::optional<Principal> Principal::parse(std::string text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  Principal principal;
  principal.id = parsed.value("id", std::string());
  for (const auto& p : parsed.value("permissions", nlohmann::json::array()))
    if (p.is_string()) principal.permissions.push_back(p.get<std::string>());
  for (const auto& r : parsed.value("roles", nlohmann::json::array()))
    if (r == "admin") principal.admin = true;
  principal.json = std::move(text);
  return principal;
}

Authentication authenticate(const HostContext& context, const Credentials& credentials) {
  Authentication result;
  const auto& authenticator = context.authenticator;
  if (!authenticator || (credentials.authorization.empty() && credentials.apiKey.empty() && credentials.token.empty()))
    return result;
  using orch::detail::view;
  orch_auth_request request{};
  request.struct_size = sizeof request;
  request.authorization = view(credentials.authorization);
  request.api_key = view(credentials.apiKey);
  request.query_token = view(credentials.token);
  request.client_ip = view(credentials.clientIp);
  request.path = view(credentials.path);
  orch::detail::StringSink principal, message;
  result.status = authenticator->onAuthenticate(authenticator->userData, &request, principal.get(), message.get());
  result.message = std::move(message.text);
  if (result.status != ORCH_OK) return result;
  result.principal = Principal::parse(std::move(principal.text));
  if (!result.principal) {
    Poco::Logger::get("http").error("the authenticator returned a principal that is not a JSON object");
    result.status = ORCH_ERROR;
  }
  return result;
}

} // namespace orch::host
