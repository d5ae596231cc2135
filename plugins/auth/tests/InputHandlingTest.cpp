// Hostile input: SQL metacharacters in every text field (stored and read back
// literally), oversized, malformed and mistyped bodies.
#include "AuthTestSupport.h"

using namespace auth_test;

namespace {

class InputHandling : public SharedHostTest {};

const std::string kQuoted = "Robert'); DROP TABLE users;--";
const std::string kOrTrue = "x' OR '1'='1";
const std::string kMixed = "a\"b`c\\d%e_f;g--h/*i*/ $1 ?";

} // namespace

TEST_P(InputHandling, SqlMetacharactersInUserFieldsAreStoredLiterally) {
  auto email = "o'brien+" + uniqueSuffix() + "@example.com";
  auto username = "o'neil_--%" + uniqueSuffix();
  auto response = client().registerUser({{"email", email},
                                         {"password", kPassword},
                                         {"username", username},
                                         {"full_name", kQuoted},
                                         {"first_name", kOrTrue},
                                         {"last_name", kMixed},
                                         {"company", "Acme'; DELETE FROM users WHERE ''='"}});
  if (response.status == 422 && response.json()["error"]["details"]["field"] == "username") {
    // A username policy may refuse quotes; then the rest must still work without it.
    RecordProperty("username_with_quote", "refused with 422");
    username.clear();
    response = client().registerUser({{"email", email},
                                      {"password", kPassword},
                                      {"full_name", kQuoted},
                                      {"first_name", kOrTrue},
                                      {"last_name", kMixed},
                                      {"company", "Acme'; DELETE FROM users WHERE ''='"}});
  }
  ASSERT_EQ(response.status, 201) << response.body;
  auto created = response.json();
  EXPECT_EQ(created["email"], email);
  EXPECT_EQ(created["first_name"], kOrTrue);
  EXPECT_EQ(created["last_name"], kMixed);

  auto tokens = client().loginOk(email, kPassword);
  for (const char* path : {"/api/v1/auth/me", "/api/v1/users/me"}) {
    SCOPED_TRACE(path);
    auto me = client().get(path, tokens.auth());
    ASSERT_EQ(me.status, 200) << me.body;
    auto body = me.json();
    EXPECT_EQ(body["email"], email);
    EXPECT_EQ(body["full_name"], kQuoted);
    EXPECT_EQ(body["first_name"], kOrTrue);
    EXPECT_EQ(body["last_name"], kMixed);
    EXPECT_EQ(body["company"], "Acme'; DELETE FROM users WHERE ''='");
    if (!username.empty()) {
      EXPECT_EQ(body["username"], username);
    }
  }
  if (!username.empty()) {
    EXPECT_EQ(client().loginForm(username, kPassword).status, 200);
  }

  // Updated with more of the same.
  auto updated = client().put("/api/v1/users/me", {{"first_name", kMixed}, {"last_name", kQuoted}}, tokens.auth());
  ASSERT_EQ(updated.status, 200) << updated.body;
  auto profile = client().get("/api/v1/users/me", tokens.auth()).json();
  EXPECT_EQ(profile["first_name"], kMixed);
  EXPECT_EQ(profile["last_name"], kQuoted);

  // Nothing was dropped or rewritten: the admin still logs in and sees the user.
  auto list = client().get("/api/v1/users?limit=100", admin().auth());
  ASSERT_EQ(list.status, 200) << list.body;
  bool found = false;
  auto users = list.json()["users"];
  for (const auto& user : users) found = found || user["email"] == email;
  EXPECT_TRUE(found || list.json()["total"].get<int>() > 100) << email << " not in " << list.body;
}

TEST_P(InputHandling, InjectionInLoginFindsNobody) {
  for (const std::string& email : {kOrTrue + "@example.com", std::string("' OR 1=1 --"), std::string("admin'--")}) {
    SCOPED_TRACE(email);
    auto response = client().login(email, kOrTrue);
    expectUnauthorized(response);
    EXPECT_EQ(response.json()["error"]["message"], "Invalid email or password");
  }
  expectUnauthorized(client().login(kAdminEmail, "' OR '1'='1"));
  expectUnauthorized(client().loginForm("' OR ''='", "' OR ''='"));
}

TEST_P(InputHandling, SqlMetacharactersInOrganizationsAndApiKeysAreStoredLiterally) {
  auto user = client().newUser("meta-org");
  auto orgName = "Acme'; DROP TABLE organizations;-- " + kMixed;
  auto slug = "meta-" + uniqueSuffix();
  auto org = client().post("/api/v1/organizations", {{"name", orgName}, {"slug", slug}}, user.auth());
  ASSERT_EQ(org.status, 201) << org.body;
  EXPECT_EQ(org.json()["name"], orgName);
  auto detail = client().get("/api/v1/organizations/" + org.json()["id"].get<std::string>(), user.auth());
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(detail.json()["name"], orgName);
  // A slug full of metacharacters is either refused as a slug or kept as sent.
  auto hostileSlug = client().post("/api/v1/organizations", {{"name", "Slug"}, {"slug", "x'--" + uniqueSuffix()}}, user.auth());
  EXPECT_TRUE(hostileSlug.status == 201 || hostileSlug.status == 422) << hostileSlug.body;
  if (hostileSlug.status == 201) {
    EXPECT_EQ(hostileSlug.json()["slug"].get<std::string>().substr(0, 4), "x'--");
  }

  auto keyName = "key' OR 1=1-- " + kMixed;
  auto key = client().post("/api/v1/auth/api-keys", {{"name", keyName}, {"scopes", {"workflow:read"}}}, user.auth());
  ASSERT_EQ(key.status, 201) << key.body;
  EXPECT_EQ(key.json()["name"], keyName);
  auto keys = client().get("/api/v1/auth/api-keys", user.auth());
  ASSERT_EQ(keys.status, 200) << keys.body;
  ASSERT_TRUE(keys.json()["api_keys"].is_array()) << keys.body;
  ASSERT_EQ(keys.json()["api_keys"].size(), 1u) << keys.body;
  EXPECT_EQ(keys.json()["api_keys"][0]["name"], keyName);
  // An API key header full of SQL is just a wrong key.
  expectUnauthorized(client().me(apiKey("' OR '1'='1")));
  expectUnauthorized(client().me(apiKey(key.json()["prefix"].get<std::string>() + "' OR '1'='1")));
}

