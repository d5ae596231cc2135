#pragma once

#include "orchestrator/host/HostContext.h"
#include "orchestrator/host/Route.h"

#include <orchestrator/abi.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

struct orch_host;

namespace orch::host {

/// A plugin named in `plugins.required` was refused: the host must not start.
class RequiredPluginError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One plugin file and what became of it.
struct PluginRecord {
  enum class State { Loaded, Refused, Disabled };

  std::string name;
  std::string file;
  std::string version;
  std::string description;
  std::uint32_t abiMajor = 0, abiMinor = 0;
  State state = State::Refused;
  std::string reason; ///< why it was refused or disabled

  std::vector<std::shared_ptr<Route>> routes; ///< staged until the plugin is accepted
  std::vector<Migration> migrations;
  bool initializing = false; ///< registrations are allowed only while true

  struct Runtime;
  std::shared_ptr<Runtime> runtime; ///< the library, descriptor and state

  nlohmann::json toJson(const HostContext& context) const;
  static const char* stateName(State state);
};

/// Finds plugin files, loads them with Boost.DLL, negotiates the ABI, runs
/// their lifecycle, and remembers why any was refused. A refused plugin costs
/// one log line naming the file and the reason; the host serves the rest.
class PluginManager {
public:
  explicit PluginManager(HostContext& context);
  ~PluginManager();

  /// Loads every enabled `*.so` in `directory` (sorted) and runs on_init.
  /// Throws ConfigError when a configured value does not fit a setting a
  /// plugin declared, and RequiredPluginError when a plugin of
  /// `plugins.required` is missing or refused.
  void loadAll(const std::string& directory);
  /// Plugins not to load whatever the configuration says, and why (a
  /// worker leaves out the ones whose services it asks its host for).
  void keepOut(std::set<std::string> names, std::string why) {
    keptOut_ = std::move(names);
    keptOutWhy_ = std::move(why);
  }
  /// Loads one file (tests use it directly).
  PluginRecord& load(const std::string& file);
  /// Applies every loaded plugin's migrations.
  std::size_t applyMigrations();
  /// Calls on_start of each loaded plugin; a failure refuses that plugin.
  void startAll();
  /// Stops timers and subscriptions, then calls on_shutdown, newest first.
  void shutdownAll();

  /// Routes of the plugins that are loaded.
  std::vector<std::shared_ptr<Route>> acceptedRoutes() const;
  const std::vector<std::unique_ptr<PluginRecord>>& records() const { return records_; }
  std::size_t loadedCount() const;

  /// Whether `method` + template is taken by a loaded or loading plugin.
  bool routeClaimed(const std::string& method, const std::string& pathTemplate) const;

private:
  void refuse(PluginRecord& record, const std::string& reason);
  void checkRequired() const;
  bool enabled(const std::string& name, std::string& why) const;

  HostContext& context_;
  std::vector<std::unique_ptr<PluginRecord>> records_;
  std::set<std::string> keptOut_;
  std::string keptOutWhy_;
};

/// The C function table every plugin receives.
const orch_host_api& hostApi();

/// Runs a registered step type, as step_type_execute does for a plugin,
/// under the crash guard (a worker runs the steps it claims so).
orch_status executeStepType(HostContext& host, const std::string& name, const orch_step_context& context,
                            orch_sink* output, orch_sink* error);

/// Creates the per-plugin handle the table's functions receive.
std::unique_ptr<orch_host> makeHostHandle(PluginRecord& record, HostContext& context, PluginManager& manager);

} // namespace orch::host

/// The host's side of the opaque per-plugin handle.
struct orch_host {
  orch::host::PluginRecord* plugin;
  orch::host::HostContext* context;
  orch::host::PluginManager* manager;
};
