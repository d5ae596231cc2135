#pragma once

#include <string>

namespace orch::test {

/// The `webhook-signature` a Standard Webhooks receiver expects for a
/// delivery: "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" under the
/// key in `secret` ("whsec_<base64>"). Written from the specification, apart
/// from the server's code, so that tests check the server against it.
std::string standardWebhookSignature(const std::string& secret, const std::string& id, const std::string& timestamp,
                                     const std::string& body);

} // namespace orch::test
