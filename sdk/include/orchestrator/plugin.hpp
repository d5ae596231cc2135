// The C++ wrapper over abi.h for plugin authors: one include for everything.
//
//   #include <orchestrator/plugin.hpp>
//
//   static void init(orch::Plugin& plugin) {
//     plugin.route("GET", "/hello/{name}", [](orch::Request& req, orch::Response& res) {
//       res.json({{"hello", req.param("name")}});
//     }, {.permission = "hello:read"});
//   }
//   ORCH_PLUGIN("hello", "1.0.0", "Says hello", init)
//
// By subject: http.hpp (requests, responses, HttpError), fields.hpp (body
// fields), database.hpp (SQL), pagination.hpp, permissions.hpp,
// tenancy.hpp (who sees what), time.hpp and ids.hpp, settings.hpp (declared
// settings), steps.hpp (step types), frameworks.hpp (framework adapters),
// embedded.hpp (migrations and data files), services/ (the services plugins
// share, typed).
//
// Everything the wrapper registers is kept alive by the orch::Plugin object
// the host owns (through plugin_state) until on_shutdown. Every thunk below
// catches every exception, so none ever crosses into the host: an
// orch::HttpError thrown by a route handler becomes the standard error
// envelope; anything else becomes a 500 whose details are only logged.
#pragma once

#include "abi.h"
#include "boundary.hpp"
#include "database.hpp"
#include "embedded.hpp"
#include "fields.hpp"
#include "frameworks.hpp"
#include "host.hpp"
#include "http.hpp"
#include "ids.hpp"
#include "pagination.hpp"
#include "permissions.hpp"
#include "settings.hpp"
#include "steps.hpp"
#include "time.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace orch {

/// What the authenticator is given.
struct AuthRequest {
  std::string_view authorization, apiKey, queryToken, clientIp, path;
};
/// What it answers: a principal, no credentials, or a refusal with a reason.
struct AuthResult {
  enum class Kind { Authenticated, NoCredentials, Denied } kind = Kind::NoCredentials;
  json principal;
  std::string message;
  static AuthResult authenticated(json p) { return {Kind::Authenticated, std::move(p), {}}; }
  static AuthResult none() { return {}; }
  static AuthResult denied(std::string why) { return {Kind::Denied, nullptr, std::move(why)}; }
};

/// A WebSocket route's hooks. `open` throws to refuse the client: the
/// exception's message is the reason it is given.
struct WebSocketHandlers {
  std::function<void(std::uint64_t connection, Request& request)> open;
  std::function<void(std::uint64_t connection, std::string_view text)> message; ///< may be empty
  std::function<void(std::uint64_t connection)> close;                         ///< may be empty
};

using ServiceHandler = std::function<json(const std::string& method, const json& request)>;
using EventHandler = std::function<void(const std::string& topic, const json& payload)>;
/// An event as the host carries it: the payload's JSON text, not yet parsed.
using UnparsedEventHandler = std::function<void(const std::string& topic, std::string_view payload)>;
/// Which hosts' events a subscription receives.
enum class EventScope { ThisHost, AllHosts };
using Job = std::function<void()>;

/// The plugin as its init function sees it: registers everything and gives
/// access to the host's services. Owned by the host (as plugin_state).
class Plugin {
public:
  Plugin(orch_host* host, const orch_host_api* api) : host_(host, api), db_(host_) {}
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const Host& host() const { return host_; }
  const Database& db() const { return db_; }

  // ---- settings

  /// A configuration value by its full key; for a declared setting its
  /// default when unset. Prefer declaring settings and reading them once.
  std::optional<std::string> config(std::string_view key) const { return host_.config(key); }
  std::string config(std::string_view key, std::string fallback) const {
    return host_.config(key).value_or(std::move(fallback));
  }

