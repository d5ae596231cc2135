#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ai {

/// The capabilities a task type needs ("analysis" -> {"reasoning"}), or
/// nullopt for a task type nobody defined.
std::optional<std::vector<std::string>> capabilitiesFor(std::string_view taskType);
/// Every known task type, for error messages.
std::string knownTaskTypes();

/// Tokens a text is estimated to take before a provider counts them: about
/// four bytes a token for English text and code, never less than one.
std::int64_t estimateTokens(std::string_view text);

} // namespace ai
