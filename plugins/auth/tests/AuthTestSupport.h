// Shared helpers for the auth plugin's tests: hosts on SQLite and PostgreSQL
// with the auth plugin loaded, a small API client, and JWT forging.
#pragma once

#include "Eventually.h"
#include "HostProcess.h"
#include "HttpClient.h"
#include "TestPostgres.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace auth_test {

using nlohmann::json;
using orch::test::HostProcess;
using orch::test::HttpClient;
using orch::test::HttpResult;
using Headers = std::map<std::string, std::string>;

/// The HS256 secret every test host is configured with, so tests can forge tokens.
/// Neither hex nor base64, so there is only one way to read it: its 64 bytes.
inline constexpr const char* kJwtSecret = "auth-tests.secret_0123456789abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJ";
inline constexpr const char* kAdminEmail = "root-admin@example.com";
inline constexpr const char* kAdminPassword = "Adm1n-Sup3r-Secret-Pass";
/// A password any sane policy accepts: long, mixed, not a common one.
inline constexpr const char* kPassword = "Blue-Harbor-Lantern-47";

// ----------------------------------------------------------------- failures

/// Ends the test with a message (gtest reports the exception): for helpers
/// that return a value and so cannot use ASSERT_*.
[[noreturn]] void fail(const std::string& message);
inline void require(bool condition, const std::string& message) {
  if (!condition) fail(message);
}

// ------------------------------------------------------------------ backends

enum class Backend { Sqlite, Postgres };
std::string backendName(const ::testing::TestParamInfo<Backend>& info);
/// How gtest prints a Backend parameter.
inline void PrintTo(Backend backend, std::ostream* out) { *out << (backend == Backend::Sqlite ? "Sqlite" : "Postgres"); }
/// Runs a suite on both backends. The prefix `auth` names every test
/// `auth/<Suite>.<Test>/<Backend>`, so `ctest -R auth` selects them.
#define AUTH_INSTANTIATE_BACKENDS(Suite)                                                                  \
  INSTANTIATE_TEST_SUITE_P(auth, Suite,                                                                   \
                           ::testing::Values(::auth_test::Backend::Sqlite, ::auth_test::Backend::Postgres), \
                           ::auth_test::backendName)

/// Skips (or, in CI, fails) a test on PostgreSQL when no server is there.
#define AUTH_REQUIRE_BACKEND(backend)                    \
  do {                                                   \
    if ((backend) == ::auth_test::Backend::Postgres) {   \
      std::string pgUrl_;                                \
      ORCH_REQUIRE_POSTGRES(pgUrl_);                     \
    }                                                    \
  } while (false)

// --------------------------------------------------------------------- hosts

/// How a test host is set up. The defaults give the usual test host: the
/// known secret, an admin from the environment, a generous auth rate limit.
struct HostConfig {
  std::string config;                     ///< extra properties lines
  std::map<std::string, std::string> env; ///< extra environment
  bool knownSecret = true;                ///< auth.jwt_secret = kJwtSecret
  bool adminFromEnv = true;               ///< ORCH_ADMIN_EMAIL / ORCH_ADMIN_PASSWORD
  bool generousRateLimit = true;          ///< ratelimit.auth.per_minute = 100000
};

/// The orchestrator with the first-party plugin folder (auth.so), on its own
/// data directory and, for PostgreSQL, its own fresh database; both survive
/// restart() so a test can check what persists.
class AuthHost {
public:
  AuthHost(Backend backend, HostConfig config = {});
  ~AuthHost();
  AuthHost(const AuthHost&) = delete;
  AuthHost& operator=(const AuthHost&) = delete;

  int port() const { return process_->port(); }
  std::string logs() const { return process_->logs(); }
  const std::string& dataDir() const { return dataDir_; }
  Backend backend() const { return backend_; }
  /// Stops the process (SIGTERM) and starts it again on the same data and
  /// database; `env` entries replace or add to the environment.
  void restart(const std::map<std::string, std::string>& env = {});
  HostProcess& process() { return *process_; }

private:
  void start();

  Backend backend_;
  HostConfig config_;
  std::string dataDir_, databaseUrl_;
  std::unique_ptr<HostProcess> process_;
};

// -------------------------------------------------------------------- client

Headers bearer(const std::string& token);
Headers apiKey(const std::string& key);
std::string urlEncode(const std::string& text);

/// A login's tokens.
struct Tokens {
  std::string access, refresh;
  json body;
  Headers auth() const { return bearer(access); }
};

/// A registered user with a session.
struct User {
  std::string id, email, password;
  Tokens tokens;
  Headers auth() const { return tokens.auth(); }
};

/// The auth routes, each request on a new connection: the host leaves the
/// unread body of a request it refuses early (401, 403, 429) on a keep-alive
/// connection, where it is read as the next request; a test of auth must not
/// trip over that (InputHandling.ARefusedBodyDoesNotBecomeTheNextRequest
/// checks it on its own).
class AuthClient {
public:
  explicit AuthClient(int port) : port_(port) {}
  int port() const { return port_; }

