// Sessions: login (JSON and form), the tokens' claims, auth/me and users/me,
// password change, refresh rotation and reuse, lifetimes, logout.
#include "AuthTestSupport.h"

#include <algorithm>
#include <future>
#include <thread>

using namespace auth_test;

namespace {

class SessionFlow : public SharedHostTest {};

std::string accessOf(const HttpResult& response) { return response.json().value("access_token", ""); }
std::string refreshOf(const HttpResult& response) { return response.json().value("refresh_token", ""); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

} // namespace

TEST_P(SessionFlow, LoginWithJsonAnswersTokensAndTheUser) {
  auto email = uniqueEmail("login");
  auto created = client().registerOk({{"email", email}, {"password", kPassword}, {"first_name", "Ada"}, {"last_name", "L"}});
  auto response = client().login(email, kPassword);
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  EXPECT_TRUE(body["access_token"].is_string());
  EXPECT_TRUE(body["refresh_token"].is_string());
  EXPECT_NE(body["access_token"], body["refresh_token"]);
  EXPECT_EQ(body["token_type"], "bearer");
  EXPECT_EQ(body["expires_in"], 1800) << "auth.access_token_ttl's default";
  EXPECT_EQ(body["user"]["id"], created["id"]);
  EXPECT_EQ(body["user"]["email"], email);
  EXPECT_EQ(response.body.find(kPassword), std::string::npos);
  EXPECT_EQ(client().me(bearer(body["access_token"].get<std::string>())).status, 200);
  // Seeds 000 and 001 log in under /api/auth/login.
  EXPECT_EQ(client().post("/api/auth/login", {{"email", email}, {"password", kPassword}}).status, 200);
}

TEST_P(SessionFlow, LoginWithAFormPostTakesUsernameOrEmail) {
  auto username = "form_" + uniqueSuffix();
  std::replace(username.begin(), username.end(), '-', '_');
  auto email = uniqueEmail("form");
  auto created = client().registerOk({{"username", username}, {"email", email}, {"password", kPassword}});

  for (const auto& name : {username, email}) {
    SCOPED_TRACE(name);
    auto response = client().loginForm(name, kPassword);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.json()["token_type"], "bearer");
    EXPECT_FALSE(refreshOf(response).empty());
    auto me = client().me(bearer(accessOf(response)));
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.json()["id"], created["id"]);
  }
  auto wrong = client().loginForm(username, "Not-The-Password-1");
  expectUnauthorized(wrong);
  EXPECT_EQ(wrong.json()["error"]["message"], "Invalid email or password");
}

TEST_P(SessionFlow, WrongPasswordAndUnknownEmailLookTheSame) {
  auto email = uniqueEmail("enum");
  client().registerOk({{"email", email}, {"password", kPassword}, {"full_name", "Enum"}});

  std::vector<double> wrongPassword, unknownEmail;
  json wrongBody, unknownBody;
  // Interleaved, so that a slow moment of the machine hits both kinds.
  for (int i = 0; i < 3; ++i) {
    for (bool unknown : {false, true}) {
      auto started = std::chrono::steady_clock::now();
      auto response = unknown ? client().login(uniqueEmail("nobody"), kPassword) : client().login(email, "Wrong-Password-99");
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      expectUnauthorized(response);
      auto body = response.json();
      EXPECT_EQ(body["error"]["message"], "Invalid email or password") << response.body;
      // Everything but the per-request fields must be identical.
      for (const char* field : {"request_id", "timestamp", "correlation_id"}) body["error"].erase(field);
      (unknown ? unknownBody : wrongBody) = body;
      (unknown ? unknownEmail : wrongPassword).push_back(ms);
    }
  }
  EXPECT_EQ(wrongBody, unknownBody);
  // argon2id dominates a wrong password; an unknown e-mail must not answer visibly faster.
  EXPECT_GE(median(unknownEmail), median(wrongPassword) / 3)
      << "unknown e-mail median " << median(unknownEmail) << " ms, wrong password median " << median(wrongPassword) << " ms";
}

