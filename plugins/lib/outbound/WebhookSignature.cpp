#include "outbound/WebhookSignature.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <random>
#include <sstream>

namespace outbound::webhook_signature {
namespace {

/// Poco's HMACEngine wants its hash engine default-constructible with a block size.
class Sha256Engine : public Poco::SHA2Engine {
public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256Engine() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

std::string keyOf(const std::string& secret) {
  if (secret.rfind("whsec_", 0) != 0) return secret;
  std::istringstream encoded(secret.substr(6));
  Poco::Base64Decoder decoder(encoded);
  return std::string(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
}

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

} // namespace

std::string newSecret() {
  std::random_device random;
  std::string bytes(32, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random());
  return "whsec_" + base64(bytes);
}

std::string sign(const std::string& secret, const std::string& id, std::int64_t timestamp, const std::string& body) {
  Poco::HMACEngine<Sha256Engine> hmac(keyOf(secret));
  hmac.update(id + "." + std::to_string(timestamp) + "." + body);
  const auto& digest = hmac.digest();
  return "v1," + base64(std::string(digest.begin(), digest.end()));
}

std::vector<std::pair<std::string, std::string>> headers(const std::string& secret, const std::string& id,
                                                         std::int64_t timestamp, const std::string& body) {
  return {{"webhook-id", id}, {"webhook-timestamp", std::to_string(timestamp)}, {"webhook-signature", sign(secret, id, timestamp, body)}};
}

} // namespace outbound::webhook_signature
