// The C function table handed to plugins. Every function here is a boundary:
// nothing may throw out of it, and every view is copied before it is kept.
#include "orchestrator/host/CrashGuard.h"
#include "orchestrator/host/PluginManager.h"
#include "orchestrator/host/Router.h"

#include <orchestrator/plugin.hpp>

#include <Poco/Logger.h>
#include "orchestrator/host/HttpRequestParser.h"

#include <memory>

namespace orch::host {
namespace {

using orch::detail::view;
using orch::detail::write;

std::string text(orch_str s) { return std::string(view(s)); }

template <typename Descriptor>
Descriptor copyDescriptor(const Descriptor* given) {
  // Older plugins hand shorter descriptors: missing fields read as zero.
  Descriptor copy{};
  std::memcpy(&copy, given, std::min(given->struct_size, sizeof(Descriptor)));
  return copy;
}

/// Checks the phase and copies a descriptor into `copy`; anything but ORCH_OK
/// (which is 0) refuses the registration.
template <typename Descriptor>
orch_status acceptRegistration(orch_host* host, const Descriptor* given, Descriptor& copy) {
  if (!host->plugin->initializing) return ORCH_WRONG_PHASE;
  if (!given || given->struct_size == 0) return ORCH_INVALID;
  copy = copyDescriptor(given);
  return ORCH_OK;
}

/// Adds a named entry for the calling plugin; a taken name refuses the plugin.
template <typename Entry>
orch_status addNamed(orch_host* host, NamedRegistry<Entry>& registry, const char* kind, const std::string& name,
                     Entry entry) {
  if (registry.add(name, host->plugin->name, std::move(entry))) return ORCH_OK;
  host->plugin->reason = std::string(kind) + " '" + name + "' is already registered";
  return ORCH_CONFLICT;
}

Poco::Logger& pluginLogger(const orch_host* host) { return Poco::Logger::get("plugin." + host->plugin->name); }

void sinkWrite(orch_sink* sink, const char* ptr, size_t len) {
  if (sink && len) sink->write(sink, ptr, len);
}

void log(orch_host* host, int32_t level, orch_str message) {
  auto& logger = pluginLogger(host);
  auto line = text(message);
  switch (level) {
  case ORCH_LOG_ERROR: logger.error(line); break;
  case ORCH_LOG_WARNING: logger.warning(line); break;
  case ORCH_LOG_DEBUG: logger.debug(line); break;
  default: logger.information(line);
  }
}

orch_status configGet(orch_host* host, orch_str key, orch_sink* value) {
  auto name = text(key);
  auto found = host->context->config.find(name);
  if (!found || found->empty()) {
    if (auto declared = host->context->settings.defaultOf(name)) found = declared;
  }
  if (!found) return ORCH_NOT_FOUND;
  write(value, *found);
  return ORCH_OK;
}

orch_status registerSetting(orch_host* host, const orch_setting_descriptor* given, orch_sink* error) {
  orch_setting_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  SettingDeclaration declaration{host->plugin->name,
                                 text(d.key),
                                 static_cast<SettingType>(d.type),
                                 text(d.default_value),
                                 text(d.description),
                                 {text(d.minimum), text(d.maximum), text(d.choices), d.flags}};
  auto key = declaration.key;
  if (auto refusal = host->context->settings.declare(std::move(declaration))) {
    write(error, *refusal);
    bool taken = refusal->find("already declared") != std::string::npos;
    if (taken) host->plugin->reason = *refusal;
    return taken ? ORCH_CONFLICT : ORCH_INVALID;
  }
  return ORCH_OK;
}

/// Validates a plugin's route and keeps it: the checks every kind of route shares.
orch_status addRoute(orch_host* host, std::shared_ptr<Route> route, orch_str openapiJson) {
  route->owner = host->plugin->name;
  route->exactPath = route->flags & ORCH_ROUTE_EXACT_PATH;
  route->reachableAtRoot = route->exactPath || (route->flags & ORCH_ROUTE_AT_ROOT);
  try {
    Router::validate(route->method, route->pathTemplate);
  } catch (const RouteError& e) {
    pluginLogger(host).error("route refused: %s", std::string(e.what()));
    return ORCH_INVALID;
  }
  if (openapiJson.len) {
    route->openapi = nlohmann::json::parse(view(openapiJson), nullptr, false);
    if (route->openapi.is_discarded() || !route->openapi.is_object()) return ORCH_INVALID;
  }
  if (host->manager->routeClaimed(route->method, route->pathTemplate)) {
    host->plugin->reason = "route " + route->method + " " + route->pathTemplate + " is already registered";
    return ORCH_CONFLICT;
  }
  host->plugin->routes.push_back(std::move(route));
  return ORCH_OK;
}

orch_status registerRoute(orch_host* host, const orch_route_descriptor* given) {
  orch_route_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (!d.on_request) return ORCH_INVALID;
  auto route = std::make_shared<Route>();
  route->method = text(d.method);
  route->pathTemplate = text(d.path_template);
  route->permission = text(d.permission);
  route->category = d.category.len ? text(d.category) : "default";
  route->summary = text(d.summary);
  route->flags = d.flags;
  auto onRequest = d.on_request;
  auto userData = d.user_data;
  route->handler = [onRequest, userData](const orch_request& request, HostResponse& response, std::string& error) {
    orch::detail::StringSink message;
    auto status = onRequest(userData, &request, &response, message.get());
    if (status != ORCH_OK) error = message.text;
    return status;
  };
  return addRoute(host, std::move(route), d.openapi_json);
}

orch_status registerWebSocketRoute(orch_host* host, const orch_websocket_route_descriptor* given) {
  orch_websocket_route_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (!d.on_open) return ORCH_INVALID;
  auto route = std::make_shared<Route>();
  route->method = "GET";
  route->pathTemplate = text(d.path_template);
  route->permission = text(d.permission);
  route->category = "websocket";
  route->summary = text(d.summary);
  route->flags = d.flags & (ORCH_ROUTE_AT_ROOT | ORCH_ROUTE_EXACT_PATH);
  auto hooks = std::make_shared<WebSocketRoute>();
  hooks->onOpen = d.on_open;
  hooks->onMessage = d.on_message;
  hooks->onClose = d.on_close;
  hooks->userData = d.user_data;
  hooks->firstMessageAuth = d.flags & ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH;
  route->websocket = std::move(hooks);
  return addRoute(host, std::move(route), {});
}

orch_status websocketSend(orch_host* host, uint64_t connection, orch_str message) {
  auto& hub = host->context->websockets;
  return hub ? hub->send(connection, view(message)) : ORCH_NOT_FOUND;
}

void websocketClose(orch_host* host, uint64_t connection, int32_t code, orch_str reason) {
  if (auto& hub = host->context->websockets) hub->close(connection, code, view(reason));
}

orch_status registerStepType(orch_host* host, const orch_step_type_descriptor* given) {
  orch_step_type_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (!d.on_execute || d.name.len == 0) return ORCH_INVALID;
  StepType stepType{host->plugin->name, text(d.description), nlohmann::json::object(), d.on_execute, d.user_data,
                    (d.flags & ORCH_STEP_PURE) != 0, (d.flags & ORCH_STEP_HOST_ONLY) != 0};
  if (d.config_schema_json.len) {
    stepType.configSchema = nlohmann::json::parse(view(d.config_schema_json), nullptr, false);
    if (stepType.configSchema.is_discarded()) return ORCH_INVALID;
  }
  return addNamed(host, host->context->stepTypes, "step type", text(d.name),
                  std::make_shared<const StepType>(std::move(stepType)));
}

orch_status registerFrameworkAdapter(orch_host* host, const orch_framework_adapter_descriptor* given) {
  orch_framework_adapter_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (!d.on_validate || !d.on_compile || d.framework.len == 0) return ORCH_INVALID;
  auto name = text(d.framework);
  // Views die with the call: keep only the function pointers.
  d.framework = {};
  return addNamed(host, host->context->frameworkAdapters, "framework adapter", name,
                  FrameworkAdapter{host->plugin->name, d});
}

orch_status setAuthenticator(orch_host* host, const orch_authenticator_descriptor* given) {
  orch_authenticator_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (!d.on_authenticate) return ORCH_INVALID;
  auto& current = host->context->authenticator;
  if (current && current->owner != host->plugin->name) {
    host->plugin->reason = "an authenticator is already installed by plugin '" + current->owner + "'";
    return ORCH_CONFLICT;
  }
  current = Authenticator{host->plugin->name, d.on_authenticate, d.user_data};
  return ORCH_OK;
}

orch_status registerMigration(orch_host* host, const orch_migration_descriptor* given) {
  orch_migration_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (d.version <= 0 || d.sql.len == 0) return ORCH_INVALID;
  for (const auto& existing : host->plugin->migrations)
    if (existing.version == d.version) return ORCH_CONFLICT;
  host->plugin->migrations.push_back(
      Migration{host->plugin->name, d.version, text(d.description), text(d.sql), text(d.sql_postgresql)});
  return ORCH_OK;
}

/// Runs a storage call, turning exceptions into a status and a message.
template <typename Work>
orch_status withStorage(orch_host* host, orch_sink* error, Work&& work) {
  if (!host->context->storage) {
    write(error, "storage is not open yet");
    return ORCH_WRONG_PHASE;
  }
  try {
    work(*host->context->storage);
    return ORCH_OK;
  } catch (const nlohmann::json::exception& e) {
    write(error, std::string("invalid parameters: ") + e.what());
    return ORCH_INVALID;
  } catch (const std::exception& e) {
    write(error, e.what());
    return ORCH_ERROR;
  }
}

nlohmann::json parseParams(orch_str params) {
  return params.len ? nlohmann::json::parse(view(params)) : nlohmann::json::array();
}

StorageTransaction* transactionOf(orch_txn* txn);

orch_status sqlQuery(orch_host* host, orch_txn* txn, orch_str sql, orch_str params, orch_sink* rows, orch_sink* error) {
  return withStorage(host, error, [&](Storage& storage) {
    write(rows, storage.query(text(sql), parseParams(params), transactionOf(txn)).dump());
  });
}

orch_status sqlExecute(orch_host* host, orch_txn* txn, orch_str sql, orch_str params, orch_sink* result,
                       orch_sink* error) {
  return withStorage(host, error, [&](Storage& storage) {
    auto affected = storage.execute(text(sql), parseParams(params), transactionOf(txn));
    write(result, nlohmann::json{{"affected_rows", affected}}.dump());
  });
}

} // namespace
} // namespace orch::host

