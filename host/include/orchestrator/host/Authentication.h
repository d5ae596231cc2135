#pragma once

#include <orchestrator/abi.h>

#include <optional>
#include <string>
#include <vector>

namespace orch::host {

struct HostContext;

/// Who made a request, as the authenticator described them.
struct Principal {
  std::string json; ///< the authenticator's text, handed to plugins as is
  std::string id;
  std::vector<std::string> permissions;
  bool admin = false;

  /// nullopt when the text is not a JSON object.
  static std::optional<Principal> parse(std::string text);
};

/// The credentials a request or a WebSocket's first message carries.
struct Credentials {
  std::string authorization, apiKey, token, clientIp, path;
};

/// What the authenticator made of some credentials: ORCH_OK with a
/// principal, ORCH_AUTH_NONE when there were none, or a refusal with its
/// message.
struct Authentication {
  orch_status status = ORCH_AUTH_NONE;
  std::optional<Principal> principal;
  std::string message;
};

/// Runs the installed authenticator (none installed: ORCH_AUTH_NONE).
Authentication authenticate(const HostContext& context, const Credentials& credentials);

} // namespace orch::host
