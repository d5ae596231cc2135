// Abuse: login attempts limited per client IP (default 10/min) and failed
// logins per account, both answered 429 with Retry-After.
#include "AuthTestSupport.h"

#include <thread>

using namespace auth_test;

namespace {

class Abuse : public ::testing::TestWithParam<Backend> {
protected:
  void SetUp() override { AUTH_REQUIRE_BACKEND(GetParam()); }
};

void expectRateLimited(const HttpResult& response) {
  expectError(response, 429, "RATE_LIMITED");
  auto retryAfter = response.header("Retry-After");
  ASSERT_FALSE(retryAfter.empty()) << "429 without Retry-After";
  auto seconds = std::stoi(retryAfter);
  EXPECT_GE(seconds, 1);
  EXPECT_EQ(response.json()["error"]["details"]["retry_after"], seconds) << response.body;
}

} // namespace

TEST_P(Abuse, TheEleventhLoginFromOneAddressWithinAMinuteIs429) {
  // Default limits: ratelimit.auth.per_minute = 10 per client IP.
  AuthHost host(GetParam(), {.generousRateLimit = false});
  AuthClient client(host.port());
  // The host counts in fixed windows aligned to the minute: start early in one, so that all eleven
  // attempts (about a second of argon2id) fall into the same window.
  while (std::time(nullptr) % 60 > 50) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 1; i <= 10; ++i) {
    auto response = client.login(uniqueEmail("spray"), "Guess-Number-" + std::to_string(i));
    ASSERT_EQ(response.status, 401) << "attempt " << i << ": " << response.body;
    EXPECT_EQ(response.header("X-RateLimit-Limit"), "10");
  }
  auto eleventh = client.login(kAdminEmail, kAdminPassword);
  expectRateLimited(eleventh);
  EXPECT_LE(std::stoi(eleventh.header("Retry-After")), 60);
  // Register shares the auth budget of the address.
  expectRateLimited(client.registerUser({{"email", uniqueEmail("late")}, {"password", kPassword}, {"full_name", "Late"}}));
}

TEST_P(Abuse, FailedLoginsPerAccountLockItEvenForTheRightPassword) {
  AuthHost host(GetParam(), {.config = "auth.failed_logins_per_hour = 3\n"});
  AuthClient client(host.port());
  auto victim = client.newUser("locked");
  auto bystander = client.newUser("bystander");
  for (int i = 1; i <= 3; ++i) {
    auto response = client.login(victim.email, "Wrong-Guess-" + std::to_string(i));
    expectUnauthorized(response);
  }
  auto fourth = client.login(victim.email, victim.password);
  expectRateLimited(fourth);
  expectRateLimited(client.loginForm(victim.email, victim.password));
  EXPECT_EQ(fourth.body.find("access_token"), std::string::npos);
  // Only that account: another one from the same address logs in, and the victim's live session stays.
  EXPECT_EQ(client.login(bystander.email, bystander.password).status, 200);
  EXPECT_EQ(client.me(victim.auth()).status, 200);
}

AUTH_INSTANTIATE_BACKENDS(Abuse);
