#pragma once

#include "orchestrator/host/Config.h"
#include "orchestrator/host/DeclaredSettings.h"
#include "orchestrator/host/EventBus.h"
#include "orchestrator/host/NamedRegistry.h"
#include "orchestrator/host/PluginCrashes.h"
#include "orchestrator/host/Scheduler.h"
#include "orchestrator/host/Storage.h"
#include "orchestrator/host/WebSocketHub.h"

#include <orchestrator/abi.h>

#include <functional>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace orch::host {

/// A workflow step type a plugin registered.
struct StepType {
  std::string plugin; ///< who registered it
  std::string description;
  nlohmann::json configSchema;
  orch_on_execute_step_fn onExecute = nullptr;
  void* userData = nullptr;
  bool pure = false; ///< ORCH_STEP_PURE
  bool hostOnly = false; ///< ORCH_STEP_HOST_ONLY
};

/// An agent-framework adapter a plugin registered.
struct FrameworkAdapter {
  std::string plugin; ///< who registered it
  orch_framework_adapter_descriptor descriptor{}; ///< its hooks; the name view is cleared
};

/// A named service a plugin exposes to the others.
struct Service {
  orch_on_service_call_fn onCall = nullptr;
  void* userData = nullptr;
};

/// The authenticator a plugin installed (at most one per host).
struct Authenticator {
  std::string owner;
  orch_on_authenticate_fn onAuthenticate = nullptr;
  void* userData = nullptr;
};

/// What the host shares with every plugin through the C function table.
struct HostContext {
  explicit HostContext(Config& config, unsigned jobWorkers) : config(config), settings(config), scheduler(jobWorkers) {}

  Config& config;
  DeclaredSettings settings; ///< what plugins declared (register_setting)
  std::unique_ptr<Storage> storage;
  EventBus events;
  Scheduler scheduler;
  NamedRegistry<std::shared_ptr<const StepType>> stepTypes; ///< shared: a lookup per step run copies no schema
  NamedRegistry<FrameworkAdapter> frameworkAdapters;
  NamedRegistry<Service> services;
  std::optional<Authenticator> authenticator;
  PluginCrashes crashes;
  std::unique_ptr<WebSocketHub> websockets; ///< from Server::start
  /// In a worker (`orchestrator worker`): answers a call to a service that no
  /// plugin here serves by asking the host it works for. Empty in a host.
  std::function<orch_status(const std::string& name, const std::string& method, const std::string& request,
                            std::string& result, std::string& error)>
      forwardService;
};

} // namespace orch::host
