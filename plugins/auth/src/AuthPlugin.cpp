// Plugin `auth`: identity, sessions, API keys, organizations and roles, and
// the host's authenticator. See ../README.md for the routes and settings.
#include "AuthContext.h"
#include "TokenCrypto.h"
#include "auth_migrations.h"

#include <orchestrator/time.hpp>

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace auth {
namespace {

/// The HS256 key: from config, else 32 random bytes generated once and kept
/// in the data directory, readable by this user only.
std::string signingSecret(orch::Plugin& plugin, const AuthSettings& settings) {
  if (!settings.jwtSecret.empty()) return settings.jwtSecret;
  auto folder = std::filesystem::path(plugin.config("server.data_dir", "var")) / "auth";
  auto file = folder / "jwt.key";
  std::filesystem::create_directories(folder);
  std::filesystem::permissions(folder, std::filesystem::perms::owner_all);
  if (!std::filesystem::exists(file)) {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
    auto temporary = file;
    temporary += ".tmp";
    {
      std::ofstream out(temporary, std::ios::trunc);
      std::filesystem::permissions(temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      out << hex << '\n';
      if (!out) throw std::runtime_error("cannot write " + temporary.string());
    }
    std::filesystem::rename(temporary, file); // atomic: a crash never leaves half a key
    plugin.logInfo("generated a JWT signing key in " + file.string());
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream in(file);
  std::string secret;
  std::getline(in, secret);
  if (secret.size() < 32) throw std::runtime_error(file.string() + " does not hold a key; delete it to generate one");
  return secret;
}

/// Creates or updates the configured first admin; with none configured and no
/// user at all, creates one and prints its one-time password once.
void ensureFirstAdmin(AuthContext& auth) {
  // ORCH_ADMIN_EMAIL and ORCH_ADMIN_PASSWORD, the short names operators
  // expect, arrive as the keys admin_email and admin_password.
  auto email = auth.settings.adminEmail.empty() ? auth.plugin.config("admin_email", "") : auth.settings.adminEmail;
  auto password =
      auth.settings.adminPassword.empty() ? auth.plugin.config("admin_password", "") : auth.settings.adminPassword;
  bool generated = false;
  if (email.empty() || password.empty()) {
    if (!email.empty() || !password.empty())
      auth.plugin.logWarning("set both ORCH_ADMIN_EMAIL and ORCH_ADMIN_PASSWORD (or auth.admin_email and "
                             "auth.admin_password) to manage the first admin; ignoring the one given");
    if (auth.users.count() > 0) return;
    email = "admin@orchestrator.local";
    password = randomToken(18);
    generated = true;
  }
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
  auto now = orch::nowRfc3339();
  if (auto existing = auth.users.findByLogin(email)) {
    orch::json columns = {{"role", "admin"}, {"is_active", 1}};
    if (!auth.passwords.verify((*existing)["password_hash"].get<std::string>(), password)) {
      columns["password_hash"] = auth.passwords.hash(password);
      columns["password_changed_at"] = now;
    }
    auth.users.update((*existing)["id"].get<std::string>(), columns);
    auth.plugin.logInfo("first admin " + email + " is an active admin");
    return;
  }
  auth.users.create({{"id", orch::newId()},
                     {"email", email},
                     {"password_hash", auth.passwords.hash(password)},
                     {"full_name", "Administrator"},
                     {"role", "admin"},
                     {"is_active", 1},
                     {"email_verified", 0},
                     {"subscription_tier", "free"},
                     {"created_at", now},
                     {"updated_at", now},
                     {"password_changed_at", now}});
  if (generated)
    auth.plugin.logWarning("created the first admin " + email + " with the one-time password " + password +
                           " ; log in and change it (PUT /api/v1/users/me). It is not shown again.");
  else
    auth.plugin.logInfo("created the first admin " + email);
}

void init(orch::Plugin& plugin) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot start");
  auto settings = plugin.settings(kAuthSettings);
  TokenService::Settings tokens{settings.jwtAlgorithm, "", settings.jwtPrivateKeyFile, settings.jwtPublicKeyFile,
                                settings.issuer};
  if (tokens.algorithm != "RS256") tokens.secret = signingSecret(plugin, settings);
  auto auth = std::make_shared<AuthContext>(plugin, settings, tokens);
  plugin.migrations(auth_migrations());
  registerAccountRoutes(*auth);
  registerApiKeyRoutes(*auth);
  registerOrganizationRoutes(*auth);
  registerAdminRoutes(*auth);
  plugin.authenticator([auth](const orch::AuthRequest& request) { return auth->authenticate(request); });
  plugin.onStart([auth] {
    ensureFirstAdmin(*auth);
    auth->sessions.reloadRevocations();
    // Revocations made by other hosts sharing the database arrive within 2 s.
    auth->plugin.timer(2000, 2000, [auth] { auth->sessions.reloadRevocations(); });
  });
}

} // namespace
} // namespace auth

ORCH_PLUGIN("auth", "1.0.0", "Users, sessions, API keys, organizations and roles; the authenticator", auth::init)
