#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace orch::test {

/// The whole of a file, byte for byte; empty when it cannot be read.
inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace orch::test