TEST_P(SessionFlow, TheAccessTokenCarriesEveryClaimSignedWithTheConfiguredKey) {
  auto user = client().newUser("claims");
  auto header = jwt::header(user.tokens.access);
  EXPECT_EQ(header["alg"], "HS256");
  auto claims = jwt::payload(user.tokens.access);
  EXPECT_EQ(claims["sub"], user.id);
  ASSERT_TRUE(claims["sid"].is_string() && !claims["sid"].get<std::string>().empty()) << claims.dump();
  ASSERT_TRUE(claims["jti"].is_string() && !claims["jti"].get<std::string>().empty()) << claims.dump();
  ASSERT_TRUE(claims["iat"].is_number_integer() && claims["exp"].is_number_integer()) << claims.dump();
  EXPECT_NEAR(static_cast<double>(claims["iat"].get<std::int64_t>()), static_cast<double>(jwt::now()), 60.0);
  EXPECT_EQ(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 1800);
  EXPECT_EQ(claims["iss"], "orchestrator");
  EXPECT_EQ(jwt::audience(claims), "orchestrator-api") << claims.dump();
  EXPECT_EQ(claims["typ"], "access");
  // The signature is HMAC-SHA256 with auth.jwt_secret, byte for byte.
  auto pieces = jwt::parts(user.tokens.access);
  EXPECT_EQ(pieces[2], jwt::base64url(jwt::hmacSha256(kJwtSecret, pieces[0] + "." + pieces[1])));

  auto refresh = jwt::payload(user.tokens.refresh);
  EXPECT_EQ(refresh["typ"], "refresh");
  EXPECT_EQ(refresh["sid"], claims["sid"]) << "a refresh token belongs to the same session";
  EXPECT_NE(refresh["jti"], claims["jti"]);
  EXPECT_EQ(refresh["sub"], user.id);

  // A second login is a second session.
  auto again = jwt::payload(client().loginOk(user.email, user.password).access);
  EXPECT_NE(again["sid"], claims["sid"]);
  EXPECT_NE(again["jti"], claims["jti"]);
}

TEST_P(SessionFlow, MeAndUsersMeDescribeTheCaller) {
  auto user = client().newUser("me");
  auto me = client().me(user.auth());
  ASSERT_EQ(me.status, 200) << me.body;
  auto body = me.json();
  EXPECT_EQ(body["id"], user.id);
  EXPECT_EQ(body["email"], user.email);
  EXPECT_EQ(body["first_name"], "me");
  EXPECT_EQ(body["last_name"], "Tester");
  EXPECT_EQ(body["company"], "Acme");
  EXPECT_EQ(body["is_active"], true);
  EXPECT_EQ(body["roles"], json::array({"user"}));
  for (const char* permission : {"workflow:*", "agent:*", "marketplace:read", "ai:route", "organization:*"})
    EXPECT_TRUE(contains(body["permissions"], permission)) << permission << " in " << body["permissions"].dump();
  EXPECT_FALSE(contains(body["permissions"], "admin:*"));
  EXPECT_TRUE(body["organizations"].is_array() && body["organizations"].empty()) << me.body;

  // users/me: seed 004's profile fields.
  auto profile = client().get("/api/v1/users/me", user.auth());
  ASSERT_EQ(profile.status, 200) << profile.body;
  auto fields = profile.json();
  EXPECT_EQ(fields["id"], user.id);
  EXPECT_EQ(fields["email"], user.email);
  EXPECT_EQ(fields["first_name"], "me");
  EXPECT_TRUE(isUtcTimestamp(fields["created_at"])) << profile.body;
  for (const char* field : {"last_name", "subscription_tier", "last_login_at", "email_verified"})
    EXPECT_TRUE(fields.contains(field)) << "seed 004 shows " << field << ": " << profile.body;
  EXPECT_TRUE(isUtcTimestamp(fields["last_login_at"])) << "the user just logged in: " << profile.body;

  // The same handlers under every prefix.
  EXPECT_EQ(client().get("/api/auth/me", user.auth()).json()["id"], user.id);
  EXPECT_EQ(client().get("/v1/users/me", user.auth()).json()["id"], user.id);

  auto anonymous = client().get("/api/v1/auth/me");
  expectUnauthorized(anonymous);
  EXPECT_EQ(anonymous.header("WWW-Authenticate"), "Bearer");
  expectUnauthorized(client().get("/api/v1/users/me"));
}

