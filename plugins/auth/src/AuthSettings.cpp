#include "AuthSettings.h"

namespace auth {

const orch::SettingsMap<AuthSettings> kAuthSettings = {
    {"auth.jwt_algorithm", &AuthSettings::jwtAlgorithm, "HS256", "How tokens are signed", {.choices = "HS256,RS256"}},
    {"auth.jwt_secret", &AuthSettings::jwtSecret, "",
     "HS256 key of at least 32 bytes; unset: 32 random bytes kept in <data_dir>/auth/jwt.key, mode 0600",
     {.flags = ORCH_SETTING_SECRET}},
    {"auth.jwt_private_key_file", &AuthSettings::jwtPrivateKeyFile, "", "PEM private key for RS256"},
    {"auth.jwt_public_key_file", &AuthSettings::jwtPublicKeyFile, "", "PEM public key for RS256"},
    {"auth.issuer", &AuthSettings::issuer, "orchestrator", "The tokens' iss"},
    {"auth.audience", &AuthSettings::audience, "orchestrator-api", "The access tokens' aud"},
    {"auth.access_token_ttl", &AuthSettings::accessTokenSeconds, "1800", "Seconds an access token lives",
     {.minimum = "1", .maximum = "86400"}},
    {"auth.refresh_token_ttl", &AuthSettings::refreshTokenSeconds, "2592000",
     "Seconds a session lives at most, however often it is refreshed", {.minimum = "1", .maximum = "31536000"}},
    {"auth.registration", &AuthSettings::registration, "open", "closed: only admins create users",
     {.choices = "open,closed"}},
    {"auth.admin_email", &AuthSettings::adminEmail, "",
     "The first admin, created or updated at start-up (also ORCH_ADMIN_EMAIL); unset and no user yet: "
     "admin@orchestrator.local with a one-time password in the log"},
    {"auth.admin_password", &AuthSettings::adminPassword, "", "The first admin's password (also ORCH_ADMIN_PASSWORD)",
     {.flags = ORCH_SETTING_SECRET}},
    {"auth.failed_logins_per_hour", &AuthSettings::failedLoginsPerHour, "100",
     "Failed logins an account may have in an hour before it answers 429", {.minimum = "1", .maximum = "1000000"}},
    {"auth.password_min_length", &AuthSettings::passwordMinLength, "8", "The shortest password accepted",
     {.minimum = "6", .maximum = "128"}},
};

} // namespace auth
