#include "AuthTestSupport.h"

#include "PostgresDatabases.h"
#include "TestPostgres.h"

#include <sodium.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <regex>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace auth_test {

void fail(const std::string& message) { throw std::runtime_error(message); }

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

// --------------------------------------------------------------------- hosts

namespace {

std::string makeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "orch-auth-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) fail("mkdtemp failed");
  return pattern;
}

} // namespace

AuthHost::AuthHost(Backend backend, HostConfig config) : backend_(backend), config_(std::move(config)) {
  dataDir_ = makeTempDir();
  // The PostgreSQL database is created once and kept across restarts.
  if (backend_ == Backend::Postgres && !config_.env.count("ORCH_STORAGE__URL"))
    databaseUrl_ = orch::test::freshPostgresDatabase();
  start();
}

AuthHost::~AuthHost() {
  process_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dataDir_, ignored);
}

void AuthHost::start() {
  std::string properties;
  if (config_.knownSecret) properties += std::string("auth.jwt_secret = ") + kJwtSecret + "\n";
  if (config_.generousRateLimit) properties += "ratelimit.auth.per_minute = 100000\n";
  properties += config_.config;
  auto env = config_.env;
  if (config_.adminFromEnv) {
    env.emplace("ORCH_ADMIN_EMAIL", kAdminEmail);
    env.emplace("ORCH_ADMIN_PASSWORD", kAdminPassword);
  }
  if (!databaseUrl_.empty()) env.emplace("ORCH_STORAGE__URL", databaseUrl_);
  process_ = std::make_unique<HostProcess>(
      HostProcess::Options{.pluginsDir = ORCH_PLUGIN_DIR, .config = properties, .env = env, .dataDir = dataDir_});
  // Without the auth plugin every test would fail for the same dull reason; say it once, clearly.
  // (auth/me, not login: the probe must not count against the auth rate limit.)
  HttpClient client(process_->port());
  auto probe = client.get("/api/v1/auth/me");
  require(probe.status != 404, "the auth plugin's routes are missing (is auth.so in " ORCH_PLUGIN_DIR "?):\n" +
                                   process_->logs());
}

void AuthHost::restart(const std::map<std::string, std::string>& env) {
  process_->stop();
  process_.reset();
  for (const auto& [name, value] : env) config_.env[name] = value;
  start();
}

// -------------------------------------------------------------------- client

Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
Headers apiKey(const std::string& key) { return {{"X-API-KEY", key}}; }

std::string urlEncode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

json AuthClient::registerOk(const json& body, const Headers& headers) {
  auto response = registerUser(body, headers);
  require(response.status == 201, "register " + body.dump() + " answered " + std::to_string(response.status) + ": " +
                                      response.body);
  return response.json();
}

HttpResult AuthClient::login(const std::string& email, const std::string& password) {
  return post("/api/v1/auth/login", {{"email", email}, {"password", password}});
}

HttpResult AuthClient::loginForm(const std::string& username, const std::string& password) {
  return request("POST", "/api/v1/auth/login", "username=" + urlEncode(username) + "&password=" + urlEncode(password),
                       {}, "application/x-www-form-urlencoded");
}

Tokens AuthClient::loginOk(const std::string& email, const std::string& password) {
  auto response = login(email, password);
  require(response.status == 200, "login of " + email + " answered " + std::to_string(response.status) + ": " +
                                      response.body);
  auto body = response.json();
  require(body.value("access_token", json()).is_string() && body.value("refresh_token", json()).is_string(),
          "login answered without tokens: " + response.body);
  return {body["access_token"].get<std::string>(), body["refresh_token"].get<std::string>(), body};
}

User AuthClient::newUser(const std::string& label) {
  User user;
  user.email = uniqueEmail(label);
  user.password = kPassword;
  auto created = registerOk(
      {{"email", user.email}, {"password", user.password}, {"first_name", label}, {"last_name", "Tester"}, {"company", "Acme"}});
  require(created.value("id", json()).is_string(), "register answered without an id: " + created.dump());
  user.id = created["id"].get<std::string>();
  user.tokens = loginOk(user.email, user.password);
  return user;
}

User AuthClient::admin() {
  User user;
  user.email = kAdminEmail;
  user.password = kAdminPassword;
  user.tokens = loginOk(user.email, user.password);
  auto me = this->me(user.auth());
  require(me.status == 200, "the admin's auth/me answered " + std::to_string(me.status) + ": " + me.body);
  user.id = me.json().value("id", "");
  return user;
}

std::string uniqueSuffix() {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 1000000;
  return std::to_string(::getpid() % 100000) + "-" + std::to_string(salt) + "-" + std::to_string(counter++);
}

std::string uniqueEmail(const std::string& label) { return label + "-" + uniqueSuffix() + "@example.com"; }

// ------------------------------------------------------------ shared hosts

std::map<Backend, std::unique_ptr<AuthHost>>& SharedHostTest::hosts() {
  static std::map<Backend, std::unique_ptr<AuthHost>> hosts;
  return hosts;
}