TEST_P(SessionFlow, UpdatingTheProfileChangesOnlyWhatWasSent) {
  auto user = client().newUser("profile");
  auto updated = client().put("/api/v1/users/me", {{"first_name", "Grace"}, {"last_name", "Hopper"}}, user.auth());
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.json()["first_name"], "Grace");
  EXPECT_EQ(updated.json()["last_name"], "Hopper");
  EXPECT_EQ(updated.json()["email"], user.email);
  EXPECT_TRUE(isUtcTimestamp(updated.json()["updated_at"])) << "seed 004 shows updated_at: " << updated.body;

  auto more = client().put("/api/v1/users/me", {{"full_name", "Grace B. Hopper"}, {"company", "US Navy"}}, user.auth());
  ASSERT_EQ(more.status, 200) << more.body;
  auto profile = client().get("/api/v1/users/me", user.auth()).json();
  EXPECT_EQ(profile["first_name"], "Grace");
  EXPECT_EQ(profile["last_name"], "Hopper");
  EXPECT_EQ(profile["full_name"], "Grace B. Hopper");
  EXPECT_EQ(profile["company"], "US Navy");
  EXPECT_EQ(profile["email"], user.email);
}

TEST_P(SessionFlow, AProfileCannotTakeAnotherUsersUsernameOrEmail) {
  auto taken = "taken_" + uniqueSuffix();
  std::replace(taken.begin(), taken.end(), '-', '_');
  auto owner = uniqueEmail("owner");
  client().registerOk({{"email", owner}, {"password", kPassword}, {"username", taken}});
  auto user = client().newUser("squatter");

  auto sameUsername = client().put("/api/v1/users/me", {{"username", taken}}, user.auth());
  expectError(sameUsername, 409, "CONFLICT");
  auto sameEmail = client().put("/api/v1/users/me", {{"email", owner}}, user.auth());
  EXPECT_TRUE(sameEmail.status == 200 || sameEmail.status == 409 || sameEmail.status == 422) << sameEmail.body;
  auto profile = client().get("/api/v1/users/me", user.auth()).json();
  EXPECT_EQ(profile["email"], user.email) << "the e-mail is not taken over";
  EXPECT_NE(profile["username"], taken);
  // The owner of the name is untouched.
  EXPECT_EQ(client().loginForm(taken, kPassword).status, 200);
}

TEST_P(SessionFlow, ConcurrentRefreshesWithOneTokenLetOneWinAtMost) {
  auto user = client().newUser("race");
  std::vector<std::future<int>> racers;
  for (int i = 0; i < 6; ++i)
    racers.push_back(std::async(std::launch::async, [port = host().port(), token = user.tokens.refresh] {
      return AuthClient(port).refresh(token).status;
    }));
  int won = 0, refused = 0;
  for (auto& racer : racers) {
    auto status = racer.get();
    won += status == 200;
    refused += status == 401;
  }
  EXPECT_LE(won, 1) << "one refresh token rotated more than once";
  EXPECT_EQ(won + refused, 6) << "every other answer is a 401, not an error";
  // A token presented twice revokes the session, whoever won.
  if (refused > 0) {
    expectUnauthorized(client().me(user.auth()));
  }
}

TEST_P(SessionFlow, TheProfileRouteCannotGrantRoles) {
  auto user = client().newUser("self-promote");
  auto response = client().put("/api/v1/users/me",
                               {{"first_name", "Eve"}, {"role", "admin"}, {"roles", {"admin"}}, {"is_admin", true}, {"is_active", true}},
                               user.auth());
  EXPECT_TRUE(response.status == 200 || (response.status >= 400 && response.status < 500)) << response.body;
  auto me = client().me(user.auth()).json();
  EXPECT_EQ(me["roles"], json::array({"user"})) << me.dump();
  EXPECT_FALSE(contains(me["permissions"], "admin:*"));
  expectError(client().get("/api/v1/users", user.auth()), 403, "FORBIDDEN");
}

