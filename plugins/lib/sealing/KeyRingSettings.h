#pragma once

#include <orchestrator/settings.hpp>

#include <string>
#include <vector>

namespace sealing {

/// The key ring's settings, declared alike by every plugin that seals.
struct KeyRingSettings {
  std::string encryptionKey;
  std::vector<std::string> previousKeys;
  std::string keyFile; ///< empty: <server.data_dir>/secrets.key
};

inline const orch::SettingsMap<KeyRingSettings> kKeyRingSettings = {
    {"secrets.encryption_key", &KeyRingSettings::encryptionKey, "",
     "The key that seals credentials and webhook secrets (32 bytes, base64 or hex); unset: the key in "
     "secrets.key_file",
     {.flags = ORCH_SETTING_SECRET}},
    {"secrets.previous_keys", &KeyRingSettings::previousKeys, "",
     "Keys rotated out, comma-separated: their rows are sealed again under the current key at start",
     {.flags = ORCH_SETTING_SECRET}},
    {"secrets.key_file", &KeyRingSettings::keyFile, "",
     "Where the key is kept when secrets.encryption_key is unset (made at the first start); unset: "
     "<data_dir>/secrets.key"},
};

} // namespace sealing
