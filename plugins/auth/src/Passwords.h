#pragma once

#include <optional>
#include <string>

namespace auth {

/// argon2id (libsodium) with OWASP's parameters (t=2, m=19 MiB). At most one
/// hash per core runs at a time, so a burst of logins cannot exhaust memory.
class Passwords {
public:
  explicit Passwords(std::size_t minLength) : minLength_(minLength) {}

  std::string hash(const std::string& password) const;
  bool verify(const std::string& storedHash, const std::string& password) const;
  /// Spends the time of a real verification, so an unknown account answers as
  /// slowly as a wrong password.
  void verifyNothing(const std::string& password) const;
  /// Why a new password is not acceptable, or nullopt.
  std::optional<std::string> problem(const std::string& password, const std::string& email,
                                     const std::string& username) const;

private:
  std::size_t minLength_;
};

} // namespace auth