/// The host's side of an open transaction handle.
struct orch_txn {
  std::unique_ptr<orch::host::StorageTransaction> transaction;
};

namespace orch::host {
namespace {

StorageTransaction* transactionOf(orch_txn* txn) { return txn ? txn->transaction.get() : nullptr; }

orch_status sqlBegin(orch_host* host, orch_txn** txn, orch_sink* error) {
  if (!txn) return ORCH_INVALID;
  return withStorage(host, error, [&](Storage& storage) { *txn = new orch_txn{storage.begin()}; });
}

orch_status sqlCommit(orch_host* host, orch_txn* txn, orch_sink* error) {
  std::unique_ptr<orch_txn> owned(txn);
  if (!owned) return ORCH_INVALID;
  return withStorage(host, error, [&](Storage&) { owned->transaction->commit(); });
}

orch_status sqlRollback(orch_host* host, orch_txn* txn) {
  std::unique_ptr<orch_txn> owned(txn);
  if (!owned) return ORCH_INVALID;
  return withStorage(host, nullptr, [&](Storage&) { owned->transaction->rollback(); });
}

void sqlBackend(orch_host* host, orch_sink* name) {
  if (host->context->storage) write(name, host->context->storage->backendName());
}

void eventPublish(orch_host* host, orch_str topic, orch_str payload) {
  host->context->events.publish(text(topic), text(payload));
}

uint64_t eventSubscribeWithFlags(orch_host* host, orch_str pattern, uint32_t flags, orch_on_event_fn onEvent,
                            void* userData) {
  if (!onEvent || pattern.len == 0 || (flags & ~ORCH_EVENT_FROM_ALL_HOSTS)) return 0;
  return host->context->events.subscribe(
      text(pattern), host->plugin->name,
      [onEvent, userData](const std::string& topic, const std::string& payload) {
        onEvent(userData, view(topic), view(payload));
      },
      (flags & ORCH_EVENT_FROM_ALL_HOSTS) != 0);
}

uint64_t eventSubscribe(orch_host* host, orch_str pattern, orch_on_event_fn onEvent, void* userData) {
  return eventSubscribeWithFlags(host, pattern, 0, onEvent, userData);
}

void eventUnsubscribe(orch_host* host, uint64_t id) { host->context->events.unsubscribe(id); }

orch_status registerService(orch_host* host, const orch_service_descriptor* given) {
  orch_service_descriptor d;
  if (auto refused = acceptRegistration(host, given, d)) return refused;
  if (!d.on_call || d.name.len == 0) return ORCH_INVALID;
  return addNamed(host, host->context->services, "service", text(d.name), Service{d.on_call, d.user_data});
}

orch_status serviceCall(orch_host* host, orch_str name, orch_str method, orch_str request, orch_sink* result,
                        orch_sink* error) {
  auto service = host->context->services.find(text(name));
  if (!service && host->context->forwardService) {
    std::string answer, problem;
    auto status = host->context->forwardService(text(name), text(method), text(request), answer, problem);
    write(status == ORCH_OK ? result : error, status == ORCH_OK ? answer : problem);
    return status;
  }
  if (!service) {
    write(error, "no plugin serves '" + text(name) + "'");
    return ORCH_NOT_FOUND;
  }
  return service->onCall(service->userData, method, request, result, error);
}

orch_status jobSubmit(orch_host* host, orch_on_job_fn onJob, void* userData) {
  if (!onJob) return ORCH_INVALID;
  host->context->scheduler.submit(host->plugin->name, [onJob, userData] { onJob(userData); });
  return ORCH_OK;
}

uint64_t timerStart(orch_host* host, uint64_t delayMs, uint64_t intervalMs, orch_on_job_fn onJob, void* userData) {
  if (!onJob) return 0;
  return host->context->scheduler.startTimer(host->plugin->name, std::chrono::milliseconds(delayMs),
                                             std::chrono::milliseconds(intervalMs),
                                             [onJob, userData] { onJob(userData); });
}

void timerCancel(orch_host* host, uint64_t id) { host->context->scheduler.cancelTimer(id); }

orch_status requestHeader(const void* source, orch_str name, orch_sink* value) {
  const auto* request = static_cast<const orch::host::ParsedRequest*>(source);
  if (!request) return ORCH_NOT_FOUND;
  const auto* found = request->header(text(name));
  if (!found) return ORCH_NOT_FOUND;
  write(value, *found);
  return ORCH_OK;
}

void responseSetStatus(orch_response* response, int32_t status) {
  if (status >= 100 && status <= 599) response->status = status;
}

void responseSetHeader(orch_response* response, orch_str name, orch_str value) {
  auto key = text(name), val = text(value);
  // Header injection: a name or value with CR or LF is dropped.
  if (key.find_first_of("\r\n:") != std::string::npos || val.find_first_of("\r\n") != std::string::npos) return;
  if (Poco::icompare(key, "Content-Type") == 0) {
    response->contentType = val;
    return;
  }
  response->headers.emplace_back(std::move(key), std::move(val));
}

void responseWrite(orch_response* response, const char* ptr, size_t len) {
  if (len && !response->streamed) response->body.append(ptr, len);
}

orch_status responseStream(orch_response* response, const char* ptr, size_t len) {
  if (!response->stream) return ORCH_ERROR;
  return response->stream(std::string_view(ptr, ptr ? len : 0)) ? ORCH_OK : ORCH_ERROR;
}

void responseError(orch_response* response, int32_t status, orch_str code, orch_str message, orch_str details) {
  if (response->streamed) return;
  response->setError(status >= 400 && status <= 599 ? status : 500, view(code), view(message), view(details));
}

nlohmann::json describe(const std::string& name, const StepType& stepType) {
  return {{"name", name},           {"description", stepType.description}, {"config_schema", stepType.configSchema},
          {"plugin", stepType.plugin}, {"pure", stepType.pure},
          {"host_only", stepType.hostOnly}};
}

orch_status stepTypeDescribe(orch_host* host, orch_str name, orch_sink* description) {
  auto stepType = host->context->stepTypes.find(text(name));
  if (!stepType) return ORCH_NOT_FOUND;
  write(description, describe(text(name), **stepType).dump());
  return ORCH_OK;
}

void stepTypesList(orch_host* host, orch_sink* list) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& name : host->context->stepTypes.names())
    if (auto stepType = host->context->stepTypes.find(name)) all.push_back(describe(name, **stepType));
  write(list, all.dump());
}

