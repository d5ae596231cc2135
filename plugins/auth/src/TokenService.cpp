#include "TokenService.h"

#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <stdexcept>

namespace auth {
namespace {

constexpr std::int64_t kClockSkewSeconds = 30;

std::int64_t epoch(const Poco::Timestamp& t) { return t.epochTime(); }

} // namespace

TokenService::TokenService(const Settings& settings) : algorithm_(settings.algorithm), issuer_(settings.issuer) {
  if (algorithm_ == "HS256") {
    if (settings.secret.size() < 32) throw std::invalid_argument("auth.jwt_secret must be at least 32 bytes");
    signer_ = std::make_unique<Poco::JWT::Signer>(settings.secret);
  } else if (algorithm_ == "RS256") {
    if (settings.publicKeyFile.empty() || settings.privateKeyFile.empty())
      throw std::invalid_argument("RS256 needs auth.jwt_private_key_file and auth.jwt_public_key_file");
    Poco::SharedPtr<Poco::Crypto::RSAKey> key(
        new Poco::Crypto::RSAKey(settings.publicKeyFile, settings.privateKeyFile, ""));
    signer_ = std::make_unique<Poco::JWT::Signer>(key);
  } else {
    throw std::invalid_argument("auth.jwt_algorithm must be HS256 or RS256, not '" + algorithm_ + "'");
  }
  // The allow-list holds exactly the configured algorithm.
  signer_->setAlgorithms({algorithm_});
}

TokenService::~TokenService() = default;

std::string TokenService::sign(const TokenClaims& claims) const {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(claims.subject);
  token.setId(claims.id);
  token.setIssuer(issuer_);
  token.setAudience(claims.audience);
  token.setIssuedAt(Poco::Timestamp::fromEpochTime(claims.issuedAt));
  token.setExpiration(Poco::Timestamp::fromEpochTime(claims.expiresAt));
  token.payload().set("typ", claims.type);
  if (!claims.sessionId.empty()) token.payload().set("sid", claims.sessionId);
  for (const auto& [name, value] : claims.extra.items()) {
    Poco::JSON::Array list;
    if (value.is_array()) {
      for (const auto& item : value) list.add(item.get<std::string>());
      token.payload().set(name, list);
    } else {
      token.payload().set(name, value.dump());
    }
  }
  return signer_->sign(token, algorithm_);
}

std::optional<TokenClaims> TokenService::verify(const std::string& text, const std::string& type,
                                                const std::string& audience) const {
  Poco::JWT::Token token;
  try {
    if (!signer_->tryVerify(text, token)) return std::nullopt;
  } catch (const Poco::Exception&) {
    return std::nullopt; // malformed, or an algorithm outside the allow-list
  }
  const auto& payload = token.payload();
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  TokenClaims claims;
  claims.type = payload.optValue<std::string>("typ", "");
  claims.subject = token.getSubject();
  claims.id = token.getId();
  claims.sessionId = payload.optValue<std::string>("sid", "");
  if (!payload.has("exp") || !payload.has("iat")) return std::nullopt;
  claims.expiresAt = epoch(token.getExpiration());
  claims.issuedAt = epoch(token.getIssuedAt());
  auto audiences = token.getAudience();
  if (claims.type != type || token.getIssuer() != issuer_ || audiences.size() != 1 || audiences[0] != audience)
    return std::nullopt;
  if (claims.subject.empty() || claims.id.empty() || claims.expiresAt <= now ||
      claims.issuedAt > now + kClockSkewSeconds)
    return std::nullopt;
  if (type != "cross_system" && claims.sessionId.empty()) return std::nullopt;
  claims.audience = audience;
  return claims;
}

} // namespace auth
