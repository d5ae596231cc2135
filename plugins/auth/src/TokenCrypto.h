#pragma once

#include <string>
#include <string_view>

namespace auth {

/// `bytes` random bytes as base64url without padding.
std::string randomToken(std::size_t bytes);
/// Lower-case hex SHA-256 of `text`: API keys are high-entropy, so a fast hash
/// is safe to store and lets a lookup be one indexed query.
std::string sha256Hex(std::string_view text);
/// Compares in time independent of where the texts differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

} // namespace auth
