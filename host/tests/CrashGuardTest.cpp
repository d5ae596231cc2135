#include "orchestrator/host/CrashGuard.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <thread>

using orch::host::CrashGuard;

namespace {

volatile std::uintptr_t nowhere = 0;
volatile int zero = 0;

int recurseForever(int depth) {
  volatile char frame[512];
  frame[depth % sizeof frame] = static_cast<char>(depth);
  if (zero == -1) return depth; // never, but the compiler cannot know
  return recurseForever(depth + 1) + frame[0];
}

} // namespace

TEST(CrashGuard, AReturningCallReturnsZeroAndKeepsItsEffects) {
  int value = 0;
  auto call = [&] { value = 42; };
  EXPECT_EQ(CrashGuard::run(call), 0);
  EXPECT_EQ(value, 42);
}

TEST(CrashGuard, EachKindOfCrashComesBackAsItsSignal) {
  auto segfault = [] { *reinterpret_cast<volatile int*>(nowhere) = 1; };
  auto divide = [] { zero = 12345 / zero; }; // not 1 / x, which compilers turn into a comparison
  auto abort = [] { std::abort(); };
  auto overflow = [] { zero = recurseForever(0); };
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
    auto segfault = [] { *reinterpret_cast<volatile int*>(nowhere) = 1; };
    inner = CrashGuard::run(segfault);
  };
  EXPECT_EQ(CrashGuard::run(crashInside), 0);
  EXPECT_EQ(inner, SIGSEGV);
}

TEST(CrashGuard, GuardsEveryThreadOnItsOwn) {
  int results[2] = {-1, -1};
  std::thread first([&] {
    auto segfault = [] { *reinterpret_cast<volatile int*>(nowhere) = 1; };
    results[0] = CrashGuard::run(segfault);
  });
  std::thread second([&] {
    auto overflow = [] { zero = recurseForever(0); };
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
  EXPECT_EXIT(*reinterpret_cast<volatile int*>(nowhere) = 1, ::testing::KilledBySignal(SIGSEGV), "");
  EXPECT_EXIT(std::abort(), ::testing::KilledBySignal(SIGABRT), "");
}