/// Runs one call into `plugin` under the crash guard. A plugin that crashed
/// before is not called again until the host restarts; one that crashes now
/// is recorded as crashed (GET /plugins, health) and the call fails with the
/// signal's name. `what` says which call, for the log and the message.
template <typename Call>
orch_status callPlugin(HostContext& context, const std::string& plugin, const std::string& what, orch_sink* error,
                       Call&& call) {
  auto& crashes = context.crashes;
  if (auto crash = crashes.of(plugin)) {
    write(error, what + " is off until the host restarts: its plugin '" + plugin + "' crashed (" + *crash + ")");
    return ORCH_ERROR;
  }
  orch_status status = ORCH_ERROR;
  auto guarded = [&] { status = call(); };
  if (int signal = CrashGuard::run(guarded)) {
    auto where = CrashGuard::signalName(signal) + " in " + what;
    crashes.record(plugin, where);
    Poco::Logger::get("plugins").error("plugin %s crashed: %s; it is off until the host restarts", plugin, where);
    write(error, what + " crashed (" + CrashGuard::signalName(signal) + "); its plugin '" + plugin +
                     "' is off until the host restarts");
    return ORCH_ERROR;
  }
  return status;
}

orch_status stepTypeExecute(orch_host* host, orch_str name, const orch_step_context* context, orch_sink* output,
                            orch_sink* error) {
  if (!context) return ORCH_INVALID;
  return executeStepType(*host->context, text(name), *context, output, error);
}