  /// Declares every setting of `map` (only in init) and reads them into an S:
  /// a member keeps its initial value when its setting is unset and has no
  /// default. Throws, naming every key whose configured value does not fit;
  /// the host then refuses to start.
  template <typename S>
  S settings(const SettingsMap<S>& map) const {
    S values{};
    std::string problems;
    for (const auto& setting : map) {
      orch_setting_descriptor d{};
      d.struct_size = sizeof d;
      d.key = detail::view(setting.key);
      d.type = static_cast<std::int32_t>(setting.type);
      d.default_value = detail::view(setting.defaultValue);
      d.description = detail::view(setting.description);
      d.minimum = detail::view(setting.rules.minimum);
      d.maximum = detail::view(setting.rules.maximum);
      d.choices = detail::view(setting.rules.choices);
      d.flags = setting.rules.flags;
      detail::StringSink error;
      if (host_.api().register_setting(host_.raw(), &d, error.get()) != ORCH_OK) {
        problems += (problems.empty() ? "" : "; ") + (error.text.empty() ? "setting " + setting.key : error.text);
        continue;
      }
      if (!setting.assign) continue;
      if (auto text = host_.config(setting.key); text && !text->empty()) setting.assign(values, *text);
    }
    if (!problems.empty()) throw std::invalid_argument(problems);
    return values;
  }

  void logInfo(std::string_view m) const { host_.log(ORCH_LOG_INFO, m); }
  void logWarning(std::string_view m) const { host_.log(ORCH_LOG_WARNING, m); }
  void logError(std::string_view m) const { host_.log(ORCH_LOG_ERROR, m); }

  // ---- routes

  /// Registers a route; throws when the host refuses it (conflict, bad template).
  template <typename Handler>
  void route(std::string_view method, std::string_view path, Handler handler, RouteOptions options = {}) {
    // A lambda that returns response.json(...) on one path and falls off its
    // end on another is undefined behaviour: refuse it at compile time.
    static_assert(std::is_void_v<std::invoke_result_t<Handler&, Request&, Response&>>,
                  "a route handler returns void: write the answer with response.json(...), then `return;`");
    auto& entry = routes_.emplace_back(RouteEntry{this, RouteHandler(std::move(handler))});
    auto openapi = options.openapi.is_null() ? std::string() : options.openapi.dump();
    orch_route_descriptor d{};
    d.struct_size = sizeof d;
    d.method = detail::view(method);
    d.path_template = detail::view(path);
    d.permission = detail::view(options.permission);
    d.category = detail::view(options.category);
    d.summary = detail::view(options.summary);
    d.openapi_json = detail::view(openapi);
    d.flags = options.flags;
    d.on_request = &Plugin::onRequest;
    d.user_data = &entry;
    expectOk(host_.api().register_route(host_.raw(), &d), "route " + std::string(method) + " " + std::string(path));
  }

  /// Registers a WebSocket route; `options.flags` takes ORCH_ROUTE_AT_ROOT,
  /// ORCH_ROUTE_EXACT_PATH and ORCH_WEBSOCKET_FIRST_MESSAGE_AUTH.
  void websocket(std::string_view path, WebSocketHandlers handlers, RouteOptions options = {}) {
    auto& entry = websockets_.emplace_back(WebSocketEntry{this, std::move(handlers)});
    orch_websocket_route_descriptor d{};
    d.struct_size = sizeof d;
    d.path_template = detail::view(path);
    d.permission = detail::view(options.permission);
    d.summary = detail::view(options.summary);
    d.flags = options.flags;
    d.on_open = &Plugin::onWebSocketOpen;
    d.on_message = &Plugin::onWebSocketMessage;
    d.on_close = &Plugin::onWebSocketClose;
    d.user_data = &entry;
    expectOk(host_.api().register_websocket_route(host_.raw(), &d), "WebSocket route " + std::string(path));
  }
  /// Queues a text message; false when the connection is gone or was just
  /// dropped for reading too slowly.
  bool websocketSend(std::uint64_t connection, std::string_view text) const {
    return host_.api().websocket_send(host_.raw(), connection, detail::view(text)) == ORCH_OK;
  }
  void websocketClose(std::uint64_t connection, int code, std::string_view reason) const {
    host_.api().websocket_close(host_.raw(), connection, code, detail::view(reason));
  }

  // ---- step types (steps.hpp)

  /// Registers a workflow step type with the JSON Schema of its config.
  void stepType(std::string_view name, std::string_view description, const json& configSchema, StepHandler run,
                StepOptions options = {}) {
    auto& entry = steps_.emplace_back(std::move(run));
    auto schema = configSchema.dump();
    orch_step_type_descriptor d{};
    d.struct_size = sizeof d;
    d.name = detail::view(name);
    d.description = detail::view(description);
    d.config_schema_json = detail::view(schema);
    d.on_execute = &Plugin::onExecuteStep;
    d.user_data = &entry;
    d.flags = (options.pure ? ORCH_STEP_PURE : 0u) | (options.hostOnly ? ORCH_STEP_HOST_ONLY : 0u);
    expectOk(host_.api().register_step_type(host_.raw(), &d), "step type " + std::string(name));
  }

