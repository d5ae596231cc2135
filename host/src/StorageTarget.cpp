#include "StorageTarget.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <cctype>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>

namespace orch::host::storage_detail {
namespace {

Target sqliteTarget(const std::string& filePath, const Storage::Options& options) {
  namespace fs = std::filesystem;
  const fs::path dataDir = options.dataDir.empty() ? fs::path(".") : fs::path(options.dataDir);
  const fs::path file = filePath.empty() ? dataDir / "orchestrator.db" : fs::path(filePath);
  std::error_code error;
  if (file.has_parent_path()) fs::create_directories(file.parent_path(), error);
  if (error) throw StorageError("cannot create " + file.parent_path().string() + ": " + error.message());
  return {makeSqliteDialect(options.busyTimeout), Poco::Data::SQLite::Connector::KEY, file.string(),
          "sqlite:" + file.string(), {}};
}

/// A value for the key=value string Poco hands to libpq. Poco splits that
/// string at spaces before libpq sees it, so no value may hold whitespace;
/// libpq itself reads a backslash as an escape and a leading quote as quoting.
std::string conninfoValue(const std::string& key, const std::string& value) {
  std::string escaped;
  for (const char c : value) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      throw StorageError("storage.url: the " + key + " contains whitespace, which Poco's PostgreSQL connector cannot pass on");
    }
    if (c == '\\' || c == '\'') escaped += '\\';
    escaped += c;
  }
  return key + "=" + escaped + " ";
}

Target postgresTarget(const Poco::URI& uri) {
  std::string user, password;
  const std::string& userInfo = uri.getUserInfo();
  const auto colon = userInfo.find(':');
  Poco::URI::decode(userInfo.substr(0, colon), user);
  if (colon != std::string::npos) Poco::URI::decode(userInfo.substr(colon + 1), password);
  const std::string database = uri.getPath().empty() ? std::string() : uri.getPath().substr(1);

  std::string description = uri.getScheme() + "://";
  if (!user.empty()) description += user + (password.empty() ? "" : ":***") + "@";
  description += uri.getHost() + (uri.getPort() ? ":" + std::to_string(uri.getPort()) : "") + uri.getPath();

  std::string conninfo;
  std::string secret = password;
  bool hasTimeout = false, hasName = false;
  for (const auto& [key, value] : uri.getQueryParameters()) {
    conninfo += conninfoValue(key, value);
    hasTimeout = hasTimeout || key == "connect_timeout";
    hasName = hasName || key == "application_name";
    if (key == "password") secret = value;
  }
  if (!uri.getHost().empty()) conninfo += conninfoValue("host", uri.getHost());
  if (uri.getPort()) conninfo += conninfoValue("port", std::to_string(uri.getPort()));
  if (!user.empty()) conninfo += conninfoValue("user", user);
  if (!password.empty()) conninfo += conninfoValue("password", password);
  if (!database.empty()) conninfo += conninfoValue("dbname", database);
  if (!hasTimeout) conninfo += "connect_timeout=10 ";
  if (!hasName) conninfo += "application_name=orchestrator ";
  return {makePostgresDialect(), Poco::Data::PostgreSQL::Connector::KEY, conninfo, description, secret};
}

} // namespace

Target resolveTarget(const Storage::Options& options) {
  if (options.url.empty()) return sqliteTarget({}, options);
  Poco::URI uri;
  try {
    uri = Poco::URI(options.url);
  } catch (const Poco::Exception&) {
    // Poco's message would quote the URL, password included.
    throw StorageError("storage.url is not a valid URL (expected sqlite: or postgresql://user:password@host:port/db)");
  }
  const std::string& scheme = uri.getScheme();
  if (scheme == "sqlite") return sqliteTarget(uri.getPath(), options);
  if (scheme == "postgresql" || scheme == "postgres") return postgresTarget(uri);
  throw StorageError("storage.url: unsupported scheme '" + scheme + "' (expected sqlite: or postgresql://)");
}

void registerConnectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::PostgreSQL::Connector::registerConnector();
  });
}

std::string withoutSecret(std::string message, const std::string& secret) {
  if (secret.empty()) return message;
  for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at)) {
    message.replace(at, secret.size(), "***");
  }
  return message;
}

} // namespace orch::host::storage_detail
