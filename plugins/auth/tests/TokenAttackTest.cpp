// Attacks on bearer tokens: every one must answer 401 UNAUTHORIZED on
// GET auth/me. Forged tokens are built from a real token's claims and signed
// with the host's known secret, so each refusal is about the one thing changed
// (a control test checks that an unchanged re-signed token is accepted).
#include "AuthTestSupport.h"
#include "Files.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace auth_test;
using orch::test::readFile;

namespace {

class TokenAttack : public SharedHostTest {
protected:
  /// A fresh user's session, with its access token taken apart.
  struct Victim {
    User user;
    json header, claims;
  };
  Victim victim(const std::string& label = "victim") {
    Victim v;
    v.user = client().newUser(label);
    v.header = jwt::header(v.user.tokens.access);
    v.claims = jwt::payload(v.user.tokens.access);
    return v;
  }
  void expectRefused(const std::string& token, const std::string& what) {
    SCOPED_TRACE(what);
    auto response = client().me(bearer(token));
    expectUnauthorized(response);
    EXPECT_EQ(response.header("WWW-Authenticate"), "Bearer");
  }
};

} // namespace

TEST_P(TokenAttack, ControlARealTokenReSignedWithTheKnownSecretIsAccepted) {
  auto v = victim();
  auto resigned = jwt::signHs256(v.header, v.claims);
  auto response = client().me(bearer(resigned));
  ASSERT_EQ(response.status, 200) << "the forging helper or the configured secret is wrong: " << response.body;
  EXPECT_EQ(response.json()["id"], v.user.id);
}

TEST_P(TokenAttack, AlgNoneIsRefused) {
  auto v = victim();
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    auto header = v.header;
    header["alg"] = alg;
    expectRefused(jwt::unsignedToken(header, v.claims), std::string("alg ") + alg + ", empty signature");
    // The same with the original signature left in place.
    auto pieces = jwt::parts(v.user.tokens.access);
    expectRefused(jwt::base64url(header.dump()) + "." + pieces[1] + "." + pieces[2], std::string("alg ") + alg + ", old signature");
  }
  auto noAlg = v.header;
  noAlg.erase("alg");
  expectRefused(jwt::signHs256(noAlg, v.claims), "no alg at all");
}

TEST_P(TokenAttack, ATamperedPayloadWithTheOriginalSignatureIsRefused) {
  auto v = victim();
  auto claims = v.claims;
  claims["sub"] = admin().id; // become the admin
  expectRefused(jwt::withPayloadKeepingSignature(v.user.tokens.access, claims), "sub changed to the admin");
  claims = v.claims;
  claims["exp"] = claims["exp"].get<std::int64_t>() + 86400;
  expectRefused(jwt::withPayloadKeepingSignature(v.user.tokens.access, claims), "exp extended");
  // One flipped character in the signature.
  auto token = v.user.tokens.access;
  token[token.size() - 2] = token[token.size() - 2] == 'A' ? 'B' : 'A';
  expectRefused(token, "signature altered");
  expectRefused(v.user.tokens.access + "x", "signature lengthened");
  EXPECT_EQ(client().me(v.user.auth()).status, 200) << "the untouched token still works";
}

TEST_P(TokenAttack, OtherKeysAndAlgorithmsAreRefused) {
  auto v = victim();
  expectRefused(jwt::signHs256(v.header, v.claims, "a-different-secret-that-is-also-sixty-four-bytes-long-0123456789"),
                "HS256 with another key");
  expectRefused(jwt::signHs256(v.header, v.claims, ""), "HS256 with an empty key");
  auto hs512 = v.header;
  hs512["alg"] = "HS512";
  expectRefused(jwt::signHs512(hs512, v.claims), "HS512 with the right key: not the configured algorithm");
  auto rs256 = v.header;
  rs256["alg"] = "RS256";
  expectRefused(jwt::signHs256(rs256, v.claims), "header RS256, HMAC signature");
}

TEST_P(TokenAttack, ExpiredTokensAreRefused) {
  auto v = victim();
  auto claims = v.claims;
  claims["iat"] = jwt::now() - 3600;
  claims["exp"] = jwt::now() - 10;
  expectRefused(jwt::signHs256(v.header, claims), "exp 10 s ago");
  claims["exp"] = jwt::now() - 1800;
  expectRefused(jwt::signHs256(v.header, claims), "exp half an hour ago");
}

