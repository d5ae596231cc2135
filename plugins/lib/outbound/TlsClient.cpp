#include "outbound/TlsClient.h"

#include <Poco/Net/SSLManager.h>

#include <map>
#include <mutex>

namespace outbound {

Poco::Net::Context::Ptr tlsClientContext(const std::string& caFile) {
  static std::mutex mutex;
  static std::map<std::string, Poco::Net::Context::Ptr> contexts;
  std::lock_guard lock(mutex);
  auto& context = contexts[caFile];
  if (!context) {
    static bool initialized = (Poco::Net::initializeSSL(), true);
    (void)initialized;
    // Certificates are verified against the system's CAs (and the configured
    // file): a key or a payload must never go to whoever answers.
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", caFile,
                                     Poco::Net::Context::VERIFY_RELAXED, 9, true);
  }
  return context;
}

} // namespace outbound
