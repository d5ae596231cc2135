#include "SecretBox.h"
#include "KeyFile.h"

#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace sealing {

SecretBox::SecretBox(const std::array<unsigned char, 32>& key) : key_(key) {
  initializeSodium();
  unsigned char hash[8];
  crypto_generichash(hash, sizeof hash, key_.data(), key_.size(), nullptr, 0);
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  keyId_ = hex;
}

SecretBox SecretBox::fromText(const std::string& encodedKey) { return SecretBox(keyFromText(encodedKey, "a secrets key")); }

SecretBox SecretBox::fromFile(const std::string& path, bool& created) {
  return SecretBox(keyFromFile(path, created, "the secrets key"));
}

std::string SecretBox::seal(const std::string& context, const std::string& plaintext) const {
  // The context is sealed with the secret and checked on open: secretbox has
  // no associated data of its own.
  auto message = context + '\n' + plaintext;
  std::vector<unsigned char> box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + message.size());
  randombytes_buf(box.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box.data() + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(message.data()),
                        message.size(), box.data(), key_.data());
  sodium_memzero(message.data(), message.size());
  return toBase64(box.data(), box.size());
}

std::string SecretBox::open(const std::string& context, const std::string& sealed) const {
  std::vector<unsigned char> box;
  try {
    box = fromBase64(sealed);
  } catch (const std::invalid_argument&) {
    throw std::runtime_error("the stored secret is not base64");
  }
  if (box.size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    throw std::runtime_error("the stored secret is too short");
  std::string message(box.size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(message.data()), box.data() + crypto_secretbox_NONCEBYTES,
                                 box.size() - crypto_secretbox_NONCEBYTES, box.data(), key_.data()) != 0)
    throw std::runtime_error("the stored secret does not open with this key");
  if (message.compare(0, context.size() + 1, context + '\n') != 0) {
    sodium_memzero(message.data(), message.size());
    throw std::runtime_error("the stored secret belongs to another row");
  }
  auto plaintext = message.substr(context.size() + 1);
  sodium_memzero(message.data(), message.size());
  return plaintext;
}

} // namespace sealing
