#include "Passwords.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <semaphore>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace auth {
namespace {

constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19u * 1024 * 1024;
constexpr std::size_t kMaxLength = 256;

// The most common passwords of public breach lists that pass a length check.
constexpr std::array<std::string_view, 40> kCommon = {
    "password", "password1", "password12", "password123", "password1234", "12345678", "123456789", "1234567890",
    "qwertyui", "qwerty123", "qwertyuiop", "iloveyou", "admin123", "administrator", "welcome1", "welcome123",
    "letmein1", "letmein123", "abc12345", "abcd1234", "11111111", "00000000", "88888888", "passw0rd", "p@ssw0rd",
    "football", "baseball", "sunshine", "princess", "trustno1", "changeme", "1q2w3e4r", "1qaz2wsx", "zaq12wsx",
    "superman", "starwars", "whatever", "computer", "internet", "secret123"};

std::counting_semaphore<64>& hashingSlots() {
  static std::counting_semaphore<64> slots(std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency(), 1, 64));
  return slots;
}

struct Slot {
  Slot() { hashingSlots().acquire(); }
  ~Slot() { hashingSlots().release(); }
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

} // namespace

std::string Passwords::hash(const std::string& password) const {
  Slot slot;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("password hashing ran out of memory");
  return out;
}

bool Passwords::verify(const std::string& storedHash, const std::string& password) const {
  Slot slot;
  return crypto_pwhash_str_verify(storedHash.c_str(), password.data(), password.size()) == 0;
}

void Passwords::verifyNothing(const std::string& password) const {
  static const std::string dummy = hash("orchestrator-dummy-password-for-timing");
  verify(dummy, password);
}

std::optional<std::string> Passwords::problem(const std::string& password, const std::string& email,
                                              const std::string& username) const {
  if (password.size() < minLength_) return "Password must be at least " + std::to_string(minLength_) + " characters";
  if (password.size() > kMaxLength) return "Password must be at most " + std::to_string(kMaxLength) + " characters";
  auto folded = lower(password);
  if (std::find(kCommon.begin(), kCommon.end(), folded) != kCommon.end()) return "Password is too common";
  if (folded == lower(email) || (!username.empty() && folded == lower(username)) ||
      folded == lower(email.substr(0, email.find('@'))))
    return "Password must not be your email or username";
  return std::nullopt;
}

} // namespace auth
