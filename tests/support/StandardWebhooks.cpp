#include "StandardWebhooks.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <sstream>

namespace orch::test {
namespace {

class Sha256 : public Poco::SHA2Engine {
public:
  enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
  Sha256() : Poco::SHA2Engine(SHA_256) {}
};

} // namespace

std::string standardWebhookSignature(const std::string& secret, const std::string& id, const std::string& timestamp,
                                     const std::string& body) {
  std::istringstream encoded(secret.rfind("whsec_", 0) == 0 ? secret.substr(6) : secret);
  Poco::Base64Decoder decoder(encoded);
  std::string key((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  Poco::HMACEngine<Sha256> hmac(key);
  hmac.update(id + "." + timestamp + "." + body);
  const auto& digest = hmac.digest();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << std::string(digest.begin(), digest.end());
  encoder.close();
  return "v1," + out.str();
}

} // namespace orch::test
