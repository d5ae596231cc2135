// API keys (shown once, hashed, scoped, expiring, last used) and
// cross-system tokens (a subset of the caller's permissions, short-lived).
#include "AuthTestSupport.h"

#include <thread>

using namespace auth_test;

namespace {

class ApiKeys : public SharedHostTest {
protected:
  /// Creates a key, requiring 201; returns the response body.
  json createKey(const User& owner, const json& body) {
    auto response = client().post("/api/v1/auth/api-keys", body, owner.auth());
    require(response.status == 201, "create API key " + body.dump() + " answered " + std::to_string(response.status) +
                                        ": " + response.body);
    return response.json();
  }
  /// The caller's keys from the list envelope.
  json listKeys(const User& owner) {
    auto response = client().get("/api/v1/auth/api-keys", owner.auth());
    require(response.status == 200, "list API keys answered " + std::to_string(response.status) + ": " + response.body);
    auto body = response.json();
    require(body.contains("api_keys") && body["api_keys"].is_array(),
            "the list envelope of API.md names its items api_keys: " + response.body);
    return body["api_keys"];
  }
  static json findById(const json& items, const json& id) {
    for (const auto& item : items)
      if (item.value("id", json()) == id) return item;
    return nullptr;
  }
};

} // namespace

TEST_P(ApiKeys, ACreatedKeyIsShownOnceAndAuthenticates) {
  auto owner = client().newUser("keyowner");
  auto created = createKey(owner, {{"name", "ci deploy"}, {"scopes", {"workflow:read", "workflow:execute"}}});
  ASSERT_TRUE(created["key"].is_string()) << created.dump();
  auto key = created["key"].get<std::string>();
  EXPECT_TRUE(created["id"].is_string());
  EXPECT_EQ(created["name"], "ci deploy");
  EXPECT_EQ(created["scopes"], json::array({"workflow:read", "workflow:execute"}));
  ASSERT_TRUE(created["prefix"].is_string() && !created["prefix"].get<std::string>().empty()) << created.dump();
  EXPECT_EQ(key.rfind(created["prefix"].get<std::string>(), 0), 0u) << "the key starts with its prefix";
  EXPECT_GE(key.size(), 32u) << "enough entropy";
  EXPECT_TRUE(created.contains("expires_at"));
  EXPECT_TRUE(isUtcTimestamp(created["created_at"])) << created.dump();

  auto me = client().me(apiKey(key));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["id"], owner.id);

  auto listed = client().get("/api/v1/auth/api-keys", owner.auth());
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.body.find(key), std::string::npos) << "the key is shown only at creation";
  auto item = findById(listKeys(owner), created["id"]);
  ASSERT_FALSE(item.is_null()) << listed.body;
  EXPECT_FALSE(item.contains("key")) << item.dump();
  EXPECT_EQ(item["name"], "ci deploy");
  EXPECT_EQ(item["prefix"], created["prefix"]);
  ASSERT_TRUE(item.contains("last_used_at")) << item.dump();
  // It was used above; the time may be recorded asynchronously.
  EXPECT_TRUE(eventually([&] { return isUtcTimestamp(findById(listKeys(owner), created["id"])["last_used_at"]); }))
      << listKeys(owner).dump();
}

TEST_P(ApiKeys, LastUsedAtStartsEmpty) {
  auto owner = client().newUser("fresh-key");
  auto created = createKey(owner, {{"name", "unused"}, {"scopes", {"workflow:read"}}});
  auto item = findById(listKeys(owner), created["id"]);
  ASSERT_FALSE(item.is_null());
  EXPECT_TRUE(item["last_used_at"].is_null()) << item.dump();
}

TEST_P(ApiKeys, AKeyIsLimitedToItsScopesEvenForAnAdmin) {
  auto narrow = createKey(admin(), {{"name", "read-only " + uniqueSuffix()}, {"scopes", {"workflow:read"}}});
  auto key = narrow["key"].get<std::string>();
  EXPECT_EQ(client().me(apiKey(key)).status, 200);
  expectError(client().get("/api/v1/users", apiKey(key)), 403, "FORBIDDEN");

  auto wide = createKey(admin(), {{"name", "admin " + uniqueSuffix()}, {"scopes", {"admin:*"}}});
  EXPECT_EQ(client().get("/api/v1/users", apiKey(wide["key"].get<std::string>())).status, 200)
      << "control: a key with the admin scope passes";
}

