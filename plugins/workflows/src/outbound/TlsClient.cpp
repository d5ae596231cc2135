#include "outbound/TlsClient.h"

#include <map>
#include <mutex>

namespace workflows {

Poco::Net::Context::Ptr tlsClientContext(const std::string& caFile) {
  static std::mutex mutex;
  static std::map<std::string, Poco::Net::Context::Ptr> contexts;
  std::lock_guard lock(mutex);
  auto& context = contexts[caFile];
  if (!context) {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", caFile,
                                     Poco::Net::Context::VERIFY_RELAXED, 9, true);
  }
  return context;
}

} // namespace workflows
