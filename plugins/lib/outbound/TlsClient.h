#pragma once

#include <Poco/Net/Context.h>

#include <string>

namespace outbound {

/// The TLS client context for outbound connections (HTTPS steps, SMTP
/// STARTTLS): certificates checked against the system's CAs plus `caFile`
/// (may be empty). Made once per CA file and shared.
Poco::Net::Context::Ptr tlsClientContext(const std::string& caFile);

} // namespace outbound