void frameworkAdaptersList(orch_host* host, orch_sink* list) {
  auto& adapters = host->context->frameworkAdapters;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& name : adapters.names())
    if (auto adapter = adapters.find(name))
      all.push_back({{"framework", name},
                     {"plugin", adapter->plugin},
                     {"exports", adapter->descriptor.on_export != nullptr}});
  write(list, all.dump());
}

orch_status frameworkValidate(orch_host* host, orch_str framework, orch_str definition, orch_sink* problem) {
  auto adapter = host->context->frameworkAdapters.find(text(framework));
  if (!adapter) {
    write(problem, nlohmann::json{{"field", "framework"},
                                  {"issue", "no plugin registered the framework '" + text(framework) + "'"}}
                       .dump());
    return ORCH_NOT_FOUND;
  }
  orch::detail::StringSink found, error;
  auto status = callPlugin(*host->context, adapter->plugin, "framework adapter '" + text(framework) + "'", error.get(), [&] {
    return adapter->descriptor.on_validate(adapter->descriptor.user_data, definition, found.get());
  });
  // A crash leaves a message, not a problem: turn it into one.
  write(problem, found.text.empty() && !error.text.empty()
                     ? nlohmann::json{{"field", ""}, {"issue", error.text}}.dump()
                     : found.text);
  return status;
}

