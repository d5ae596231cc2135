#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace Poco::Crypto {
class RSAKey;
}

namespace auth {

/// The claims Orchestrator puts in every token it signs.
struct TokenClaims {
  std::string subject;   ///< sub: user id
  std::string sessionId; ///< sid (access and refresh tokens)
  std::string id;        ///< jti
  std::string type;      ///< typ: "access", "refresh" or "cross_system"
  std::string audience;  ///< aud
  std::int64_t issuedAt = 0, expiresAt = 0;
  nlohmann::json extra = nlohmann::json::object(); ///< e.g. "permissions"
};

/// Signs and verifies JWTs (RFC 7519) with one algorithm, HS256 (libsodium's
/// HMAC-SHA-256) or RS256 (OpenSSL through Poco::Crypto): a token whose header
/// names any other algorithm ("none", HS256 under RS256) is refused before its
/// signature is looked at, and every claim is checked.
class TokenService {
public:
  struct Settings {
    std::string algorithm = "HS256";
    std::string secret;          ///< HS256 key
    std::string privateKeyFile;  ///< RS256
    std::string publicKeyFile;   ///< RS256
    std::string issuer = "orchestrator";
  };

  explicit TokenService(const Settings& settings);
  ~TokenService();

  std::string sign(const TokenClaims& claims) const;
  /// The claims of a valid token of `type` for `audience`, or nullopt.
  std::optional<TokenClaims> verify(const std::string& token, const std::string& type,
                                    const std::string& audience) const;
  const std::string& algorithm() const { return algorithm_; }

private:
  std::string signature(const std::string& signingInput) const;
  bool signatureMatches(const std::string& signingInput, const std::string& signature) const;

  std::string algorithm_, issuer_, secret_, header_;
  std::shared_ptr<Poco::Crypto::RSAKey> rsaKey_;
};

} // namespace auth
