#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace outbound {

/// Standard Webhooks signing (standardwebhooks.com): the headers
/// `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64
/// HMAC-SHA256 of "<id>.<timestamp>.<body>">`. A secret "whsec_<base64>" is
/// the base64 of the key; any other secret is the key's bytes.
namespace webhook_signature {

std::string sign(const std::string& secret, const std::string& id, std::int64_t timestamp, const std::string& body);

/// A fresh secret: "whsec_" and the base64 of 32 random bytes.
std::string newSecret();

/// The three headers for one delivery.
std::vector<std::pair<std::string, std::string>> headers(const std::string& secret, const std::string& id,
                                                         std::int64_t timestamp, const std::string& body);

} // namespace webhook_signature
} // namespace outbound
