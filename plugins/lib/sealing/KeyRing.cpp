#include "sealing/KeyRing.h"
#include "sealing/KeyRingSettings.h"

#include <sodium.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace sealing {
namespace {

SecretBox keyFromSetting(const std::string& setting, const std::string& text) {
  try {
    return SecretBox::fromText(text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(setting + ": " + e.what());
  }
}

} // namespace

KeyRing::KeyRing(SecretBox current, std::vector<SecretBox> previous)
    : current_(std::move(current)), previous_(std::move(previous)) {}

KeyRing KeyRing::fromConfig(orch::Plugin& plugin) {
  auto settings = plugin.settings(kKeyRingSettings);
  std::vector<SecretBox> previous;
  for (const auto& text : settings.previousKeys) previous.push_back(keyFromSetting("secrets.previous_keys", text));
  if (!settings.encryptionKey.empty())
    return KeyRing(keyFromSetting("secrets.encryption_key", settings.encryptionKey), std::move(previous));
  std::filesystem::path dataDir = plugin.config("server.data_dir", "var");
  std::filesystem::create_directories(dataDir);
  auto path = settings.keyFile.empty() ? (dataDir / "secrets.key").string() : settings.keyFile;
  bool created = false;
  auto box = SecretBox::fromFile(path, created);
  if (created)
    plugin.logWarning("made a new encryption key for secrets in " + path +
                      "; back it up (without it stored secrets cannot be read), or set secrets.encryption_key");
  return KeyRing(std::move(box), std::move(previous));
}

bool KeyRing::knows(const std::string& keyId) const {
  return keyId == current_.keyId() ||
         std::any_of(previous_.begin(), previous_.end(), [&](const SecretBox& box) { return box.keyId() == keyId; });
}

std::string KeyRing::open(const std::string& context, const std::string& sealed, const std::string& keyId) const {
  if (keyId == current_.keyId()) return current_.open(context, sealed);
  for (const auto& box : previous_)
    if (box.keyId() == keyId) return box.open(context, sealed);
  throw std::runtime_error("sealed under key " + keyId + ", which is neither secrets.encryption_key (key " +
                           current_.keyId() + ") nor one of secrets.previous_keys");
}

ResealCount reseal(const orch::Database& db, const KeyRing& ring, const SealedColumn& column) {
  ResealCount count;
  const auto& secret = column.secretColumn;
  const auto& key = column.keyColumn;
  auto rows = db.query("SELECT id, " + secret + " AS secret, " + key + " AS key_id FROM " + column.table + " WHERE " + key +
                           " IS NULL OR " + key + " <> ?",
                       {ring.keyId()});
  // In batches: one transaction per row would be one disk flush per row.
  constexpr std::size_t kBatch = 100;
  for (std::size_t first = 0; first < rows.size(); first += kBatch) {
    db.transaction([&](orch::Transaction& tx) {
      for (std::size_t i = first; i < std::min(rows.size(), first + kBatch); ++i) {
        const auto& row = rows[i];
        auto context = column.contextPrefix + row["id"].get<std::string>();
        bool plain = row["key_id"].is_null();
        if (plain && !column.nullKeyIsPlaintext) {
          ++count.unreadable;
          continue;
        }
        std::string plaintext;
        try {
          plaintext = plain ? row["secret"].get<std::string>()
                            : ring.open(context, row["secret"].get<std::string>(), row["key_id"].get<std::string>());
        } catch (const std::runtime_error&) {
          ++count.unreadable;
          count.unknownKeys.insert(row["key_id"].get<std::string>());
          continue;
        }
        auto sealed = ring.seal(context, plaintext);
        sodium_memzero(plaintext.data(), plaintext.size());
        auto unchanged = plain ? key + " IS NULL" : key + " = ?";
        orch::json params = {sealed, ring.keyId(), row["id"]};
        if (!plain) params.push_back(row["key_id"]);
        if (db.execute("UPDATE " + column.table + " SET " + secret + " = ?, " + key + " = ? WHERE id = ? AND " + unchanged,
                       params, &tx) == 1)
          ++count.resealed;
      }
    });
  }
  return count;
}

void resealAndLog(orch::Plugin& plugin, const KeyRing& ring, const SealedColumn& column) {
  auto count = reseal(plugin.db(), ring, column);
  if (count.resealed)
    plugin.logInfo(column.table + ": sealed " + std::to_string(count.resealed) + " secrets again under key " + ring.keyId());
  if (count.unreadable) {
    std::string keys;
    for (const auto& key : count.unknownKeys) keys += (keys.empty() ? "" : ", ") + key;
    plugin.logWarning(column.table + ": " + std::to_string(count.unreadable) + " secrets are sealed under keys this host " +
                      "does not have (" + keys + "); they cannot be used until those keys are in secrets.previous_keys");
  }
}

} // namespace sealing