TEST_P(ApiKeys, AKeyNeverGrantsMoreThanItsOwnerHasNow) {
  auto email = uniqueEmail("demoted");
  auto created = client().registerOk({{"email", email}, {"password", kPassword}, {"full_name", "Soon Demoted"}, {"role", "admin"}},
                                     admin().auth());
  auto id = created["id"].get<std::string>();
  auto owner = client().loginOk(email, kPassword);
  auto key = client().post("/api/v1/auth/api-keys", {{"name", "admin key"}, {"scopes", {"admin:*"}}}, owner.auth());
  ASSERT_EQ(key.status, 201) << key.body;
  auto value = key.json()["key"].get<std::string>();
  ASSERT_EQ(client().get("/api/v1/users", apiKey(value)).status, 200);

  auto demoted = client().put("/api/v1/users/" + id, {{"role", "user"}}, admin().auth());
  ASSERT_EQ(demoted.status, 200) << demoted.body;
  expectError(client().get("/api/v1/users", apiKey(value)), 403, "FORBIDDEN");
}

TEST_P(ApiKeys, ScopesBeyondTheOwnersPermissionsAreRefused) {
  auto owner = client().newUser("greedy");
  for (const json& scopes : {json::array({"admin:*"}), json::array({"workflow:read", "system:read"}), json::array({"*"})}) {
    SCOPED_TRACE(scopes.dump());
    auto response = client().post("/api/v1/auth/api-keys", {{"name", "too much"}, {"scopes", scopes}}, owner.auth());
    expectError(response, 403, "FORBIDDEN");
  }
  // Within the role's wildcard: fine.
  createKey(owner, {{"name", "fits"}, {"scopes", {"workflow:read", "agent:deploy", "marketplace:publish"}}});
  EXPECT_EQ(listKeys(owner).size(), 1u) << "the refused ones were not stored";
}