  /// Every step type any plugin registered: [{name, description, config_schema, plugin, pure, host_only}].
  json stepTypes() const {
    detail::StringSink list;
    host_.api().step_types_list(host_.raw(), list.get());
    return detail::parseOr(list.text, json::array());
  }

  /// One step type's description, or nullopt when no plugin registered it.
  std::optional<json> stepTypeDescription(std::string_view name) const {
    detail::StringSink description;
    if (host_.api().step_type_describe(host_.raw(), detail::view(name), description.get()) != ORCH_OK)
      return std::nullopt;
    return json::parse(description.text);
  }

  /// Runs a step type of any plugin; throws with the step's message when it fails.
  json runStep(std::string_view name, const StepContext& step) const {
    auto config = step.config.dump(), input = step.input.dump(), principal = step.principal.dump();
    orch_step_context context{};
    context.struct_size = sizeof context;
    context.config_json = detail::view(config);
    context.input_json = detail::view(input);
    context.execution_id = detail::view(step.executionId);
    context.step_id = detail::view(step.stepId);
    context.principal_json = detail::view(principal);
    detail::StringSink output, error;
    Host::check(host_.api().step_type_execute(host_.raw(), detail::view(name), &context, output.get(), error.get()),
                error, "step " + std::string(name));
    return detail::parseOr(output.text, nullptr);
  }

  // ---- framework adapters (frameworks.hpp)

  void frameworkAdapter(std::string_view framework, FrameworkAdapter adapter) {
    auto& entry = adapters_.emplace_back(std::move(adapter));
    orch_framework_adapter_descriptor d{};
    d.struct_size = sizeof d;
    d.framework = detail::view(framework);
    d.on_validate = &Plugin::onValidate;
    d.on_compile = &Plugin::onCompile;
    d.on_export = entry.exportGraph ? &Plugin::onExport : nullptr;
    d.user_data = &entry;
    expectOk(host_.api().register_framework_adapter(host_.raw(), &d), "framework " + std::string(framework));
  }

  /// Every framework adapter any plugin registered: [{framework, plugin, exports}].
  json frameworks() const {
    detail::StringSink list;
    host_.api().framework_adapters_list(host_.raw(), list.get());
    return detail::parseOr(list.text, json::array());
  }

  /// Checks a definition with the adapter of `framework`: the problem found,
  /// or nullopt when it is valid. An unknown framework is a problem of the
  /// field "framework".
  std::optional<DefinitionProblem> validateDefinition(std::string_view framework, const json& definition) const {
    auto text = definition.dump();
    detail::StringSink problem;
    if (host_.api().framework_validate(host_.raw(), detail::view(framework), detail::view(text), problem.get()) ==
        ORCH_OK)
      return std::nullopt;
    auto parsed = json::parse(problem.text, nullptr, false);
    if (!parsed.is_object()) return DefinitionProblem{"", problem.text};
    return DefinitionProblem{parsed.value("field", std::string()), parsed.value("issue", std::string())};
  }

  /// The workflow graph {"nodes","edges"} of a definition; throws with the adapter's message.
  json compileDefinition(std::string_view framework, const json& definition) const {
    return callAdapter(host_.api().framework_compile, framework, definition, "compile");
  }

  /// A graph in the framework's own format; throws when the adapter cannot export.
  json exportDefinition(std::string_view framework, const json& graph) const {
    return callAdapter(host_.api().framework_export, framework, graph, "export");
  }

  // ---- authentication, storage

  void authenticator(std::function<AuthResult(const AuthRequest&)> authenticate) {
    authenticate_ = std::move(authenticate);
    orch_authenticator_descriptor d{};
    d.struct_size = sizeof d;
    d.on_authenticate = &Plugin::onAuthenticate;
    d.user_data = this;
    expectOk(host_.api().set_authenticator(host_.raw(), &d), "authenticator");
  }