/// compile and export share everything but the hook.
orch_status frameworkCall(orch_host* host, orch_str framework, orch_str input, orch_sink* output, orch_sink* error, bool exporting) {
  auto adapter = host->context->frameworkAdapters.find(text(framework));
  auto hook = !adapter ? nullptr : exporting ? adapter->descriptor.on_export : adapter->descriptor.on_compile;
  if (!hook) {
    write(error, !adapter ? "no plugin registered the framework '" + text(framework) + "'"
                          : "the framework adapter '" + text(framework) + "' cannot export");
    return ORCH_NOT_FOUND;
  }
  orch::detail::StringSink message, refusal;
  auto status = callPlugin(*host->context, adapter->plugin, "framework adapter '" + text(framework) + "'", refusal.get(), [&] {
    return hook(adapter->descriptor.user_data, input, output, message.get());
  });
  write(error, refusal.text.empty() ? message.text : refusal.text);
  return status;
}

orch_status frameworkCompile(orch_host* host, orch_str framework, orch_str definition, orch_sink* graph,
                             orch_sink* error) {
  return frameworkCall(host, framework, definition, graph, error, false);
}

orch_status frameworkExport(orch_host* host, orch_str framework, orch_str graph, orch_sink* definition,
                            orch_sink* error) {
  return frameworkCall(host, framework, graph, definition, error, true);
}

} // namespace