TEST_P(TokenAttack, AWrongAudienceIssuerOrTypeIsRefused) {
  auto v = victim();
  auto forged = [&](const std::string& claim, const json& value) {
    auto claims = v.claims;
    claims[claim] = value;
    return jwt::signHs256(v.header, claims);
  };
  expectRefused(forged("aud", "relaycore"), "aud relaycore");
  expectRefused(forged("aud", json::array({"relaycore"})), "aud [relaycore]");
  expectRefused(forged("iss", "evil-issuer"), "iss evil-issuer");
  expectRefused(forged("iss", "Orchestrator"), "iss with another case");
  expectRefused(forged("typ", "refresh"), "typ refresh");
  expectRefused(forged("typ", "cross_system"), "typ cross_system");
  expectRefused(forged("typ", "ACCESS"), "typ ACCESS");
  expectRefused(forged("exp", "9999999999"), "exp as a string");
}

TEST_P(TokenAttack, MissingClaimsAreRefused) {
  auto v = victim();
  for (const char* claim : {"exp", "sub", "sid", "iss", "aud", "typ"}) {
    auto claims = v.claims;
    claims.erase(claim);
    expectRefused(jwt::signHs256(v.header, claims), std::string("without ") + claim);
  }
}

TEST_P(TokenAttack, ASubjectOrSessionThatDoesNotExistIsRefused) {
  auto v = victim();
  const std::string ghost = "00000000-0000-4000-8000-00000000dead";
  auto claims = v.claims;
  claims["sub"] = ghost;
  expectRefused(jwt::signHs256(v.header, claims), "sub of no user, real session");
  claims = v.claims;
  claims["sid"] = ghost;
  expectRefused(jwt::signHs256(v.header, claims), "real user, sid of no session");
  claims["sub"] = ghost;
  expectRefused(jwt::signHs256(v.header, claims), "neither exists");
  // Another real user's id inside this user's session.
  auto other = client().newUser("other");
  claims = v.claims;
  claims["sub"] = other.id;
  auto response = client().me(bearer(jwt::signHs256(v.header, claims)));
  EXPECT_TRUE(response.status == 401 || (response.status == 200 && response.json()["id"] == v.user.id))
      << "a session answers for its own user only: " << response.body;
}

TEST_P(TokenAttack, ARefreshTokenIsNotAnAccessTokenAndViceVersa) {
  auto v = victim();
  expectRefused(v.user.tokens.refresh, "the refresh token as a bearer");
  expectUnauthorized(client().refresh(v.user.tokens.access));
  // The refused attempts did not burn the session: its refresh token still rotates once.
  EXPECT_EQ(client().refresh(v.user.tokens.refresh).status, 200);
}

TEST_P(TokenAttack, ACrossSystemTokenIsNotAnAccessToken) {
  auto v = victim();
  auto response = client().post("/api/v1/auth/cross-system-token",
                                {{"target_system", "orchestrator-api"}, {"permissions", {"workflow:*"}}}, v.user.auth());
  ASSERT_EQ(response.status, 200) << response.body;
  auto token = response.json()["token"].get<std::string>();
  EXPECT_EQ(jwt::payload(token)["typ"], "cross_system");
  EXPECT_EQ(jwt::audience(jwt::payload(token)), "orchestrator-api");
  expectRefused(token, "a cross-system token for this very audience");
  expectUnauthorized(client().refresh(token));
}

TEST_P(TokenAttack, GarbageCredentialsAreRefused) {
  auto v = victim();
  for (const std::string& value : std::vector<std::string>{"Bearer abc", "Bearer ", "Bearer a.b.c", "Bearer ...", "Bearer eyJ.eyJ.sig",
                                  "Basic dXNlcjpwYXNzd29yZA==", "Bearer " + v.user.tokens.access + ".extra",
                                  "Bearer " + std::string(4000, 'A')}) {
    SCOPED_TRACE(value.substr(0, 40));
    auto response = client().me({{"Authorization", value}});
    expectUnauthorized(response);
  }
  expectUnauthorized(client().me(apiKey("orch_not-a-real-key")));
  expectUnauthorized(client().me(apiKey("")));
  // A valid token next to a garbage API key: the garbage is not silently ignored in favour of it, or the
  // token wins; either way never a 5xx.
  auto both = client().me({{"Authorization", "Bearer " + v.user.tokens.access}, {"X-API-KEY", "garbage"}});
  EXPECT_TRUE(both.status == 200 || both.status == 401) << both.body;
}

// ------------------------------------------------------------------- RS256

