#include "SecretBox.h"

#include <sodium.h>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace sealing {
namespace {

std::string toBase64(const unsigned char* bytes, std::size_t size) {
  std::string text(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
  text.resize(std::strlen(text.c_str()));
  return text;
}

std::vector<unsigned char> fromBase64(const std::string& text) {
  std::vector<unsigned char> bytes(text.size());
  std::size_t size = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), " \n\r\t", &size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    throw std::invalid_argument("not base64");
  bytes.resize(size);
  return bytes;
}

void initialize() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialize");
}

} // namespace

SecretBox::SecretBox(const std::array<unsigned char, 32>& key) : key_(key) {
  initialize();
  unsigned char hash[8];
  crypto_generichash(hash, sizeof hash, key_.data(), key_.size(), nullptr, 0);
  char hex[sizeof hash * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  keyId_ = hex;
}

SecretBox SecretBox::fromText(const std::string& encodedKey) {
  initialize();
  std::string text = encodedKey;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::array<unsigned char, 32> key{};
  std::size_t size = 0;
  if (text.size() == 64 &&
      sodium_hex2bin(key.data(), key.size(), text.data(), text.size(), nullptr, &size, nullptr) == 0 && size == 32)
    return SecretBox(key);
  std::vector<unsigned char> bytes;
  try {
    bytes = fromBase64(text);
  } catch (const std::invalid_argument&) {
  }
  if (bytes.size() != key.size())
    throw std::invalid_argument("a secrets key must be 32 bytes as base64 (44 characters) or hex (64 digits)");
  std::copy(bytes.begin(), bytes.end(), key.begin());
  sodium_memzero(bytes.data(), bytes.size());
  return SecretBox(key);
}

SecretBox SecretBox::fromFile(const std::string& path, bool& created) {
  initialize();
  created = false;
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    return fromText(text.str());
  }
  std::array<unsigned char, 32> key{};
  randombytes_buf(key.data(), key.size());
  auto text = toBase64(key.data(), key.size()) + "\n";
  // O_EXCL: two hosts starting on one data directory must not each write a key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return fromFile(path, created);
    throw std::runtime_error("cannot create the secrets key file " + path + ": " + std::strerror(errno));
  }
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write the secrets key file " + path);
  created = true;
  return SecretBox(key);
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
