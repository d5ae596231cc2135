#pragma once

#include <gtest/gtest.h>

#include <string>

namespace orch::test {

/// The URL of the PostgreSQL server for tests: $ORCH_TEST_POSTGRES_URL, else
/// the one scripts/lib/postgres.sh wrote to ORCH_TEST_POSTGRES_DIR/url (CTest
/// starts that server as the `postgres` fixture). Empty when there is neither.
std::string postgresUrl();

/// Whether a test needing PostgreSQL must fail without one rather than be
/// skipped: in CI (env CI set, and not "false" or "0"), a missing server is a
/// broken setup, not a reason to test less.
bool postgresRequired();

/// What to tell the reader when no server is there.
std::string postgresMissingMessage();

} // namespace orch::test

/// Assigns the test server's URL to `url`, or ends the test: skipped on a
/// developer's machine, failed in CI. For a test body or SetUp (GTEST_SKIP and
/// FAIL return from the enclosing function).
#define ORCH_REQUIRE_POSTGRES(url)                                            \
  do {                                                                        \
    (url) = ::orch::test::postgresUrl();                                      \
    if ((url).empty()) {                                                      \
      if (::orch::test::postgresRequired()) {                                 \
        FAIL() << ::orch::test::postgresMissingMessage();                     \
      }                                                                       \
      GTEST_SKIP() << ::orch::test::postgresMissingMessage();                 \
    }                                                                         \
  } while (false)