TEST_P(InputHandling, OversizedMalformedAndMistypedBodies) {
  // Over server.body_limit (1 MiB).
  HttpClient large(host().port());
  auto oversized = large.post("/api/v1/auth/register",
                              {{"email", uniqueEmail("big")}, {"password", kPassword}, {"full_name", std::string(1 << 20, 'x')}});
  expectError(oversized, 413, "PAYLOAD_TOO_LARGE");

  expectError(client().request("POST", "/api/v1/auth/register", "{\"email\": ", {}), 400, "BAD_REQUEST");
  expectError(client().request("POST", "/api/v1/auth/login", "{\"email\": \"a@b.c\",}", {}), 400, "BAD_REQUEST");

  auto form = client().request("POST", "/api/v1/auth/register", "email=a%40example.com&password=x", {},
                                      "application/x-www-form-urlencoded");
  EXPECT_EQ(form.status, 415) << "register takes JSON only: " << form.body;
  auto text = client().request("POST", "/api/v1/auth/register", "{}", {}, "text/plain");
  EXPECT_EQ(text.status, 415) << text.body;

  // Valid JSON of the wrong shape: a client error in the envelope, never a 5xx or a 2xx.
  std::map<std::string, int> statuses;
  auto shape = [&](const std::string& label, const std::string& path, const std::string& body, const Headers& headers = {}) {
    SCOPED_TRACE(label);
    auto response = client().request("POST", path, body, headers);
    statuses[label] = expectClientError(response);
    EXPECT_TRUE(response.status == 400 || response.status == 422 || response.status == 401) << response.body;
  };
  shape("register array", "/api/v1/auth/register", "[]");
  shape("register string", "/api/v1/auth/register", "\"hello\"");
  shape("register number", "/api/v1/auth/register", "42");
  shape("register null", "/api/v1/auth/register", "null");
  shape("register email number", "/api/v1/auth/register", R"({"email": 42, "password": "Blue-Harbor-Lantern-47"})");
  shape("register password object", "/api/v1/auth/register",
        R"({"email": "typed@example.com", "password": {"$ne": ""}})");
  shape("register name array", "/api/v1/auth/register",
        R"({"email": "typed2@example.com", "password": "Blue-Harbor-Lantern-47", "full_name": ["a"]})");
  shape("login array", "/api/v1/auth/login", "[]");
  shape("login password true", "/api/v1/auth/login", R"({"email": "root-admin@example.com", "password": true})");
  shape("login password object", "/api/v1/auth/login", R"({"email": "root-admin@example.com", "password": {"$gt": ""}})");
  shape("refresh number", "/api/v1/auth/refresh", R"({"refresh_token": 5})");
  shape("refresh missing", "/api/v1/auth/refresh", "{}");
  auto user = client().newUser("typed");
  shape("api key scopes string", "/api/v1/auth/api-keys", R"({"name": "k", "scopes": "workflow:read"})", user.auth());
  shape("api key name number", "/api/v1/auth/api-keys", R"({"name": 7, "scopes": []})", user.auth());
  shape("api key expires garbage", "/api/v1/auth/api-keys", R"({"name": "k", "scopes": [], "expires_at": "tomorrow"})",
        user.auth());
  shape("org name object", "/api/v1/organizations", R"({"name": {}, "slug": "typed-org"})", user.auth());
  shape("cross-system permissions string", "/api/v1/auth/cross-system-token",
        R"({"target_system": "relaycore", "permissions": "ai:route"})", user.auth());
  shape("cross-system expires_in string", "/api/v1/auth/cross-system-token",
        R"({"target_system": "relaycore", "permissions": ["ai:route"], "expires_in": "600"})", user.auth());
  auto profile = client().put("/api/v1/users/me", {{"first_name", 12}}, user.auth());
  statuses["users/me first_name number"] = expectClientError(profile);

  std::string summary;
  for (const auto& [label, status] : statuses) summary += label + "=" + std::to_string(status) + "; ";
  RecordProperty("wrong_shape_statuses", summary);
  EXPECT_EQ(client().me(user.auth()).status, 200) << "the host is still fine";
  EXPECT_EQ(client().get("/api/v1/users/me", user.auth()).json()["first_name"], "typed") << "nothing was changed";
}

TEST_P(InputHandling, ARefusedBodyDoesNotBecomeTheNextRequest) {
  // One keep-alive connection: a POST the front door refuses (401) before its body is read, then a
  // normal request. The refused body must not be parsed as a request of its own (request smuggling).
  auto user = client().newUser("keepalive");
  HttpClient connection(host().port());
  auto refused = connection.post("/api/v1/auth/logout", {{"note", "refused before the body is read"}}, bearer("garbage"));
  expectUnauthorized(refused);
  auto next = connection.get("/api/v1/auth/me", user.auth());
  EXPECT_EQ(next.status, 200) << "the refused request's body was read as the next request: " << next.body;
}

AUTH_INSTANTIATE_BACKENDS(InputHandling);
