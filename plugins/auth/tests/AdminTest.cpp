// Administration: the user list, role changes, deactivation, and the first
// admin (from the environment, or generated with a one-time password).
#include "AuthTestSupport.h"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

using namespace auth_test;

namespace {

class Admin : public SharedHostTest {};

} // namespace

TEST_P(Admin, TheUserListUsesTheListEnvelopeAndPages) {
  for (int i = 0; i < 3; ++i) client().registerOk({{"email", uniqueEmail("listed")}, {"password", kPassword}, {"full_name", "Listed"}});
  auto response = client().get("/api/v1/users?page=1&limit=2", admin().auth());
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  ASSERT_TRUE(body["users"].is_array()) << response.body;
  EXPECT_EQ(body["users"].size(), 2u);
  ASSERT_TRUE(body["total"].is_number_integer()) << response.body;
  auto total = body["total"].get<int>();
  EXPECT_GE(total, 4) << "the admin and three users";
  EXPECT_EQ(body["page"], 1);
  EXPECT_EQ(body["limit"], 2);
  EXPECT_EQ(body["page_size"], 2);
  EXPECT_EQ(body["total_pages"], (total + 1) / 2);
  EXPECT_EQ(body["has_next"], true);
  EXPECT_EQ(body["pagination"], json({{"page", 1}, {"limit", 2}, {"total", total}, {"pages", (total + 1) / 2}}));
  for (const auto& user : body["users"]) {
    EXPECT_TRUE(user["id"].is_string() && user["email"].is_string()) << user.dump();
    EXPECT_TRUE(user.contains("is_active") && user.contains("roles")) << user.dump();
    EXPECT_EQ(user.dump().find("argon2"), std::string::npos) << "no password hash in the list";
  }

  // The second page holds other users; the last page says there is no next.
  auto second = client().get("/api/v1/users?page=2&page_size=2", admin().auth()).json();
  ASSERT_TRUE(second["users"].is_array());
  EXPECT_EQ(second["page"], 2);
  for (const auto& user : second["users"])
    for (const auto& first : body["users"]) EXPECT_NE(user["id"], first["id"]);
  auto last = client().get("/api/v1/users?page=" + std::to_string((total + 1) / 2) + "&limit=2", admin().auth()).json();
  EXPECT_EQ(last["has_next"], false);
  EXPECT_EQ(last["users"].size(), static_cast<std::size_t>(total % 2 == 0 ? 2 : 1));
  // skip + limit is the same page as page 2.
  auto skipped = client().get("/api/v1/users?skip=2&limit=2", admin().auth()).json();
  EXPECT_EQ(skipped["page"], 2);
  EXPECT_EQ(skipped["users"], second["users"]);
  // The page size is at most 100: larger is either capped or refused naming the field.
  auto capped = client().get("/api/v1/users?limit=1000", admin().auth());
  if (capped.status == 200) {
    EXPECT_EQ(capped.json()["limit"], 100);
    EXPECT_LE(capped.json()["users"].size(), 100u);
  } else {
    expectError(capped, 422, "VALIDATION_ERROR");
    EXPECT_EQ(capped.json()["error"]["details"]["field"], "limit");
  }
  auto everyone = client().get("/api/v1/users?limit=100", admin().auth()).json();
  EXPECT_EQ(everyone["users"].size(), static_cast<std::size_t>(std::min(total, 100)));
}

TEST_P(Admin, PlainUsersCannotAdminister) {
  auto user = client().newUser("plain");
  auto other = client().newUser("plain-other");
  expectError(client().get("/api/v1/users", user.auth()), 403, "FORBIDDEN");
  expectError(client().put("/api/v1/users/" + user.id, {{"role", "admin"}}, user.auth()), 403, "FORBIDDEN");
  expectError(client().put("/api/v1/users/" + other.id, {{"is_active", false}}, user.auth()), 403, "FORBIDDEN");
  EXPECT_EQ(client().me(other.auth()).status, 200) << "the refused deactivation did nothing";
  expectUnauthorized(client().get("/api/v1/users"));
}

TEST_P(Admin, PromotingAUserToAdminGrantsAdminPermissions) {
  auto user = client().newUser("promoted");
  auto promoted = client().put("/api/v1/users/" + user.id, {{"role", "admin"}}, admin().auth());
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_TRUE(contains(promoted.json()["roles"], "admin")) << promoted.body;
  auto tokens = client().loginOk(user.email, user.password);
  EXPECT_EQ(client().get("/api/v1/users", tokens.auth()).status, 200);
  EXPECT_TRUE(contains(client().me(tokens.auth()).json()["permissions"], "admin:*"));

  auto invalid = client().put("/api/v1/users/" + user.id, {{"role", "superuser"}}, admin().auth());
  expectError(invalid, 422, "VALIDATION_ERROR");
  expectError(client().put("/api/v1/users/00000000-0000-4000-8000-000000000000", {{"role", "admin"}}, admin().auth()), 404,
              "NOT_FOUND");
}

