#pragma once

#include <orchestrator/plugin.hpp>
#include <orchestrator/services/credentials.hpp>

#include <string>
#include <utility>
#include <vector>

namespace workflows::steps {

/// The credential that the step's `credential_id` names, through the
/// `credentials` plugin, for the principal the execution runs for. Throws
/// when it does not exist, belongs to another tenant or has expired.
orch::services::credentials::Credential resolveCredential(const orch::Plugin& plugin, const orch::StepContext& step);

/// The headers that log an HTTP call in with a `bearer`, `basic` or
/// `api_key` credential; throws, naming the credential, for another type.
std::vector<std::pair<std::string, std::string>> httpLogin(const orch::services::credentials::Credential& credential);

} // namespace workflows::steps
