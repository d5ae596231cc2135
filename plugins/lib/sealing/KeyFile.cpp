#include "KeyFile.h"

#include <sodium.h>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sealing {

void initializeSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot initialize");
}

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

Key32 keyFromText(const std::string& encoded, const std::string& what) {
  initializeSodium();
  std::string text = encoded;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  Key32 key{};
  std::size_t size = 0;
  if (text.size() == 64 &&
      sodium_hex2bin(key.data(), key.size(), text.data(), text.size(), nullptr, &size, nullptr) == 0 && size == 32)
    return key;
  std::vector<unsigned char> bytes;
  try {
    bytes = fromBase64(text);
  } catch (const std::invalid_argument&) {
  }
  if (bytes.size() != key.size())
    throw std::invalid_argument(what + " must be 32 bytes as base64 (44 characters) or hex (64 digits)");
  std::copy(bytes.begin(), bytes.end(), key.begin());
  sodium_memzero(bytes.data(), bytes.size());
  return key;
}

Key32 keyFromFile(const std::string& path, bool& created, const std::string& what) {
  initializeSodium();
  created = false;
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    return keyFromText(text.str(), what + " in " + path);
  }
  Key32 key{};
  randombytes_buf(key.data(), key.size());
  auto text = toBase64(key.data(), key.size()) + "\n";
  // O_EXCL: two hosts starting on one data directory must not each write a key.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return keyFromFile(path, created, what);
    throw std::runtime_error("cannot create the key file " + path + ": " + std::strerror(errno));
  }
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  written = ::fsync(fd) == 0 && written;
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write the key file " + path);
  created = true;
  return key;
}

} // namespace sealing