  /// One schema migration; `sqlPostgreSQL`, when given, replaces `sql` there.
  /// First-party plugins keep theirs as files (see migrations()).
  void migration(std::int64_t version, std::string_view description, std::string_view sql,
                 std::string_view sqlPostgreSQL = {}) {
    orch_migration_descriptor d{};
    d.struct_size = sizeof d;
    d.version = version;
    d.description = detail::view(description);
    d.sql = detail::view(sql);
    d.sql_postgresql = detail::view(sqlPostgreSQL);
    expectOk(host_.api().register_migration(host_.raw(), &d), "migration " + std::to_string(version));
  }

  /// Every migration of a folder of files embedded with orchestrator_embed:
  /// "0003_add_tags.sql" is version 3, its first line "-- what it does" the
  /// description, and "0003_add_tags.postgresql.sql" beside it, when there,
  /// its text on PostgreSQL.
  void migrations(const EmbeddedFiles& files) {
    struct Parts {
      std::string_view sql, postgresql, description;
    };
    std::map<std::int64_t, Parts> byVersion;
    for (const auto& file : files) {
      auto underscore = file.name.find('_');
      auto version = underscore == std::string_view::npos
                         ? std::nullopt
                         : settings::parseInteger(std::string(file.name.substr(0, underscore)));
      bool postgresql = file.name.size() > 15 && file.name.substr(file.name.size() - 15) == ".postgresql.sql";
      if (!version || *version <= 0 || file.name.substr(file.name.size() - 4) != ".sql")
        throw std::invalid_argument("migration file " + std::string(file.name) +
                                    ": expected NNNN_what.sql or NNNN_what.postgresql.sql");
      auto& parts = byVersion[*version];
      (postgresql ? parts.postgresql : parts.sql) = file.text;
      if (!postgresql) parts.description = firstCommentLine(file.text);
    }
    for (const auto& [version, parts] : byVersion) {
      if (parts.sql.empty()) throw std::invalid_argument("migration " + std::to_string(version) + " has no .sql file");
      migration(version, parts.description, parts.sql, parts.postgresql);
    }
  }

  // ---- services between plugins (services/)

  void service(std::string_view name, ServiceHandler handler) {
    auto& entry = services_.emplace_back(std::move(handler));
    orch_service_descriptor d{};
    d.struct_size = sizeof d;
    d.name = detail::view(name);
    d.on_call = &Plugin::onServiceCall;
    d.user_data = &entry;
    expectOk(host_.api().register_service(host_.raw(), &d), "service " + std::string(name));
  }

  /// Calls another plugin's service; throws with its message on failure.
  json callService(std::string_view name, std::string_view method, const json& request) const {
    detail::StringSink result, error;
    auto text = request.dump();
    Host::check(host_.api().service_call(host_.raw(), detail::view(name), detail::view(method), detail::view(text),
                                         result.get(), error.get()),
                error, "service " + std::string(name));
    return detail::parseOr(result.text, nullptr);
  }

  /// Like callService, but nullopt when no loaded plugin serves `name`, for
  /// a feature that works without that plugin (ABI: ORCH_NOT_FOUND).
  std::optional<json> callServiceIfServed(std::string_view name, std::string_view method, const json& request) const {
    detail::StringSink result, error;
    auto text = request.dump();
    auto status = host_.api().service_call(host_.raw(), detail::view(name), detail::view(method), detail::view(text),
                                           result.get(), error.get());
    if (status == ORCH_NOT_FOUND) return std::nullopt;
    Host::check(status, error, "service " + std::string(name));
    return detail::parseOr(result.text, nullptr);
  }

  // ---- events

  void publish(std::string_view topic, const json& payload) const {
    auto text = payload.dump();
    host_.api().event_publish(host_.raw(), detail::view(topic), detail::view(text));
  }

  /// Subscribes to a topic or a prefix pattern ("execution_*"). Returns the
  /// subscription's id, for unsubscribe.
  std::uint64_t subscribe(std::string_view pattern, EventHandler handler, EventScope scope = EventScope::ThisHost) {
    return subscribeUnparsed(
        pattern,
        [handler = std::move(handler)](const std::string& topic, std::string_view payload) {
          handler(topic, detail::parseOr(payload, nullptr));
        },
        scope);
  }