TEST_P(SessionFlow, APasswordChangeNeedsTheCurrentPasswordAndEndsTheOtherSessions) {
  auto user = client().newUser("pwchange");
  auto other = client().loginOk(user.email, user.password); // a second device
  const std::string newPassword = "Fresh-Orchard-Window-83";

  auto wrongCurrent = client().put("/api/v1/users/me", {{"current_password", "Not-My-Password-1"}, {"new_password", newPassword}},
                                   user.auth());
  int wrongStatus = expectClientError(wrongCurrent);
  RecordProperty("wrong_current_password_status", wrongStatus);
  auto noCurrent = client().put("/api/v1/users/me", {{"new_password", newPassword}}, user.auth());
  expectClientError(noCurrent);
  auto weak = client().put("/api/v1/users/me", {{"current_password", user.password}, {"new_password", "password123"}},
                           user.auth());
  expectError(weak, 422, "VALIDATION_ERROR");
  EXPECT_EQ(client().me(other.auth()).status, 200) << "refused changes end no session";

  // The refused attempts changed nothing: the current password is still the old one here.
  auto changed = client().put("/api/v1/users/me", {{"current_password", user.password}, {"new_password", newPassword}},
                              user.auth());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.body.find(newPassword), std::string::npos);

  expectUnauthorized(client().me(other.auth()));
  expectUnauthorized(client().refresh(other.refresh));
  EXPECT_EQ(client().me(user.auth()).status, 200) << "the session that changed it stays";
  EXPECT_EQ(client().refresh(user.tokens.refresh).status, 200) << "and keeps refreshing";
  expectUnauthorized(client().login(user.email, user.password));
  EXPECT_EQ(client().login(user.email, newPassword).status, 200);
}

TEST_P(SessionFlow, ARefreshTokenSentAsTheBearerTokenWithNoBodyRefreshesToo) {
  auto user = client().newUser("bearer-refresh");
  // As one client sends it: the refresh token as its bearer token, no body.
  auto refreshed = client().request("POST", "/api/v1/auth/refresh", "", bearer(user.tokens.refresh), "");
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_NE(refreshOf(refreshed), user.tokens.refresh);
  EXPECT_EQ(client().me(bearer(accessOf(refreshed))).status, 200);
  // The rotated one is spent, however it is sent; an access token is no refresh token.
  expectUnauthorized(client().request("POST", "/api/v1/auth/refresh", "", bearer(user.tokens.refresh), ""));
  auto fresh = client().loginOk(user.email, user.password);
  expectUnauthorized(client().request("POST", "/api/v1/auth/refresh", "", bearer(fresh.access), ""));
  // Without either, the field is named.
  auto missing = client().request("POST", "/api/v1/auth/refresh", "", {}, "");
  EXPECT_EQ(missing.status, 422) << missing.body;
  EXPECT_EQ(missing.json()["error"]["details"]["field"], "refresh_token");
}

TEST_P(SessionFlow, RefreshRotatesBothTokensWithinTheSession) {
  auto user = client().newUser("refresh");
  auto first = client().refresh(user.tokens.refresh);
  ASSERT_EQ(first.status, 200) << first.body;
  auto access1 = accessOf(first), refresh1 = refreshOf(first);
  ASSERT_FALSE(access1.empty());
  ASSERT_FALSE(refresh1.empty());
  EXPECT_NE(refresh1, user.tokens.refresh);
  EXPECT_NE(access1, user.tokens.access);
  EXPECT_EQ(first.json()["token_type"], "bearer");
  EXPECT_EQ(jwt::payload(access1)["sid"], jwt::payload(user.tokens.access)["sid"]);
  EXPECT_EQ(jwt::payload(access1)["typ"], "access");
  EXPECT_EQ(jwt::payload(refresh1)["typ"], "refresh");
  auto me = client().me(bearer(access1));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["id"], user.id);

  // The new refresh token is itself good for one more rotation.
  auto second = client().refresh(refresh1);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_NE(refreshOf(second), refresh1);
  // The refresh route also answers under the other prefixes.
  EXPECT_EQ(client().post("/api/auth/refresh", {{"refresh_token", refreshOf(second)}}).status, 200);
}