TEST_P(ApiKeys, AnExpiredKeyNoLongerAuthenticates) {
  auto owner = client().newUser("expiry");
  auto past = client().post("/api/v1/auth/api-keys",
                            {{"name", "already old"}, {"scopes", {"workflow:read"}}, {"expires_at", formatUtc(std::time(nullptr) - 3600)}},
                            owner.auth());
  expectError(past, 422, "VALIDATION_ERROR");
  EXPECT_EQ(past.json()["error"]["details"]["field"], "expires_at") << past.body;

  auto expiresAt = std::time(nullptr) + 3;
  auto created = createKey(owner, {{"name", "short"}, {"scopes", {"workflow:read"}}, {"expires_at", formatUtc(expiresAt)}});
  EXPECT_EQ(parseUtc(created["expires_at"].get<std::string>()), expiresAt) << created.dump();
  auto key = created["key"].get<std::string>();
  EXPECT_EQ(client().me(apiKey(key)).status, 200) << "valid until " << formatUtc(expiresAt);
  while (std::time(nullptr) <= expiresAt + 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expectUnauthorized(client().me(apiKey(key)));
}

TEST_P(ApiKeys, DeletingOnlyOwnKeys) {
  auto owner = client().newUser("key-a");
  auto stranger = client().newUser("key-b");
  auto created = createKey(owner, {{"name", "mine"}, {"scopes", {"workflow:read"}}});
  auto key = created["key"].get<std::string>();
  auto path = "/api/v1/auth/api-keys/" + created["id"].get<std::string>();

  // Another user neither sees nor deletes it.
  EXPECT_TRUE(findById(listKeys(stranger), created["id"]).is_null());
  EXPECT_TRUE(listKeys(stranger).empty()) << listKeys(stranger).dump();
  expectError(client().del(path, stranger.auth()), 404, "NOT_FOUND");
  EXPECT_EQ(client().me(apiKey(key)).status, 200) << "still there";
  // An id that was never issued is unknown too.
  expectError(client().del("/api/v1/auth/api-keys/00000000-0000-4000-8000-000000000000", owner.auth()), 404, "NOT_FOUND");

  auto deleted = client().del(path, owner.auth());
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  expectUnauthorized(client().me(apiKey(key)));
  EXPECT_TRUE(findById(listKeys(owner), created["id"]).is_null());
  expectError(client().del(path, owner.auth()), 404, "NOT_FOUND");
}

// --------------------------------------------------------- cross-system

TEST_P(ApiKeys, ACrossSystemTokenCarriesASubsetOfTheCallersPermissions) {
  auto user = client().newUser("xsys");
  auto before = std::time(nullptr);
  auto response = client().post("/api/v1/auth/cross-system-token",
                                {{"target_system", "relaycore"}, {"permissions", {"ai:route", "workflow:read"}}}, user.auth());
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = response.json();
  ASSERT_TRUE(body["token"].is_string()) << response.body;
  EXPECT_EQ(body["permissions"], json::array({"ai:route", "workflow:read"}));
  EXPECT_EQ(body["target_system"], "relaycore");
  ASSERT_TRUE(isUtcTimestamp(body["expires_at"])) << response.body;
  auto expiresAt = parseUtc(body["expires_at"].get<std::string>());
  EXPECT_GT(expiresAt, before);
  EXPECT_LE(expiresAt, before + 3600 + 2) << "one hour at most";

  auto claims = jwt::payload(body["token"].get<std::string>());
  EXPECT_EQ(jwt::audience(claims), "relaycore");
  EXPECT_EQ(claims["typ"], "cross_system");
  EXPECT_EQ(claims["sub"], user.id);
  EXPECT_EQ(claims["iss"], "orchestrator");
  EXPECT_EQ(claims["permissions"], json::array({"ai:route", "workflow:read"}));
  EXPECT_LE(claims["exp"].get<std::int64_t>(), static_cast<std::int64_t>(before) + 3600 + 2);

  auto shorter = client().post("/api/v1/auth/cross-system-token",
                               {{"target_system", "relaycore"}, {"permissions", {"ai:route"}}, {"expires_in", 600}}, user.auth());
  ASSERT_EQ(shorter.status, 200) << shorter.body;
  auto shortClaims = jwt::payload(shorter.json()["token"].get<std::string>());
  EXPECT_NEAR(static_cast<double>(shortClaims["exp"].get<std::int64_t>() - jwt::now()), 600.0, 5.0);
}

TEST_P(ApiKeys, ACrossSystemTokenCannotWidenPermissionsOrLiveLong) {
  auto user = client().newUser("xsys-greedy");
  for (const json& permissions : {json::array({"admin:*"}), json::array({"ai:route", "system:read"}), json::array({"*"})}) {
    SCOPED_TRACE(permissions.dump());
    auto response = client().post("/api/v1/auth/cross-system-token",
                                  {{"target_system", "relaycore"}, {"permissions", permissions}}, user.auth());
    expectError(response, 403, "FORBIDDEN");
  }
  auto tooLong = client().post("/api/v1/auth/cross-system-token",
                               {{"target_system", "relaycore"}, {"permissions", {"ai:route"}}, {"expires_in", 7200}}, user.auth());
  expectError(tooLong, 422, "VALIDATION_ERROR");
  auto noTarget = client().post("/api/v1/auth/cross-system-token", {{"permissions", {"ai:route"}}}, user.auth());
  expectError(noTarget, 422, "VALIDATION_ERROR");
  expectUnauthorized(client().post("/api/v1/auth/cross-system-token",
                                   {{"target_system", "relaycore"}, {"permissions", {"ai:route"}}}));
}

TEST_P(ApiKeys, AnApiKeyCannotMintWiderCredentials) {
  auto owner = client().newUser("key-minter");
  auto narrow = createKey(owner, {{"name", "narrow"}, {"scopes", {"workflow:read"}}});
  auto key = narrow["key"].get<std::string>();
  auto widerKey = client().post("/api/v1/auth/api-keys", {{"name", "wider"}, {"scopes", {"workflow:*"}}}, apiKey(key));
  EXPECT_TRUE(widerKey.status == 403 || widerKey.status == 401) << widerKey.body;
  auto widerToken = client().post("/api/v1/auth/cross-system-token",
                                  {{"target_system", "relaycore"}, {"permissions", {"ai:route"}}}, apiKey(key));
  EXPECT_TRUE(widerToken.status == 403 || widerToken.status == 401) << widerToken.body;
}

AUTH_INSTANTIATE_BACKENDS(ApiKeys);
