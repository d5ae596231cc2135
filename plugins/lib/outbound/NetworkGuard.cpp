#include "outbound/NetworkGuard.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

namespace outbound::network_guard {
namespace {

std::string v4Reason(const unsigned char* a) {
  if (a[0] == 0) return "an unspecified address (0.0.0.0/8)";
  if (a[0] == 127) return "a loopback address";
  if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xF0) == 16) || (a[0] == 192 && a[1] == 168)) return "a private address";
  if (a[0] == 100 && (a[1] & 0xC0) == 64) return "a shared (carrier-grade NAT) address";
  if (a[0] == 169 && a[1] == 254)
    return a[2] == 169 && a[3] == 254 ? "the cloud metadata address" : "a link-local address";
  if (a[0] == 192 && a[1] == 0 && a[2] == 0) return "an IETF protocol address (192.0.0.0/24)";
  if (a[0] == 198 && (a[1] & 0xFE) == 18) return "a benchmarking address (198.18.0.0/15)";
  if (a[0] >= 224 && a[0] <= 239) return "a multicast address";
  if (a[0] >= 240) return "a reserved address";
  return {};
}

std::string v6Reason(const unsigned char* a) {
  static const unsigned char zeros[16] = {};
  if (std::memcmp(a, zeros, 15) == 0 && (a[15] == 0 || a[15] == 1))
    return a[15] ? "a loopback address" : "an unspecified address";
  // ::ffff:a.b.c.d (mapped) and 64:ff9b::a.b.c.d (NAT64) reach an IPv4 host.
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(a, mapped, 12) == 0 || std::memcmp(a, nat64, 12) == 0) return v4Reason(a + 12);
  if ((a[0] & 0xFE) == 0xFC) return "a private (unique local) address";
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80) return "a link-local address";
  if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) return "a site-local address";
  if (a[0] == 0xFF) return "a multicast address";
  return {};
}

} // namespace

std::string privateReason(const std::string& address) {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) return v4Reason(bytes);
  if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) return v6Reason(bytes);
  return "not an IP address";
}

std::vector<std::string> resolve(const std::string& host, bool allowPrivate) {
  auto bare = host.size() > 2 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(bare.c_str(), nullptr, &hints, &found) != 0 || !found)
    throw BlockedDestination("Cannot resolve host '" + bare + "'");
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  std::vector<std::string> addresses;
  for (auto* entry = found; entry; entry = entry->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = entry->ai_family == AF_INET
                          ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(entry->ai_addr)->sin_addr)
                          : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(entry->ai_addr)->sin6_addr);
    if (!inet_ntop(entry->ai_family, raw, text, sizeof text)) continue;
    std::string address = text;
    if (!allowPrivate) {
      auto reason = privateReason(address);
      if (!reason.empty())
        throw BlockedDestination("Refused to call '" + bare + "': it resolves to " + address + ", " + reason +
                                 " (set steps.api_call.allow_private_networks = true to allow)");
    }
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) addresses.push_back(address);
  }
  if (addresses.empty()) throw BlockedDestination("Cannot resolve host '" + bare + "'");
  return addresses;
}

} // namespace outbound::network_guard
