#include "steps/StepCredentials.h"

#include <Poco/Base64Encoder.h>

#include <sstream>

namespace workflows::steps {

namespace credentials = orch::services::credentials;

credentials::Credential resolveCredential(const orch::Plugin& plugin, const orch::StepContext& step) {
  return credentials::resolve(plugin, {step.config.value("credential_id", std::string()), step.principal,
                                       step.config.value("credential_name", std::string())});
}

std::vector<std::pair<std::string, std::string>> httpLogin(const credentials::Credential& credential) {
  const auto& type = credential.type;
  const auto& data = credential.data;
  if (type == "bearer") return {{"Authorization", "Bearer " + data.value("token", std::string())}};
  if (type == "basic") {
    std::ostringstream encoded;
    Poco::Base64Encoder encoder(encoded);
    encoder.rdbuf()->setLineLength(0);
    encoder << data.value("username", std::string()) << ':' << data.value("password", std::string());
    encoder.close();
    return {{"Authorization", "Basic " + encoded.str()}};
  }
  if (type == "api_key") return {{data.value("header", std::string("X-API-Key")), data.value("key", std::string())}};
  throw std::runtime_error("credential '" + credential.name + "' is a " + type +
                           " credential; an HTTP call logs in with a bearer, basic or api_key one");
}

} // namespace workflows::steps
