#pragma once

#include <gtest/gtest.h>

#include <string>

namespace orch::test {

/// The Docker Engine socket for tests: the one scripts/lib/docker.sh wrote to
/// ORCH_TEST_DOCKER_DIR/socket (CTest's `docker` fixture). Empty when there
/// is none; `why` then says why (DIR/unavailable, or the fixture not run).
std::string dockerSocket(std::string& why);

} // namespace orch::test

/// Assigns the engine's socket to `socket`, or skips the test saying why no engine runs.
#define ORCH_REQUIRE_DOCKER(socket)                          \
  do {                                                       \
    std::string why_;                                        \
    (socket) = ::orch::test::dockerSocket(why_);             \
    if ((socket).empty()) GTEST_SKIP() << why_;              \
  } while (false)
