// What Linux's /proc says that the host and plugins both read.
#pragma once

#include <cstdint>
#include <istream>
#include <sstream>
#include <string>
#include <utility>

namespace orch::procfs {

/// Bytes received and sent on every interface but loopback, from the text
/// of a /proc/<pid>/net/dev (one network namespace's counters since it began).
inline std::pair<std::uint64_t, std::uint64_t> networkBytes(std::istream& netDev) {
  std::string line;
  std::uint64_t received = 0, sent = 0;
  while (std::getline(netDev, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue; // the two header lines
    auto name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    std::uint64_t values[9] = {};
    for (auto& value : values) fields >> value;
    received += values[0];
    sent += values[8];
  }
  return {received, sent};
}

} // namespace orch::procfs