TEST_P(SessionFlow, ARefreshTokenUsedTwiceRevokesTheWholeSession) {
  auto user = client().newUser("reuse");
  auto bystander = client().loginOk(user.email, user.password); // another session of the same user
  auto rotated = client().refresh(user.tokens.refresh);
  ASSERT_EQ(rotated.status, 200) << rotated.body;

  auto replay = client().refresh(user.tokens.refresh);
  expectUnauthorized(replay);
  expectUnauthorized(client().refresh(refreshOf(rotated)));
  expectUnauthorized(client().me(bearer(accessOf(rotated))));
  expectUnauthorized(client().me(user.auth()));
  EXPECT_EQ(client().me(bystander.auth()).status, 200) << "only the replayed session ends";
  EXPECT_EQ(client().refresh(bystander.refresh).status, 200);
}

TEST_P(SessionFlow, LogoutEndsTheCallersSessionOnly) {
  auto user = client().newUser("logout");
  auto bystander = client().loginOk(user.email, user.password);
  auto response = client().post("/api/v1/auth/logout", json::object(), user.auth());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.json()["message"], "Successfully logged out");

  expectUnauthorized(client().me(user.auth()));
  expectUnauthorized(client().get("/api/v1/users/me", user.auth()));
  expectUnauthorized(client().refresh(user.tokens.refresh));
  expectUnauthorized(client().post("/api/v1/auth/logout", json::object(), user.auth()));
  EXPECT_EQ(client().me(bystander.auth()).status, 200);
  expectUnauthorized(client().post("/api/v1/auth/logout", json::object()));
}

TEST_P(SessionFlow, RefreshTokensHaveAnAbsoluteLifetime) {
  AuthHost shortLived(GetParam(), {.config = "auth.refresh_token_ttl = 2\n"});
  AuthClient client(shortLived.port());
  auto user = client.newUser("lifetime");
  auto claims = jwt::payload(user.tokens.refresh);
  EXPECT_LE(claims["exp"].get<std::int64_t>() - claims["iat"].get<std::int64_t>(), 2) << claims.dump();

  auto rotated = client.refresh(user.tokens.refresh);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  // Rotation does not extend the session: the new token ends when the first did.
  EXPECT_LE(jwt::payload(refreshOf(rotated))["exp"].get<std::int64_t>(), claims["exp"].get<std::int64_t>());

  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  expectUnauthorized(client.refresh(refreshOf(rotated)));
}

TEST_P(SessionFlow, AnAccessTokenExpiresAtItsTtl) {
  AuthHost shortLived(GetParam(), {.config = "auth.access_token_ttl = 1\n"});
  AuthClient client(shortLived.port());
  auto user = client.newUser("expiring");
  EXPECT_EQ(user.tokens.body["expires_in"], 1);
  ASSERT_EQ(client.me(user.auth()).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  expectUnauthorized(client.me(user.auth()));
  // The session itself lives on: a refresh gives a working access token again.
  auto refreshed = client.refresh(user.tokens.refresh);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(client.me(bearer(accessOf(refreshed))).status, 200);
}

TEST_P(SessionFlow, PasswordsNeverReachTheLog) {
  auto user = client().newUser("logged");
  client().login(user.email, "Typo-Password-77");
  client().put("/api/v1/users/me", {{"current_password", user.password}, {"new_password", "Another-Secret-Pass-55"}},
               user.auth());
  host().process().waitForLogToCatchUp();
  auto logs = host().logs();
  for (const std::string& secret : {std::string(kPassword), std::string("Typo-Password-77"),
                                   std::string("Another-Secret-Pass-55"), std::string(kAdminPassword)})
    EXPECT_EQ(logs.find(secret), std::string::npos) << secret << " in the log:\n" << logs;
  EXPECT_EQ(logs.find(kJwtSecret), std::string::npos) << "the signing key in the log";

  // Nor do tokens, even one sent in the query string (the access log is flushed every 100 ms).
  auto fresh = client().loginOk(user.email, "Another-Secret-Pass-55");
  client().get("/api/v1/auth/me?token=" + fresh.access);
  client().refresh(fresh.refresh);
  host().process().waitForLogToCatchUp();
  logs = host().logs();
  EXPECT_EQ(logs.find(fresh.access), std::string::npos) << "an access token in the log";
  EXPECT_EQ(logs.find(fresh.refresh), std::string::npos) << "a refresh token in the log";
}

AUTH_INSTANTIATE_BACKENDS(SessionFlow);
