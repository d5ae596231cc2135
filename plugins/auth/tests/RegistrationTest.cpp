// Registration: the bodies of seeds 000, 001 and 003, uniqueness, the
// password and e-mail checks, and role escalation through register.
#include "AuthTestSupport.h"

#include <algorithm>

using namespace auth_test;

namespace {

class Registration : public SharedHostTest {};

/// A registered user's body never carries the password or its hash.
void expectNoSecrets(const HttpResult& response, const std::string& password) {
  EXPECT_EQ(response.body.find(password), std::string::npos) << response.body;
  EXPECT_EQ(response.body.find("argon2"), std::string::npos) << "a hash leaked: " << response.body;
  EXPECT_EQ(response.body.find("password"), std::string::npos) << response.body;
}

} // namespace

TEST_P(Registration, Seed000BodyWithFullNameAndRole) {
  auto email = uniqueEmail("seed000");
  auto response = client().registerUser(
      {{"email", email}, {"password", kPassword}, {"full_name", "John Doe"}, {"role", "user"}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto user = response.json();
  EXPECT_TRUE(user["id"].is_string() && !user["id"].get<std::string>().empty()) << response.body;
  EXPECT_EQ(user["email"], email);
  EXPECT_EQ(user["full_name"], "John Doe");
  expectNoSecrets(response, kPassword);

  // The account is usable and is a plain user.
  auto tokens = client().loginOk(email, kPassword);
  auto me = client().me(tokens.auth());
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["id"], user["id"]);
  EXPECT_EQ(me.json()["full_name"], "John Doe");
  EXPECT_EQ(me.json()["roles"], json::array({"user"}));
}

TEST_P(Registration, Seed001BodyAnswersEveryFieldTheSeedShows) {
  auto email = uniqueEmail("seed001");
  auto response = client().registerUser({{"email", email},
                                         {"password", kPassword},
                                         {"first_name", "John"},
                                         {"last_name", "Doe"},
                                         {"company", "AutoDealer Inc."}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto user = response.json();
  EXPECT_TRUE(user["id"].is_string()) << response.body;
  EXPECT_EQ(user["email"], email);
  EXPECT_EQ(user["first_name"], "John");
  EXPECT_EQ(user["last_name"], "Doe");
  EXPECT_EQ(user["company"], "AutoDealer Inc.");
  EXPECT_EQ(user["is_active"], true);
  EXPECT_TRUE(isUtcTimestamp(user["created_at"])) << response.body;
  EXPECT_EQ(user["roles"], json::array({"user"}));
  expectNoSecrets(response, kPassword);
}

TEST_P(Registration, Seed003BodyWithUsername) {
  auto username = "john_doe_" + uniqueSuffix();
  std::replace(username.begin(), username.end(), '-', '_');
  auto email = uniqueEmail("seed003");
  auto response = client().registerUser({{"username", username}, {"email", email}, {"password", "secure_password123"}});
  ASSERT_EQ(response.status, 201) << response.body;
  auto user = response.json();
  EXPECT_TRUE(user["id"].is_string()) << response.body;
  EXPECT_EQ(user["username"], username);
  EXPECT_EQ(user["email"], email);
  EXPECT_EQ(user["is_active"], true);
  EXPECT_EQ(user["is_admin"], false);
  EXPECT_TRUE(isUtcTimestamp(user["created_at"])) << response.body;
  ASSERT_TRUE(user.contains("last_login")) << response.body;
  EXPECT_TRUE(user["last_login"].is_null()) << "never logged in yet: " << response.body;

  // Seed 003 logs in with a form post and its username; auth/me then shows the login time.
  auto login = client().loginForm(username, "secure_password123");
  ASSERT_EQ(login.status, 200) << login.body;
  auto me = client().me(bearer(login.json()["access_token"].get<std::string>()));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["username"], username);
  EXPECT_EQ(me.json()["is_admin"], false);
  EXPECT_TRUE(isUtcTimestamp(me.json()["last_login"])) << "seed 003's auth/me shows last_login: " << me.body;
}

TEST_P(Registration, ADuplicateEmailOrUsernameIsAConflict) {
  auto email = uniqueEmail("dup");
  auto username = "dup_" + uniqueSuffix();
  std::replace(username.begin(), username.end(), '-', '_');
  client().registerOk({{"email", email}, {"password", kPassword}, {"username", username}});

  auto sameEmail = client().registerUser({{"email", email}, {"password", kPassword}, {"full_name", "Other"}});
  expectError(sameEmail, 409, "CONFLICT");
  auto sameUsername = client().registerUser({{"email", uniqueEmail("dup2")}, {"password", kPassword}, {"username", username}});
  expectError(sameUsername, 409, "CONFLICT");
}

TEST_P(Registration, WeakPasswordsAreRefusedNamingTheField) {
  for (const std::string weak : {"Sh0rt!", "Abcde1!", "password123", "12345678"}) {
    SCOPED_TRACE(weak);
    auto response = client().registerUser({{"email", uniqueEmail("weak")}, {"password", weak}, {"full_name", "Weak"}});
    expectError(response, 422, "VALIDATION_ERROR");
    EXPECT_EQ(response.json()["error"]["details"]["field"], "password") << response.body;
  }
  // Exactly auth.password_min_length (8) characters, not a common one: accepted.
  auto boundary = client().registerUser({{"email", uniqueEmail("eight")}, {"password", "Qz7#kL9w"}, {"full_name", "Eight"}});
  EXPECT_EQ(boundary.status, 201) << boundary.body;
}

TEST_P(Registration, BadOrMissingFieldsAreRefusedNamingTheField) {
  for (const std::string bad : {"not-an-email", "a@", "@example.com", "two@@example.com", "spaces in@example.com"}) {
    SCOPED_TRACE(bad);
    auto response = client().registerUser({{"email", bad}, {"password", kPassword}, {"full_name", "Bad"}});
    expectError(response, 422, "VALIDATION_ERROR");
    EXPECT_EQ(response.json()["error"]["details"]["field"], "email") << response.body;
  }
  auto noPassword = client().registerUser({{"email", uniqueEmail("nopw")}, {"full_name", "No Password"}});
  expectError(noPassword, 422, "VALIDATION_ERROR");
  EXPECT_EQ(noPassword.json()["error"]["details"]["field"], "password") << noPassword.body;
  auto noEmail = client().registerUser({{"password", kPassword}, {"full_name", "No Email"}});
  expectError(noEmail, 422, "VALIDATION_ERROR");
  EXPECT_EQ(noEmail.json()["error"]["details"]["field"], "email") << noEmail.body;
  expectError(client().registerUser(json::object()), 422, "VALIDATION_ERROR");
}

TEST_P(Registration, AnAnonymousRoleAdminIsIgnored) {
  auto email = uniqueEmail("escalate");
  auto response = client().registerUser({{"email", email},
                                         {"password", kPassword},
                                         {"full_name", "Mallory"},
                                         {"role", "admin"},
                                         {"roles", {"admin"}},
                                         {"is_admin", true}});
  ASSERT_EQ(response.status, 201) << "a role in the body is ignored, not refused: " << response.body;
  auto user = response.json();
  EXPECT_EQ(user["roles"], json::array({"user"})) << response.body;
  if (user.contains("is_admin")) {
    EXPECT_EQ(user["is_admin"], false) << response.body;
  }

  auto tokens = client().loginOk(email, kPassword);
  auto me = client().me(tokens.auth()).json();
  EXPECT_EQ(me["roles"], json::array({"user"}));
  EXPECT_FALSE(contains(me["permissions"], "admin:*")) << me.dump();
  expectError(client().get("/api/v1/users", tokens.auth()), 403, "FORBIDDEN");
}

TEST_P(Registration, AnAdminMayRegisterAnAdmin) {
  auto email = uniqueEmail("made-admin");
  auto response = client().registerUser(
      {{"email", email}, {"password", kPassword}, {"full_name", "Second Admin"}, {"role", "admin"}}, admin().auth());
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_TRUE(contains(response.json()["roles"], "admin")) << response.body;

  auto tokens = client().loginOk(email, kPassword);
  EXPECT_EQ(client().get("/api/v1/users", tokens.auth()).status, 200);
}

TEST_P(Registration, ClosedRegistrationIsForAdminsOnly) {
  AuthHost closed(GetParam(), {.config = "auth.registration = closed\n"});
  AuthClient client(closed.port());
  auto anonymous = client.registerUser({{"email", uniqueEmail("closed")}, {"password", kPassword}, {"full_name", "Anon"}});
  expectError(anonymous, 403, "FORBIDDEN");

  auto admin = client.admin();
  auto email = uniqueEmail("invited");
  auto created = client.registerUser({{"email", email}, {"password", kPassword}, {"full_name", "Invited"}}, admin.auth());
  ASSERT_EQ(created.status, 201) << created.body;
  // A plain user cannot open the door either.
  auto user = client.loginOk(email, kPassword);
  auto byUser = client.registerUser({{"email", uniqueEmail("friend")}, {"password", kPassword}, {"full_name", "Friend"}},
                                    user.auth());
  expectError(byUser, 403, "FORBIDDEN");
}

AUTH_INSTANTIATE_BACKENDS(Registration);
