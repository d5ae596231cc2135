#include "TokenService.h"

#include "TokenCrypto.h"

#include <orchestrator/time.hpp>

#include <Poco/Crypto/RSADigestEngine.h>
#include <Poco/Crypto/RSAKey.h>

#include <sodium.h>

#include <stdexcept>

namespace auth {
namespace {

constexpr std::int64_t kClockSkewSeconds = 30;
constexpr std::size_t kMaxTokenLength = 8192;

std::string base64Url(const void* data, std::size_t size) {
  std::string text(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), static_cast<const unsigned char*>(data), size,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.size() - 1); // the terminating NUL
  return text;
}

std::optional<std::string> fromBase64Url(std::string_view text) {
  std::string bytes(text.size(), '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(),
                        nullptr, &length, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != text.data() + text.size())
    return std::nullopt;
  bytes.resize(length);
  return bytes;
}

std::optional<nlohmann::json> jsonObject(std::string_view encoded) {
  auto text = fromBase64Url(encoded);
  if (!text) return std::nullopt;
  auto value = nlohmann::json::parse(*text, nullptr, false);
  if (value.is_discarded() || !value.is_object()) return std::nullopt;
  return value;
}

std::string stringClaim(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> timeClaim(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

} // namespace

TokenService::TokenService(const Settings& settings) : algorithm_(settings.algorithm), issuer_(settings.issuer) {
  if (algorithm_ == "HS256") {
    if (settings.secret.size() < 32) throw std::invalid_argument("auth.jwt_secret must be at least 32 bytes");
    secret_ = settings.secret;
  } else if (algorithm_ == "RS256") {
    if (settings.publicKeyFile.empty() || settings.privateKeyFile.empty())
      throw std::invalid_argument("RS256 needs auth.jwt_private_key_file and auth.jwt_public_key_file");
    rsaKey_ = std::make_shared<Poco::Crypto::RSAKey>(settings.publicKeyFile, settings.privateKeyFile, "");
  } else {
    throw std::invalid_argument("auth.jwt_algorithm must be HS256 or RS256, not '" + algorithm_ + "'");
  }
  auto header = nlohmann::json{{"alg", algorithm_}, {"typ", "JWT"}}.dump();
  header_ = base64Url(header.data(), header.size());
}

TokenService::~TokenService() = default;

std::string TokenService::signature(const std::string& input) const {
  if (rsaKey_) {
    Poco::Crypto::RSADigestEngine engine(*rsaKey_, "SHA256");
    engine.update(input);
    const auto& bytes = engine.signature();
    return base64Url(bytes.data(), bytes.size());
  }
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()), secret_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(input.data()), input.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return base64Url(mac, sizeof mac);
}

bool TokenService::signatureMatches(const std::string& input, const std::string& given) const {
  if (rsaKey_) {
    auto bytes = fromBase64Url(given);
    if (!bytes) return false;
    Poco::Crypto::RSADigestEngine engine(*rsaKey_, "SHA256");
    engine.update(input);
    return engine.verify(Poco::DigestEngine::Digest(bytes->begin(), bytes->end()));
  }
  return constantTimeEquals(signature(input), given);
}

std::string TokenService::sign(const TokenClaims& claims) const {
  nlohmann::json payload = claims.extra;
  payload["sub"] = claims.subject;
  payload["jti"] = claims.id;
  payload["typ"] = claims.type;
  payload["iss"] = issuer_;
  payload["aud"] = claims.audience;
  payload["iat"] = claims.issuedAt;
  payload["exp"] = claims.expiresAt;
  if (!claims.sessionId.empty()) payload["sid"] = claims.sessionId;
  auto text = payload.dump();
  auto input = header_ + "." + base64Url(text.data(), text.size());
  return input + "." + signature(input);
}

std::optional<TokenClaims> TokenService::verify(const std::string& token, const std::string& type,
                                                const std::string& audience) const {
  if (token.size() > kMaxTokenLength) return std::nullopt;
  auto firstDot = token.find('.');
  auto secondDot = firstDot == std::string::npos ? std::string::npos : token.find('.', firstDot + 1);
  if (secondDot == std::string::npos || token.find('.', secondDot + 1) != std::string::npos) return std::nullopt;
  // The algorithm is pinned: every token this service signs carries exactly
  // its own header, so any other header ("none", another algorithm, other
  // fields) is refused without being decoded.
  if (std::string_view(token).substr(0, firstDot) != header_) return std::nullopt;
  if (!signatureMatches(token.substr(0, secondDot), token.substr(secondDot + 1))) return std::nullopt;
  auto payload = jsonObject(std::string_view(token).substr(firstDot + 1, secondDot - firstDot - 1));
  if (!payload) return std::nullopt;

  TokenClaims claims;
  claims.subject = stringClaim(*payload, "sub");
  claims.id = stringClaim(*payload, "jti");
  claims.type = stringClaim(*payload, "typ");
  claims.sessionId = stringClaim(*payload, "sid");
  auto issuedAt = timeClaim(*payload, "iat"), expiresAt = timeClaim(*payload, "exp");
  auto now = orch::nowSeconds();
  if (!issuedAt || !expiresAt || *expiresAt <= now || *issuedAt > now + kClockSkewSeconds) return std::nullopt;
  if (claims.type != type || stringClaim(*payload, "iss") != issuer_ || stringClaim(*payload, "aud") != audience)
    return std::nullopt;
  if (claims.subject.empty() || claims.id.empty()) return std::nullopt;
  if (type != "cross_system" && claims.sessionId.empty()) return std::nullopt;
  claims.issuedAt = *issuedAt;
  claims.expiresAt = *expiresAt;
  claims.audience = audience;
  if (auto permissions = payload->find("permissions"); permissions != payload->end())
    claims.extra["permissions"] = *permissions;
  return claims;
}

} // namespace auth
