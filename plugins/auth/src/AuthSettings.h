#pragma once

#include <orchestrator/settings.hpp>

#include <cstdint>
#include <string>

namespace auth {

/// The plugin's settings, declared in kAuthSettings and read once at init.
struct AuthSettings {
  std::string jwtAlgorithm;
  std::string jwtSecret; ///< empty: generated once into <data_dir>/auth/jwt.key
  std::string jwtPrivateKeyFile, jwtPublicKeyFile;
  std::string issuer, audience;
  std::int64_t accessTokenSeconds = 0, refreshTokenSeconds = 0;
  std::string registration;
  std::string adminEmail, adminPassword;
  std::int64_t failedLoginsPerHour = 0;
  std::int64_t passwordMinLength = 0;
  std::int64_t crossSystemMaxSeconds = 3600;

  bool registrationOpen() const { return registration == "open"; }
};

/// Every setting of the plugin: key, default, what it does and its range.
extern const orch::SettingsMap<AuthSettings> kAuthSettings;

} // namespace auth
