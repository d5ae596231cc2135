#include "orchestrator/host/CrashGuard.h"

#include "../../tests/fixtures/Crashes.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <thread>

using orch::host::CrashGuard;

namespace crashes = orch::test::crashes;

TEST(CrashGuard, AReturningCallReturnsZeroAndKeepsItsEffects) {
  int value = 0;
  auto call = [&] { value = 42; };
  EXPECT_EQ(CrashGuard::run(call), 0);
  EXPECT_EQ(value, 42);
}

TEST(CrashGuard, EachKindOfCrashComesBackAsItsSignal) {
  auto segfault = [] { crashes::segfault(); };
  auto divide = [] { crashes::zero = crashes::divideByZero(); };
  auto abort = [] { std::abort(); };
  auto overflow = [] { crashes::zero = crashes::recurseForever(); };
  EXPECT_EQ(CrashGuard::run(segfault), SIGSEGV);
  EXPECT_EQ(CrashGuard::run(divide), SIGFPE);
  EXPECT_EQ(CrashGuard::run(abort), SIGABRT);
  EXPECT_EQ(CrashGuard::run(overflow), SIGSEGV);
  // The same signal again: the handler left it unblocked.
  EXPECT_EQ(CrashGuard::run(segfault), SIGSEGV);
  EXPECT_EQ(CrashGuard::signalName(SIGFPE), "SIGFPE");
}

TEST(CrashGuard, NestedCallsComeBackToTheInnermostGuard) {
  int inner = -1;
  auto crashInside = [&] {
    auto segfault = [] { crashes::segfault(); };
    inner = CrashGuard::run(segfault);
  };
  EXPECT_EQ(CrashGuard::run(crashInside), 0);
  EXPECT_EQ(inner, SIGSEGV);
}

TEST(CrashGuard, GuardsEveryThreadOnItsOwn) {
  int results[2] = {-1, -1};
  std::thread first([&] {
    auto segfault = [] { crashes::segfault(); };
    results[0] = CrashGuard::run(segfault);
  });
  std::thread second([&] {
    auto overflow = [] { crashes::zero = crashes::recurseForever(); };
    results[1] = CrashGuard::run(overflow);
  });
  first.join();
  second.join();
  EXPECT_EQ(results[0], SIGSEGV);
  EXPECT_EQ(results[1], SIGSEGV);
}

TEST(CrashGuardDeathTest, ACrashOutsideAGuardStillEndsTheProcess) {
  auto install = [] {};
  CrashGuard::run(install); // the handlers are in place from here on
  EXPECT_EXIT(crashes::segfault(), ::testing::KilledBySignal(SIGSEGV), "");
  EXPECT_EXIT(std::abort(), ::testing::KilledBySignal(SIGABRT), "");
}
