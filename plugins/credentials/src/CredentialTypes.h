#pragma once

#include <orchestrator/plugin.hpp>

#include <string>
#include <vector>

namespace credentials {

/// The kinds of secret a step can use, and the fields each holds:
/// - `api_key`: key, and optionally header (default "X-API-Key");
/// - `bearer`: token;
/// - `basic`, `smtp`: username and password;
/// - `generic`: any string fields.
/// `value` is accepted for the one secret of api_key ("key") and bearer ("token").
namespace credential_types {

const std::vector<std::string>& names();

/// The secret fields of a create request, checked for `type`: every value a
/// non-empty string of at most 8 KiB, the required ones present, nothing
/// unknown. Throws orch::HttpError::validation naming the field.
orch::json normalize(const std::string& type, const orch::json& body);

} // namespace credential_types
} // namespace credentials
