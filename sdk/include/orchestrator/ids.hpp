// Ids in the one form every resource uses: random version 4 UUIDs.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace orch {

/// A random version 4 UUID ("3f2b...-4...-8..."). Drawn from the system's
/// random source (std::random_device: getrandom or RDRAND), so ids cannot be
/// guessed from ids seen before: session ids and token ids are UUIDs too.
inline std::string newId() {
  thread_local std::random_device random;
  std::uint32_t w[4] = {random(), random(), random(), random()};
  w[1] = (w[1] & 0xffff0fffu) | 0x00004000u; // version 4
  w[2] = (w[2] & 0x3fffffffu) | 0x80000000u; // variant 10
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%04x%08x", static_cast<unsigned>(w[0]),
                static_cast<unsigned>(w[1] >> 16), static_cast<unsigned>(w[1] & 0xffff),
                static_cast<unsigned>(w[2] >> 16), static_cast<unsigned>(w[2] & 0xffff), static_cast<unsigned>(w[3]));
  return text;
}

} // namespace orch

namespace orch {

/// The version after `version` ("MAJOR.MINOR.PATCH") when what it versions
/// changed: the minor bumps, the patch resets ("1.4.2" -> "1.5.0"). Workflows
/// and agents both start at "1.0.0".
inline std::string nextMinorVersion(const std::string& version) {
  auto firstDot = version.find('.');
  auto secondDot = version.find('.', firstDot + 1);
  if (firstDot == std::string::npos) return version + ".1.0";
  auto major = version.substr(0, firstDot);
  auto minor = std::stoll(version.substr(firstDot + 1, secondDot - firstDot - 1));
  return major + "." + std::to_string(minor + 1) + ".0";
}

} // namespace orch