  /// Like subscribe, with the payload's JSON text not yet parsed, for a
  /// subscriber that often has nothing to do with an event: it decides
  /// before paying for the parse. EventScope::AllHosts also receives the
  /// events of the other hosts sharing the database; leave it out when the
  /// handler has side effects (each host then acts on its own events only).
  std::uint64_t subscribeUnparsed(std::string_view pattern, UnparsedEventHandler handler,
                                  EventScope scope = EventScope::ThisHost) {
    auto& entry = events_.emplace_back(std::move(handler));
    auto id = host_.api().event_subscribe_with_flags(host_.raw(), detail::view(pattern),
                                                     scope == EventScope::AllHosts ? ORCH_EVENT_FROM_ALL_HOSTS : 0,
                                                     &Plugin::onEvent, &entry);
    if (id == 0) throw std::runtime_error("subscription to '" + std::string(pattern) + "' refused");
    return id;
  }

  /// Ends a subscription; events already on their way may still arrive.
  void unsubscribe(std::uint64_t subscription) const { host_.api().event_unsubscribe(host_.raw(), subscription); }

  // ---- jobs and timers

  /// Runs `job` soon on a host worker thread.
  void submit(Job job) const {
    auto* owned = new Job(std::move(job));
    if (host_.api().job_submit(host_.raw(), &Plugin::onOneShotJob, owned) != ORCH_OK) {
      delete owned;
      throw std::runtime_error("job_submit refused");
    }
  }

  /// Runs `job` after `delayMs`, then every `intervalMs` (> 0). Returns the timer id.
  std::uint64_t timer(std::uint64_t delayMs, std::uint64_t intervalMs, Job job) {
    auto& entry = jobs_.emplace_back(std::move(job));
    return host_.api().timer_start(host_.raw(), delayMs, intervalMs, &Plugin::onTimer, &entry);
  }
  void cancelTimer(std::uint64_t id) const { host_.api().timer_cancel(host_.raw(), id); }

  // ---- lifecycle

  /// Runs once after migrations, before requests are served.
  void onStart(std::function<void()> hook) { start_ = std::move(hook); }
  /// Runs once at shutdown.
  void onShutdown(std::function<void()> hook) { shutdown_ = std::move(hook); }

private:
  struct RouteEntry {
    Plugin* plugin;
    RouteHandler handler;
  };
  struct WebSocketEntry {
    Plugin* plugin;
    WebSocketHandlers handlers;
  };

  using AdapterCall = orch_status (*)(orch_host*, orch_str, orch_str, orch_sink*, orch_sink*);
  json callAdapter(AdapterCall call, std::string_view framework, const json& input, const char* what) const {
    auto text = input.dump();
    detail::StringSink output, error;
    Host::check(call(host_.raw(), detail::view(framework), detail::view(text), output.get(), error.get()), error,
                std::string(what) + " with framework " + std::string(framework));
    return detail::parseOr(output.text, nullptr);
  }

  static std::string_view firstCommentLine(std::string_view sql) {
    if (sql.substr(0, 3) != "-- ") return {};
    auto line = sql.substr(3, sql.find('\n') == std::string_view::npos ? std::string_view::npos : sql.find('\n') - 3);
    return line;
  }

  void expectOk(orch_status status, const std::string& what) const {
    if (status == ORCH_OK) return;
    static constexpr const char* reasons[] = {"ok", "error", "not found", "invalid", "already registered by another plugin",
                                              "", "", "not allowed now"};
    auto reason = status >= 0 && status < 8 ? reasons[status] : "refused";
    throw std::runtime_error(what + ": " + reason);
  }

  // ---- C thunks; exceptions stop here.

  static orch_status onRequest(void* user_data, const orch_request* raw, orch_response* response,
                               orch_sink* error_message) noexcept {
    auto* entry = static_cast<RouteEntry*>(user_data);
    const Host& host = entry->plugin->host_;
    return guarded(
        error_message,
        [&] {
          Request request(host, *raw);
          Response out(host, response);
          entry->handler(request, out);
        },
        [&](const HttpError& e) {
          // The standard error envelope, answered by the host.
          auto details = e.details().is_null() ? std::string() : e.details().dump();
          host.api().response_error(response, e.status(), detail::view(e.code()),
                                    detail::view(std::string_view(e.what())), detail::view(details));
          return ORCH_OK;
        });
  }

