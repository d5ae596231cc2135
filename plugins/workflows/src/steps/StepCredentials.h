#pragma once

#include <orchestrator/plugin.hpp>
#include <orchestrator/services/credentials.hpp>

#include <string>
#include <utility>
#include <vector>

namespace workflows::steps {

/// Whether the step logs in with a credential: `credential_id`, or
/// `credential_name` (what an n8n node's credentials reference becomes).
inline bool usesCredential(const orch::StepContext& step) {
  return step.config.contains("credential_id") || step.config.contains("credential_name");
}

/// The credential that the step's `credential_id` (or `credential_name`)
/// names, through the `credentials` plugin, for the principal the execution
/// runs for. Throws when it does not exist, belongs to another tenant or has expired.
orch::services::credentials::Credential resolveCredential(const orch::Plugin& plugin, const orch::StepContext& step);

/// The headers that log an HTTP call in with a `bearer`, `basic` or
/// `api_key` credential; throws, naming the credential, for another type.
std::vector<std::pair<std::string, std::string>> httpLogin(const orch::services::credentials::Credential& credential);

} // namespace workflows::steps
