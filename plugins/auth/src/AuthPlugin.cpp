// Plugin `auth`: identity, sessions, API keys, organizations and roles, and
// the host's authenticator. See ../README.md for the routes and settings.
#include "AuthContext.h"
#include "Clock.h"
#include "Secrets.h"

#include <orchestrator/settings.hpp>

#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace auth {
namespace {

std::string firstOf(orch::Plugin& plugin, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    if (auto value = plugin.config(key); value && !value->empty()) return *value;
  return "";
}

/// The HS256 key: from config, else 32 random bytes generated once and kept
/// in the data directory, readable by this user only.
std::string signingSecret(orch::Plugin& plugin) {
  if (auto secret = plugin.config("auth.jwt_secret"); secret && !secret->empty()) return *secret;
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
  auto email = firstOf(auth.plugin, {"auth.admin_email", "admin_email"});
  auto password = firstOf(auth.plugin, {"auth.admin_password", "admin_password"});
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
  auto now = nowRfc3339();
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
  auth.users.create({{"id", newUuid()},
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
  AuthSettings settings;
  settings.audience = plugin.config("auth.audience", "orchestrator-api");
  auto registration = plugin.config("auth.registration", "open");
  if (registration != "open" && registration != "closed")
    throw std::invalid_argument("auth.registration must be open or closed, not '" + registration + "'");
  settings.registrationOpen = registration == "open";
  settings.failedLoginsPerHour = static_cast<std::uint32_t>(orch::configNumber(plugin, "auth.failed_logins_per_hour", 100, 1, 1000000));
  settings.passwordMinLength = static_cast<std::size_t>(orch::configNumber(plugin, "auth.password_min_length", 8, 6, 128));

  TokenService::Settings tokens;
  tokens.algorithm = plugin.config("auth.jwt_algorithm", "HS256");
  tokens.issuer = plugin.config("auth.issuer", "orchestrator");
  if (tokens.algorithm == "RS256") {
    tokens.privateKeyFile = plugin.config("auth.jwt_private_key_file", "");
    tokens.publicKeyFile = plugin.config("auth.jwt_public_key_file", "");
  } else {
    tokens.secret = signingSecret(plugin);
  }
  Sessions::Lifetimes lifetimes;
  lifetimes.accessSeconds = orch::configNumber(plugin, "auth.access_token_ttl", 1800, 1, 24 * 3600);
  lifetimes.refreshSeconds = orch::configNumber(plugin, "auth.refresh_token_ttl", 30 * 24 * 3600, 1, 365 * 24 * 3600);

  auto auth = std::make_shared<AuthContext>(plugin, settings, tokens, lifetimes);
  registerMigrations(plugin);
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