std::map<Backend, User>& SharedHostTest::admins() {
  static std::map<Backend, User> admins;
  return admins;
}

void SharedHostTest::TearDownTestSuite() {
  admins().clear();
  hosts().clear();
}

AuthHost& SharedHostTest::host() {
  auto& slot = hosts()[GetParam()];
  if (!slot) slot = std::make_unique<AuthHost>(GetParam(), hostConfig());
  return *slot;
}

AuthClient& SharedHostTest::client() {
  if (!client_) client_ = std::make_unique<AuthClient>(host().port());
  return *client_;
}

const User& SharedHostTest::admin() {
  auto found = admins().find(GetParam());
  if (found == admins().end()) found = admins().emplace(GetParam(), client().admin()).first;
  return found->second;
}

// ----------------------------------------------------------------- responses

void expectError(const HttpResult& response, int status, const std::string& code) {
  EXPECT_EQ(response.status, status) << response.body;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  ASSERT_TRUE(body.is_object() && body.contains("error") && body["error"].is_object())
      << "not the error envelope: " << response.body;
  EXPECT_EQ(body["error"].value("code", ""), code) << response.body;
  ASSERT_TRUE(body["error"].value("message", json()).is_string()) << response.body;
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty()) << response.body;
  EXPECT_EQ(body.value("detail", json()), body["error"]["message"]) << response.body;
  EXPECT_EQ(body["error"].value("request_id", ""), response.header("X-Request-ID")) << response.body;
  EXPECT_TRUE(body["error"].contains("timestamp")) << response.body;
}

int expectClientError(const HttpResult& response) {
  EXPECT_GE(response.status, 400) << response.body;
  EXPECT_LT(response.status, 500) << response.body;
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  EXPECT_TRUE(body.is_object() && body.contains("error") && body["error"].contains("code"))
      << "not the error envelope: " << response.body;
  return response.status;
}

bool isUtcTimestamp(const json& value) {
  static const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  return value.is_string() && std::regex_match(value.get<std::string>(), rfc3339);
}

std::time_t parseUtc(const std::string& text) {
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) fail("not an RFC 3339 timestamp: " + text);
  return timegm(&tm);
}

std::string formatUtc(std::time_t when) {
  char buffer[32];
  std::tm tm{};
  gmtime_r(&when, &tm);
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

bool contains(const json& array, const json& value) {
  if (!array.is_array()) return false;
  for (const auto& item : array)
    if (item == value) return true;
  return false;
}


// ----------------------------------------------------------------------- JWT

namespace jwt {

namespace {
const bool sodiumReady = [] {
  if (sodium_init() < 0) std::abort();
  return true;
}();
} // namespace

std::string base64url(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::string unbase64url(const std::string& text) {
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                        &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    fail("not base64url: " + text);
  out.resize(length);
  return out;
}

std::vector<std::string> parts(const std::string& token) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto dot = token.find('.', start);
    out.push_back(token.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (out.size() != 3) fail("not a JWT (" + std::to_string(out.size()) + " parts): " + token);
  return out;
}

namespace {
json decodePart(const std::string& token, std::size_t index) {
  auto parsed = json::parse(unbase64url(parts(token)[index]), nullptr, false);
  if (!parsed.is_object()) fail("JWT part " + std::to_string(index) + " is not a JSON object: " + token);
  return parsed;
}
} // namespace

json header(const std::string& token) { return decodePart(token, 0); }
json payload(const std::string& token) { return decodePart(token, 1); }

std::string signingInput(const json& header, const json& payload) {
  return base64url(header.dump()) + "." + base64url(payload.dump());
}

std::string hmacSha256(const std::string& key, const std::string& data) {
  (void)sodiumReady;
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<char*>(mac), sizeof mac);
}

std::string hmacSha512(const std::string& key, const std::string& data) {
  (void)sodiumReady;
  crypto_auth_hmacsha512_state state;
  unsigned char mac[crypto_auth_hmacsha512_BYTES];
  crypto_auth_hmacsha512_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha512_update(&state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha512_final(&state, mac);
  return std::string(reinterpret_cast<char*>(mac), sizeof mac);
}

std::string signHs256(const json& header, const json& payload, const std::string& key) {
  auto input = signingInput(header, payload);
  return input + "." + base64url(hmacSha256(key, input));
}

std::string signHs512(const json& header, const json& payload, const std::string& key) {
  auto input = signingInput(header, payload);
  return input + "." + base64url(hmacSha512(key, input));
}

std::string unsignedToken(const json& header, const json& payload) { return signingInput(header, payload) + "."; }

std::string withPayloadKeepingSignature(const std::string& token, const json& payload) {
  auto pieces = parts(token);
  return pieces[0] + "." + base64url(payload.dump()) + "." + pieces[2];
}

std::string audience(const json& payload) {
  const auto& aud = payload.value("aud", json());
  if (aud.is_string()) return aud.get<std::string>();
  if (aud.is_array() && aud.size() == 1 && aud[0].is_string()) return aud[0].get<std::string>();
  return aud.dump();
}

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

} // namespace jwt

} // namespace auth_test