  HttpResult request(const std::string& method, const std::string& path, const std::string& body = "",
                     const Headers& headers = {}, const std::string& contentType = "application/json") {
    HttpClient http(port_);
    return http.request(method, path, body, headers, contentType);
  }
  HttpResult get(const std::string& path, const Headers& headers = {}) { return request("GET", path, "", headers); }
  HttpResult post(const std::string& path, const json& body, const Headers& headers = {}) {
    return request("POST", path, body.dump(), headers);
  }
  HttpResult put(const std::string& path, const json& body, const Headers& headers = {}) {
    return request("PUT", path, body.dump(), headers);
  }
  HttpResult del(const std::string& path, const Headers& headers = {}) { return request("DELETE", path, "", headers, ""); }

  HttpResult registerUser(const json& body, const Headers& headers = {}) {
    return post("/api/v1/auth/register", body, headers);
  }
  /// Registers, requiring 201; returns the created user.
  json registerOk(const json& body, const Headers& headers = {});
  HttpResult login(const std::string& email, const std::string& password);
  /// `username=...&password=...` as application/x-www-form-urlencoded.
  HttpResult loginForm(const std::string& username, const std::string& password);
  /// Logs in, requiring 200 with both tokens.
  Tokens loginOk(const std::string& email, const std::string& password);
  HttpResult refresh(const std::string& refreshToken) {
    return post("/api/v1/auth/refresh", {{"refresh_token", refreshToken}});
  }
  HttpResult me(const Headers& headers) { return get("/api/v1/auth/me", headers); }
  /// Registers a fresh user (seed 001 body, unique email) and logs it in.
  User newUser(const std::string& label = "user");
  /// The admin from the environment, logged in.
  User admin();

private:
  int port_;
};

/// A unique e-mail address: `<label>-<n>-<random>@example.com`.
std::string uniqueEmail(const std::string& label);
/// A unique short suffix for names and slugs.
std::string uniqueSuffix();

// ----------------------------------------------------------------- responses

/// Checks API.md's error envelope: status, code, a message, `detail` equal to
/// the message, the request id echoed, a timestamp.
void expectError(const HttpResult& response, int status, const std::string& code);
/// A 401 UNAUTHORIZED in the envelope.
inline void expectUnauthorized(const HttpResult& response) { expectError(response, 401, "UNAUTHORIZED"); }
/// A 4xx refusal in the envelope, whatever its status (for cases where the
/// contract allows 400 or 422); returns the status.
int expectClientError(const HttpResult& response);
/// RFC 3339 UTC with the trailing Z (fractional seconds allowed).
bool isUtcTimestamp(const json& value);
/// Seconds since the epoch of an RFC 3339 UTC timestamp; throws when unparsable.
std::time_t parseUtc(const std::string& text);
std::string formatUtc(std::time_t when);
bool contains(const json& array, const json& value);
using orch::test::eventually;

// ----------------------------------------------------------------------- JWT

namespace jwt {

std::string base64url(const std::string& bytes);
/// Throws on text that is not unpadded base64url.
std::string unbase64url(const std::string& text);
/// The three dot-separated parts; throws unless there are exactly three.
std::vector<std::string> parts(const std::string& token);
json header(const std::string& token);
json payload(const std::string& token);
/// `base64url(header).base64url(payload)`.
std::string signingInput(const json& header, const json& payload);
std::string hmacSha256(const std::string& key, const std::string& data);
std::string hmacSha512(const std::string& key, const std::string& data);
/// A complete HS256 token signed with `key`.
std::string signHs256(const json& header, const json& payload, const std::string& key = kJwtSecret);
/// A complete HS512 token signed with `key` (an algorithm not on the allow-list).
std::string signHs512(const json& header, const json& payload, const std::string& key = kJwtSecret);
/// `header.payload.` with an empty signature.
std::string unsignedToken(const json& header, const json& payload);
/// `token`'s claims replaced by `payload`, keeping the original header and signature.
std::string withPayloadKeepingSignature(const std::string& token, const json& payload);
/// The `aud` claim as a string when it is one audience (string or one-element array).
std::string audience(const json& payload);
std::int64_t now();

} // namespace jwt

// ------------------------------------------------------------ shared hosts

/// Base of the value-parameterised suites: one host per backend, started on
/// first use and shared by the suite's tests (each test makes its own users,
/// so they do not interfere), stopped when the suite ends.
class SharedHostTest : public ::testing::TestWithParam<Backend> {
protected:
  void SetUp() override { AUTH_REQUIRE_BACKEND(GetParam()); }
  static void TearDownTestSuite();
  /// What the shared host of this suite looks like.
  virtual HostConfig hostConfig() const { return {}; }
  AuthHost& host();
  /// A client of the shared host, one connection per test.
  AuthClient& client();
  /// The admin of the shared host, logged in once per host.
  const User& admin();

private:
  static std::map<Backend, std::unique_ptr<AuthHost>>& hosts();
  static std::map<Backend, User>& admins();
  std::unique_ptr<AuthClient> client_;
};

} // namespace auth_test