  /// Runs `body`: ORCH_OK; an HttpError is `onHttpError`'s to answer; anything
  /// else ORCH_ERROR with its message.
  template <typename Body, typename OnHttpError>
  static orch_status guarded(orch_sink* error_message, Body&& body, OnHttpError&& onHttpError) noexcept {
    try {
      body();
      return ORCH_OK;
    } catch (const HttpError& e) {
      return onHttpError(e);
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
      detail::write(error_message, "unknown exception");
    }
    return ORCH_ERROR;
  }

  /// Runs `body`; an HttpError becomes ORCH_INVALID with "field: issue",
  /// anything else ORCH_ERROR with its message.
  template <typename Body>
  static orch_status guarded(orch_sink* error_message, Body&& body) noexcept {
    return guarded(error_message, std::forward<Body>(body), [&](const HttpError& e) {
      // Outside HTTP only the text survives: say which field and what is wrong.
      const auto& d = e.details();
      bool named = d.is_object() && d.value("field", json()).is_string() && d.value("issue", json()).is_string();
      detail::write(error_message, named ? d["field"].get<std::string>() + ": " + d["issue"].get<std::string>()
                                         : std::string(e.what()));
      return ORCH_INVALID;
    });
  }

  static orch_status onExecuteStep(void* user_data, const orch_step_context* c, orch_sink* output,
                                   orch_sink* error_message) noexcept {
    return guarded(error_message, [&] {
      StepContext context{detail::parseOr(detail::view(c->config_json), json::object()),
                          detail::parseOr(detail::view(c->input_json), json::object()),
                          std::string(detail::view(c->execution_id)), std::string(detail::view(c->step_id)),
                          detail::parseOr(detail::view(c->principal_json), nullptr)};
      detail::write(output, (*static_cast<StepHandler*>(user_data))(context).dump());
    });
  }

  static orch_status onValidate(void* user_data, orch_str definition, orch_sink* problem) noexcept {
    try {
      static_cast<FrameworkAdapter*>(user_data)->validate(json::parse(detail::view(definition)));
      return ORCH_OK;
    } catch (const HttpError& e) {
      detail::write(problem, e.details().is_null() ? json{{"field", ""}, {"issue", e.what()}}.dump() : e.details().dump());
    } catch (const std::exception& e) {
      detail::write(problem, json{{"field", ""}, {"issue", e.what()}}.dump());
    }
    return ORCH_INVALID;
  }

  static orch_status onCompile(void* user_data, orch_str definition, orch_sink* graph, orch_sink* error) noexcept {
    return guarded(error, [&] {
      detail::write(graph, static_cast<FrameworkAdapter*>(user_data)->compile(json::parse(detail::view(definition))).dump());
    });
  }

  static orch_status onExport(void* user_data, orch_str graph, orch_sink* definition, orch_sink* error) noexcept {
    return guarded(error, [&] {
      detail::write(definition,
                    static_cast<FrameworkAdapter*>(user_data)->exportGraph(json::parse(detail::view(graph))).dump());
    });
  }

  static orch_status onAuthenticate(void* user_data, const orch_auth_request* r, orch_sink* principal,
                                    orch_sink* error_message) noexcept {
    auto* self = static_cast<Plugin*>(user_data);
    try {
      AuthRequest request{detail::view(r->authorization), detail::view(r->api_key), detail::view(r->query_token),
                          detail::view(r->client_ip), detail::view(r->path)};
      auto result = self->authenticate_(request);
      switch (result.kind) {
      case AuthResult::Kind::Authenticated:
        detail::write(principal, result.principal.dump());
        return ORCH_OK;
      case AuthResult::Kind::NoCredentials:
        return ORCH_AUTH_NONE;
      case AuthResult::Kind::Denied:
        detail::write(error_message, result.message);
        return ORCH_AUTH_DENIED;
      }
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
    }
    return ORCH_ERROR;
  }

  static orch_status onServiceCall(void* user_data, orch_str method, orch_str request, orch_sink* result,
                                   orch_sink* error) noexcept {
    return guarded(error, [&] {
      auto answer = (*static_cast<ServiceHandler*>(user_data))(std::string(detail::view(method)),
                                                               detail::parseOr(detail::view(request), nullptr));
      detail::write(result, answer.dump());
    });
  }

