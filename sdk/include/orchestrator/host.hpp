// The host's function table and this plugin's handle, with C++ signatures.
#pragma once

#include "boundary.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace orch {

/// The host as a plugin holds it: the opaque handle and the table of
/// functions (abi.h). A plugin built for ABI 1.N runs only on hosts of minor
/// N or newer (the host refuses it otherwise), so every entry of the table
/// this SDK knows is there.
class Host {
public:
  Host(orch_host* host, const orch_host_api* api) : host_(host), api_(api) {}

  orch_host* raw() const { return host_; }
  const orch_host_api& api() const { return *api_; }

  void log(int level, std::string_view message) const { api_->log(host_, level, detail::view(message)); }

  /// The configuration value of `key`, after environment and command-line
  /// overrides; for a declared setting (orchestrator/settings.hpp) its
  /// default when unset.
  std::optional<std::string> config(std::string_view key) const {
    detail::StringSink value;
    if (api_->config_get(host_, detail::view(key), value.get()) != ORCH_OK) return std::nullopt;
    return std::move(value.text);
  }

  /// Checks a status and turns a failure into an exception carrying the message.
  static void check(orch_status status, detail::StringSink& error, std::string_view what) {
    if (status == ORCH_OK) return;
    throw std::runtime_error(std::string(what) + ": " +
                             (error.text.empty() ? "status " + std::to_string(status) : error.text));
  }

private:
  orch_host* host_;
  const orch_host_api* api_;
};

} // namespace orch