TEST_P(Admin, DeactivationEndsSessionsAndApiKeys) {
  auto user = client().newUser("deactivated");
  auto key = client().post("/api/v1/auth/api-keys", {{"name", "doomed"}, {"scopes", {"workflow:read"}}}, user.auth());
  ASSERT_EQ(key.status, 201) << key.body;
  auto keyValue = key.json()["key"].get<std::string>();
  ASSERT_EQ(client().me(apiKey(keyValue)).status, 200);

  auto response = client().put("/api/v1/users/" + user.id, {{"is_active", false}}, admin().auth());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.json()["is_active"], false);

  expectUnauthorized(client().me(user.auth()));
  expectUnauthorized(client().refresh(user.tokens.refresh));
  expectUnauthorized(client().me(apiKey(keyValue)));
  auto login = client().login(user.email, user.password);
  expectUnauthorized(login);

  // Reactivated, the account logs in again (the old session stays ended).
  ASSERT_EQ(client().put("/api/v1/users/" + user.id, {{"is_active", true}}, admin().auth()).status, 200);
  EXPECT_EQ(client().login(user.email, user.password).status, 200);
  expectUnauthorized(client().me(user.auth()));
}

TEST_P(Admin, TheAdminFromTheEnvironmentIsCreatedAndUpdatedAtStartUp) {
  AuthHost host(GetParam());
  AuthClient client(host.port());
  auto admin = client.admin();
  EXPECT_EQ(client.get("/api/v1/users", admin.auth()).status, 200);
  auto me = client.me(admin.auth()).json();
  EXPECT_TRUE(contains(me["roles"], "admin")) << me.dump();
  EXPECT_TRUE(contains(me["permissions"], "admin:*")) << me.dump();

  const std::string rotated = "R0tated-Admin-Passw0rd";
  host.restart({{"ORCH_ADMIN_PASSWORD", rotated}});
  AuthClient after(host.port());
  expectUnauthorized(after.login(kAdminEmail, kAdminPassword));
  auto tokens = after.loginOk(kAdminEmail, rotated);
  EXPECT_EQ(after.get("/api/v1/users", tokens.auth()).status, 200);
  auto list = after.get("/api/v1/users?limit=100", tokens.auth()).json();
  int admins = 0;
  for (const auto& user : list["users"]) admins += user["email"] == kAdminEmail;
  EXPECT_EQ(admins, 1) << "updated, not created twice: " << list.dump();
}

namespace {

/// The e-mail and password candidates from the log line announcing the
/// generated admin's one-time password.
struct OneTimeAdmin {
  std::string line, email;
  std::vector<std::string> candidates;
};

OneTimeAdmin findOneTimePassword(const std::string& logs) {
  OneTimeAdmin found;
  std::istringstream lines(logs);
  std::string line;
  static const std::regex email(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+)");
  while (std::getline(lines, line)) {
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto at = lower.find("password");
    if (at == std::string::npos) continue;
    found.line = line;
    std::smatch match;
    if (std::regex_search(line, match, email)) found.email = match[0];
    // Every word after "password" is a candidate, quotes and separators stripped.
    std::istringstream words(line.substr(at + 8));
    std::string word;
    while (words >> word) {
      auto first = word.find_first_not_of("\"':=,;()[]<>");
      auto last = word.find_last_not_of("\"':=,;()[]<>.");
      if (first == std::string::npos || last < first) continue;
      word = word.substr(first, last - first + 1);
      if (word.size() >= 8 && word != found.email) found.candidates.push_back(word);
    }
    if (!found.email.empty() && !found.candidates.empty()) return found;
  }
  return found;
}

} // namespace

TEST_P(Admin, WithoutAnyAdminAOneTimePasswordIsPrintedOnce) {
  AuthHost host(GetParam(), {.adminFromEnv = false});
  ASSERT_TRUE(host.process().waitForLog("with the one-time password")) << host.logs();
  auto logs = host.logs();
  auto admin = findOneTimePassword(logs);
  ASSERT_FALSE(admin.email.empty()) << "no line with the admin's e-mail and one-time password:\n" << logs;
  ASSERT_FALSE(admin.candidates.empty()) << admin.line;

  AuthClient client(host.port());
  std::string password;
  for (const auto& candidate : admin.candidates) {
    if (client.login(admin.email, candidate).status == 200) {
      password = candidate;
      break;
    }
    if (admin.candidates.size() > 4) break; // each try costs an argon2id verification
  }
  ASSERT_FALSE(password.empty()) << "the printed password does not log in as " << admin.email << ": " << admin.line;
  auto tokens = client.loginOk(admin.email, password);
  EXPECT_EQ(client.get("/api/v1/users", tokens.auth()).status, 200);

  host.restart();
  host.process().waitForLogToCatchUp();
  auto again = host.logs();
  EXPECT_EQ(again.find(password), std::string::npos) << "printed once only:\n" << again;
  AuthClient after(host.port());
  EXPECT_EQ(after.login(admin.email, password).status, 200) << "the generated admin is kept";
}

AUTH_INSTANTIATE_BACKENDS(Admin);