  static orch_status onWebSocketOpen(void* user_data, std::uint64_t connection, const orch_request* raw,
                                     orch_sink* error_message) noexcept {
    auto* entry = static_cast<WebSocketEntry*>(user_data);
    try {
      Request request(entry->plugin->host_, *raw);
      entry->handlers.open(connection, request);
      return ORCH_OK;
    } catch (const std::exception& e) {
      detail::write(error_message, e.what());
    } catch (...) {
      detail::write(error_message, "refused");
    }
    return ORCH_ERROR;
  }

  static void onWebSocketMessage(void* user_data, std::uint64_t connection, orch_str text) noexcept {
    auto* entry = static_cast<WebSocketEntry*>(user_data);
    try {
      if (entry->handlers.message) entry->handlers.message(connection, detail::view(text));
    } catch (...) {
      // One bad message must not stop the connection's others.
    }
  }

  static void onWebSocketClose(void* user_data, std::uint64_t connection) noexcept {
    auto* entry = static_cast<WebSocketEntry*>(user_data);
    try {
      if (entry->handlers.close) entry->handlers.close(connection);
    } catch (...) {
    }
  }

  static void onEvent(void* user_data, orch_str topic, orch_str payload) noexcept {
    try {
      (*static_cast<UnparsedEventHandler*>(user_data))(std::string(detail::view(topic)), detail::view(payload));
    } catch (...) {
      // An event handler's failure must not stop delivery to the others.
    }
  }

  static void onTimer(void* user_data) noexcept {
    try {
      (*static_cast<Job*>(user_data))();
    } catch (...) {
    }
  }

  static void onOneShotJob(void* user_data) noexcept {
    std::unique_ptr<Job> job(static_cast<Job*>(user_data));
    try {
      (*job)();
    } catch (...) {
    }
  }

public:
  // Used by ORCH_PLUGIN; not for plugin code.
  static orch_status start(void* state, orch_sink* error) noexcept {
    auto* self = static_cast<Plugin*>(state);
    return guarded(error, [&] {
      if (self->start_) self->start_();
    });
  }
  static void shutdown(void* state) noexcept {
    std::unique_ptr<Plugin> self(static_cast<Plugin*>(state));
    try {
      if (self->shutdown_) self->shutdown_();
    } catch (...) {
    }
  }
  template <void (*Init)(Plugin&)>
  static orch_status init(orch_host* host, const orch_host_api* api, void** state, orch_sink* error) noexcept {
    auto plugin = std::make_unique<Plugin>(host, api);
    auto status = guarded(error, [&] { Init(*plugin); });
    if (status == ORCH_OK) *state = plugin.release();
    return status;
  }

private:
  Host host_;
  Database db_;
  // deques keep element addresses stable; the host holds pointers to them.
  std::deque<RouteEntry> routes_;
  std::deque<WebSocketEntry> websockets_;
  std::deque<StepHandler> steps_;
  std::deque<FrameworkAdapter> adapters_;
  std::deque<ServiceHandler> services_;
  std::deque<UnparsedEventHandler> events_;
  std::deque<Job> jobs_;
  std::function<AuthResult(const AuthRequest&)> authenticate_;
  std::function<void()> start_, shutdown_;
};

} // namespace orch

/// Declares the plugin: its name (the file's stem), version, description and
/// init function `void init(orch::Plugin&)`. Use once per plugin.
#define ORCH_PLUGIN(NAME, VERSION, DESCRIPTION, INIT_FUNCTION)                                               \
  extern "C" ORCH_EXPORT orch_status orch_plugin_entry(orch_negotiation* negotiation) {                     \
    static const orch_plugin_descriptor descriptor = {sizeof(orch_plugin_descriptor),                         \
                                                      NAME,                                                   \
                                                      VERSION,                                                \
                                                      DESCRIPTION,                                            \
                                                      &::orch::Plugin::init<INIT_FUNCTION>,                   \
                                                      &::orch::Plugin::start,                                 \
                                                      &::orch::Plugin::shutdown};                             \
    negotiation->plugin_abi_major = ORCH_ABI_MAJOR;                                                           \
    negotiation->plugin_abi_minor = ORCH_ABI_MINOR;                                                           \
    negotiation->descriptor = &descriptor;                                                                    \
    return ORCH_OK;                                                                                           \
  }
