#include "orchestrator/host/RateLimiter.h"

#include <gtest/gtest.h>

#include <thread>

using orch::host::RateLimiter;

TEST(RateLimiter, LimitsPerCategoryAndKey) {
  RateLimiter limiter(true, {{"auth", 3}, {"default", 5}});
  for (int i = 0; i < 3; ++i) {
    auto decision = limiter.check("auth", "ip:1", false);
    EXPECT_TRUE(decision.allowed);
    EXPECT_EQ(decision.remaining, static_cast<std::uint32_t>(2 - i));
  }
  auto refused = limiter.check("auth", "ip:1", false);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GE(refused.retryAfterSeconds, 1u);
  EXPECT_LE(refused.retryAfterSeconds, RateLimiter::kWindowSeconds);
  EXPECT_TRUE(limiter.check("auth", "ip:2", false).allowed) << "another key has its own window";
  EXPECT_TRUE(limiter.check("default", "ip:1", false).allowed) << "another category has its own window";
  EXPECT_EQ(limiter.limitFor("unknown"), 5u);
}

TEST(RateLimiter, AdminsGetTwiceTheLimit) {
  RateLimiter limiter(true, {{"default", 2}});
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += limiter.check("default", "admin", true).allowed;
  EXPECT_EQ(allowed, 4);
}

TEST(RateLimiter, CountsExactlyUnderConcurrency) {
  RateLimiter limiter(true, {{"default", 1000}});
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) allowed += limiter.check("default", "same", false).allowed;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1000);
}

TEST(RateLimiter, DefaultsComeFromTheApiContract) {
  auto limits = RateLimiter::defaultLimits();
  EXPECT_EQ(limits.at("default"), 1000u);
  EXPECT_EQ(limits.at("auth"), 10u);
  EXPECT_EQ(limits.at("execute"), 500u);
  EXPECT_EQ(limits.at("analytics_export"), 10u);
}
