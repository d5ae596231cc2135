#pragma once

#include "sealing/SecretBox.h"

#include <orchestrator/plugin.hpp>

#include <set>
#include <string>
#include <vector>

namespace sealing {

/// The key that seals secrets now, and the keys that sealed them before: a
/// rotation makes a new key current and keeps the old one readable until
/// every row is sealed again (reseal()).
class KeyRing {
public:
  explicit KeyRing(SecretBox current, std::vector<SecretBox> previous = {});

  /// The ring of `secrets.encryption_key` (base64 or hex) and
  /// `secrets.previous_keys` (a comma-separated list). Without a configured
  /// key the first start makes one in `secrets.key_file`
  /// (<server.data_dir>/secrets.key) and logs where. Throws
  /// std::invalid_argument naming the setting that is wrong.
  static KeyRing fromConfig(orch::Plugin& plugin);

  /// The current key's fingerprint, stored beside each sealed row.
  const std::string& keyId() const { return current_.keyId(); }
  bool knows(const std::string& keyId) const;

  std::string seal(const std::string& context, const std::string& plaintext) const { return current_.seal(context, plaintext); }
  /// Opens a text sealed under the key `keyId`. Throws std::runtime_error,
  /// naming a key this host does not have.
  std::string open(const std::string& context, const std::string& sealed, const std::string& keyId) const;

private:
  SecretBox current_;
  std::vector<SecretBox> previous_;
};

/// A table whose rows hold one sealed column and the fingerprint of its key.
struct SealedColumn {
  std::string table, secretColumn = "secret", keyColumn = "key_id";
  /// The context each row's secret is sealed for, from its id.
  std::string contextPrefix;
  /// Rows written before sealing existed have no key: their column is plain text.
  bool nullKeyIsPlaintext = false;
};

struct ResealCount {
  std::size_t resealed = 0;
  std::size_t unreadable = 0;        ///< under keys the ring does not have
  std::set<std::string> unknownKeys; ///< those keys' fingerprints
};

/// Seals again, under the ring's current key, every row sealed under another
/// key (or not sealed yet). Each row is changed only if nobody changed it
/// since it was read, so hosts sharing the database may run it at once.
ResealCount reseal(const orch::Database& db, const KeyRing& ring, const SealedColumn& column);

/// reseal() at a plugin's start, with what it did or could not do logged.
void resealAndLog(orch::Plugin& plugin, const KeyRing& ring, const SealedColumn& column);

} // namespace sealing
