#pragma once

// Where Storage's data lives (StorageTarget.cpp), private to the host.

#include "StorageDialect.h"

#include <memory>
#include <string>

namespace orch::host::storage_detail {

/// Where the data lives, as the Poco connector and a reader of messages see it.
struct Target {
  std::unique_ptr<Dialect> dialect;
  std::string connector;
  std::string connectionString;
  std::string description; ///< for messages: the file, or the URL without password
  std::string secret;      ///< never to appear in a message
};

/// The target `options.url` names: SQLite (`orchestrator.db` in the data
/// directory when the URL is empty) or PostgreSQL. Throws StorageError.
Target resolveTarget(const Storage::Options& options);

/// Registers Poco's SQLite and PostgreSQL connectors, once per process.
void registerConnectors();

/// The message with every occurrence of `secret` replaced by "***".
std::string withoutSecret(std::string message, const std::string& secret);

} // namespace orch::host::storage_detail