namespace {

/// A temporary folder with an RSA key pair made by the openssl CLI.
struct RsaKeys {
  std::string dir, priv, pub;
  RsaKeys() {
    std::string pattern = (std::filesystem::temp_directory_path() / "orch-auth-rsa-XXXXXX").string();
    if (!mkdtemp(pattern.data())) fail("mkdtemp failed");
    dir = pattern;
    priv = dir + "/priv.pem";
    pub = dir + "/pub.pem";
    auto command = "openssl genrsa -out " + priv + " 2048 2>/dev/null && openssl rsa -in " + priv + " -pubout -out " +
                   pub + " 2>/dev/null";
    require(std::system(command.c_str()) == 0, "openssl could not make a key pair");
  }
  ~RsaKeys() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  /// Whether the public key verifies `token`'s RS256 signature (openssl dgst).
  bool verifies(const std::string& token) const {
    auto pieces = jwt::parts(token);
    std::ofstream(dir + "/data") << pieces[0] << "." << pieces[1];
    std::ofstream(dir + "/sig", std::ios::binary) << jwt::unbase64url(pieces[2]);
    auto command = "openssl dgst -sha256 -verify " + pub + " -signature " + dir + "/sig " + dir + "/data >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
  }
};

} // namespace

TEST_P(TokenAttack, Rs256SignsWithThePrivateKeyAndRefusesHs256WithThePublicOne) {
  RsaKeys keys;
  AuthHost rsa(GetParam(), {.config = "auth.jwt_algorithm = RS256\nauth.jwt_private_key_file = " + keys.priv +
                                      "\nauth.jwt_public_key_file = " + keys.pub + "\n",
                            .knownSecret = false});
  AuthClient client(rsa.port());
  auto user = client.newUser("rsa");
  auto header = jwt::header(user.tokens.access);
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_TRUE(keys.verifies(user.tokens.access)) << "the signature is RSA-SHA256 by the configured key";
  ASSERT_EQ(client.me(user.auth()).status, 200);

  auto claims = jwt::payload(user.tokens.access);
  auto hsHeader = header;
  hsHeader["alg"] = "HS256";
  auto pem = readFile(keys.pub);
  ASSERT_FALSE(pem.empty());
  for (const auto& secret : {pem, pem.substr(0, pem.find_last_not_of('\n') + 1)}) {
    auto response = client.me(bearer(jwt::signHs256(hsHeader, claims, secret)));
    expectUnauthorized(response);
  }
  auto noneHeader = header;
  noneHeader["alg"] = "none";
  expectUnauthorized(client.me(bearer(jwt::unsignedToken(noneHeader, claims))));
  // Claims tampered under the RSA signature.
  claims["sub"] = "00000000-0000-4000-8000-000000000001";
  expectUnauthorized(client.me(bearer(jwt::withPayloadKeepingSignature(user.tokens.access, claims))));
  // And refresh works with RS256 too.
  auto refreshed = client.refresh(user.tokens.refresh);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_TRUE(keys.verifies(refreshed.json()["access_token"].get<std::string>()));
}

// ---------------------------------------------------------- generated key

TEST_P(TokenAttack, AGeneratedKeyIsKeptWithMode0600AndSurvivesARestart) {
  AuthHost generated(GetParam(), {.knownSecret = false});
  auto keyFile = generated.dataDir() + "/auth/jwt.key";
  struct stat info {};
  ASSERT_EQ(::stat(keyFile.c_str(), &info), 0) << keyFile << " does not exist";
  EXPECT_EQ(info.st_mode & 0777, 0600) << std::oct << (info.st_mode & 0777);
  auto key = readFile(keyFile);
  EXPECT_GE(key.size(), 32u);

  AuthClient client(generated.port());
  auto user = client.newUser("restart");
  ASSERT_EQ(client.me(user.auth()).status, 200);
  // A session logged out before the restart must stay ended after it.
  auto ended = client.loginOk(user.email, user.password);
  ASSERT_EQ(client.post("/api/v1/auth/logout", json::object(), ended.auth()).status, 200);
  // Not the test secret, of course.
  expectUnauthorized(client.me(bearer(jwt::signHs256(jwt::header(user.tokens.access), jwt::payload(user.tokens.access)))));

  generated.restart();
  AuthClient after(generated.port());
  auto me = after.me(user.auth());
  ASSERT_EQ(me.status, 200) << "a token outlives a restart: " << me.body;
  EXPECT_EQ(me.json()["id"], user.id);
  EXPECT_EQ(readFile(keyFile), key) << "the key is generated once";
  expectUnauthorized(after.me(ended.auth()));
  expectUnauthorized(after.refresh(ended.refresh));
  EXPECT_EQ(after.refresh(user.tokens.refresh).status, 200);
}

AUTH_INSTANTIATE_BACKENDS(TokenAttack);
