#pragma once

#include <array>
#include <string>

namespace sealing {

/// Encrypts secrets at rest with libsodium's secretbox (XSalsa20-Poly1305)
/// under one 32-byte key. A sealed text is base64 of nonce + ciphertext; it is
/// bound to a context (the row's id), so a ciphertext copied onto another row
/// does not open.
class SecretBox {
public:
  /// `key`: 32 bytes.
  explicit SecretBox(const std::array<unsigned char, 32>& key);

  /// The key from `encodedKey` (base64 or 64 hex digits of 32 bytes); throws
  /// std::invalid_argument saying what is wrong with it.
  static SecretBox fromText(const std::string& encodedKey);
  /// The key in `path`, made (random, mode 0600) when the file does not exist.
  static SecretBox fromFile(const std::string& path, bool& created);

  std::string seal(const std::string& context, const std::string& plaintext) const;
  /// Throws std::runtime_error when the text was not sealed for `context` under this key.
  std::string open(const std::string& context, const std::string& sealed) const;
  /// A short fingerprint of the key, stored beside each row so that a wrong
  /// key is named as such rather than as corrupt data.
  const std::string& keyId() const { return keyId_; }

private:
  std::array<unsigned char, 32> key_;
  std::string keyId_;
};

} // namespace sealing
