#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace outbound {

/// A destination refused by the guard, with the reason.
class BlockedDestination : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Keeps outbound calls of steps (api_call, webhook, execution webhooks) away
/// from the host's own network: loopback, private (RFC 1918, unique local),
/// carrier-grade NAT, link-local (cloud metadata at 169.254.169.254 among
/// them), unspecified, multicast and reserved addresses, in IPv4 and IPv6,
/// including IPv4 inside IPv6 (mapped and NAT64). Names are checked after
/// resolution, and callers connect to the address checked, so a name cannot
/// change its answer between the check and the connection.
namespace network_guard {

/// Why `address` (numeric IPv4 or IPv6) is not public; empty when it is.
std::string privateReason(const std::string& address);

/// Resolves `host` and returns its addresses, all checked. Throws
/// BlockedDestination when any is not public (unless `allowPrivate`), or when
/// the name does not resolve.
std::vector<std::string> resolve(const std::string& host, bool allowPrivate);

} // namespace network_guard
} // namespace outbound