orch_status executeStepType(HostContext& host, const std::string& name, const orch_step_context& context,
                            orch_sink* output, orch_sink* error) {
  auto found = host.stepTypes.find(name);
  if (!found) {
    write(error, "no plugin registered the step type '" + name + "'");
    return ORCH_NOT_FOUND;
  }
  const StepType& stepType = **found;
  orch_step_context copy{};
  std::memcpy(&copy, &context, std::min(context.struct_size, sizeof copy));
  copy.struct_size = sizeof copy;
  // The step's message goes through a sink of our own, so a crash halfway
  // through writing it leaves no fragment in the caller's.
  orch::detail::StringSink message;
  auto what = "step type '" + name + "' (execution " + text(copy.execution_id) + ", step " + text(copy.step_id) + ")";
  orch::detail::StringSink refusal;
  auto status = callPlugin(host, stepType.plugin, what, refusal.get(), [&] {
    return stepType.onExecute(stepType.userData, &copy, output, message.get());
  });
  write(error, refusal.text.empty() ? message.text : refusal.text);
  return status;
}

const orch_host_api& hostApi() {
  static const orch_host_api api = {
      sizeof(orch_host_api),
      ORCH_ABI_MAJOR,
      ORCH_ABI_MINOR,
      &sinkWrite,
      &log,
      &configGet,
      &registerRoute,
      &registerStepType,
      &registerFrameworkAdapter,
      &setAuthenticator,
      &registerMigration,
      &sqlQuery,
      &sqlExecute,
      &sqlBegin,
      &sqlCommit,
      &sqlRollback,
      &sqlBackend,
      &eventPublish,
      &eventSubscribe,
      &eventUnsubscribe,
      &registerService,
      &serviceCall,
      &jobSubmit,
      &timerStart,
      &timerCancel,
      &requestHeader,
      &responseSetStatus,
      &responseSetHeader,
      &responseWrite,
      &responseError,
      &stepTypeDescribe,
      &stepTypesList,
      &stepTypeExecute,
      &responseStream,
      &registerWebSocketRoute,
      &websocketSend,
      &websocketClose,
      &eventSubscribeWithFlags,
      &registerSetting,
      &frameworkAdaptersList,
      &frameworkValidate,
      &frameworkCompile,
      &frameworkExport,
  };
  return api;
}

std::unique_ptr<orch_host> makeHostHandle(PluginRecord& record, HostContext& context, PluginManager& manager) {
  return std::make_unique<orch_host>(orch_host{&record, &context, &manager});
}

} // namespace orch::host
